// Any parameter value the CLI accepts (a non-negative number) must give a report, never an
// internal error: each built-in parameter at 0 and at a huge value, over the real captures of the
// failures the rules exist for. Zero windows and zero counts once crashed three rules.

import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { BUILTIN_RULES } from "../../src/rules/registry.js";
import { FIXTURES_DIR } from "../support/fixtures.js";
import { runCli } from "../support/run-cli.js";

const RULE_CAPTURES = readdirSync(join(FIXTURES_DIR, "captures"))
  .filter((name) => name.startsWith("rules-") && /\.pcap(ng)?(\.gz)?$/.test(name))
  .map((name) => join(FIXTURES_DIR, "captures", name));

const SETTINGS = BUILTIN_RULES.flatMap((rule) => Object.keys(rule.parameters).map((name) => `${rule.id}.${name}`));

describe("rule parameters at their extremes", () => {
  it("has the failure captures to run them on", () => {
    expect(RULE_CAPTURES.length).toBeGreaterThanOrEqual(20);
    expect(SETTINGS.length).toBeGreaterThanOrEqual(30);
  });

  it.each(SETTINGS.flatMap((setting) => [[setting, "0"], [setting, "1e9"]]))("%s=%s reports without an internal error", async (setting, value) => {
    // One capture per run: in-process, where several would each start a worker thread.
    for (const capture of RULE_CAPTURES) {
      const result = await runCli(["analyze", "--format", "json", "--fail-on", "none", "--set", `${setting}=${value}`, capture]);
      expect(result.stderr, capture).not.toContain("internal error");
      expect(result.exitCode, capture).toBe(0);
      expect(JSON.parse(result.stdout)).toHaveProperty("findings");
    }
  }, 60_000);
});
