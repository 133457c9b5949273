// Rule configuration from `--rules file.json` and `--set rule.param=value`, checked against
// the registry so a typo is an error, not a silently ignored setting.

import { H2scopeError } from "../errors.js";
import type { Rule, Severity } from "./rule.js";
import { defaultSettings, type RuleSettings } from "./rule-engine.js";

const SEVERITIES: readonly Severity[] = ["error", "warning", "info"];

/**
 * The settings of every rule: defaults, then the file's entries, then each `--set`.
 * File format: `{ "rules": { "<rule-id>": { "enabled": false, "severity": "warning", "<param>": 3 } } }`
 * (the top-level "rules" wrapper is optional).
 */
export function resolveRuleSettings(rules: readonly Rule[], fileText: string | undefined, assignments: readonly string[], fileName = "the rules file"): Map<string, RuleSettings> {
  const byId = new Map(rules.map((rule) => [rule.id, rule] as const));
  const settings = new Map(rules.map((rule) => [rule.id, defaultSettings(rule)] as const));
  if (fileText !== undefined) {
    let document: unknown;
    try {
      document = JSON.parse(fileText);
    } catch (error) {
      throw new H2scopeError("usage", `${fileName} is not valid JSON: ${(error as Error).message}`);
    }
    const entries = isObject(document) && isObject(document.rules) ? document.rules : document;
    if (!isObject(entries)) throw new H2scopeError("usage", `${fileName} must hold an object of rule ids`);
    for (const [ruleId, entry] of Object.entries(entries)) {
      if (!isObject(entry)) throw new H2scopeError("usage", `${fileName}: the entry for ${ruleId} must be an object`);
      for (const [key, value] of Object.entries(entry)) apply(byId, settings, ruleId, key, value, fileName);
    }
  }
  for (const assignment of assignments) {
    const match = /^([a-z0-9-]+)\.([A-Za-z0-9]+)=(.*)$/.exec(assignment);
    if (match === null) throw new H2scopeError("usage", `--set ${assignment}: expected <rule>.<param>=<value>, e.g. rst-internal-error-burst.count=10`);
    const [, ruleId, key, text] = match as unknown as [string, string, string, string];
    const value = text === "true" || text === "false" ? text === "true" : SEVERITIES.includes(text as Severity) ? text : Number(text);
    apply(byId, settings, ruleId, key, value, "--set");
  }
  return settings;
}

function apply(byId: Map<string, Rule>, settings: Map<string, RuleSettings>, ruleId: string, key: string, value: unknown, source: string): void {
  const rule = byId.get(ruleId);
  if (rule === undefined) throw new H2scopeError("usage", `${source}: unknown rule ${ruleId} (h2scope rules lists them)`);
  const ruleSettings = settings.get(ruleId)!;
  if (key === "enabled") {
    if (typeof value !== "boolean") throw new H2scopeError("usage", `${source}: ${ruleId}.enabled must be true or false`);
    ruleSettings.enabled = value;
    return;
  }
  if (key === "severity") {
    if (!SEVERITIES.includes(value as Severity)) throw new H2scopeError("usage", `${source}: ${ruleId}.severity must be error, warning or info`);
    ruleSettings.severity = value as Severity;
    return;
  }
  if (!(key in rule.parameters)) {
    const known = Object.keys(rule.parameters);
    throw new H2scopeError("usage", `${source}: ${ruleId} has no parameter ${key}${known.length ? ` (it has ${known.join(", ")}, enabled, severity)` : " (only enabled and severity)"}`);
  }
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
    throw new H2scopeError("usage", `${source}: ${ruleId}.${key} must be a non-negative number`);
  }
  ruleSettings.params[key] = value;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
