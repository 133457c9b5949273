// Findings for the final report, bounded per rule: a capture in which one rule fires on each of
// a million connections must not keep a million findings (and their connections' views) until
// the end. Streaming output (NDJSON, --follow) prints every finding as it is raised.

import { noFindingCounts, type Finding, type Severity } from "../rules/rule.js";

export class FindingCollector {
  readonly #maxPerRule: number;
  readonly #kept: Finding[] = [];
  readonly #seenByRule = new Map<string, number>();
  readonly #omittedByRule: Record<string, number> = {};
  readonly #counts: Record<Severity, number> = noFindingCounts();

  constructor(maxPerRule: number) {
    this.#maxPerRule = maxPerRule;
  }

  /** Counts a finding and keeps it while its rule has fewer than the maximum kept; true when kept. */
  add(finding: Finding): boolean {
    this.#counts[finding.severity]++;
    const seen = (this.#seenByRule.get(finding.rule) ?? 0) + 1;
    this.#seenByRule.set(finding.rule, seen);
    if (seen > this.#maxPerRule) {
      this.#omittedByRule[finding.rule] = (this.#omittedByRule[finding.rule] ?? 0) + 1;
      return false;
    }
    this.#kept.push(finding);
    return true;
  }

  /** The kept findings, in the order they were raised. */
  get findings(): Finding[] {
    return this.#kept;
  }

  /** Every finding by severity, kept or not. */
  get counts(): Record<Severity, number> {
    return { ...this.#counts };
  }

  /** Findings counted but not kept, by rule. */
  get omittedByRule(): Record<string, number> {
    return { ...this.#omittedByRule };
  }
}
