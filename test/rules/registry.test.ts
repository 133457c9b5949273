// Every rule's `events` list covers the event kinds its code reads, and its `frames` list the
// frame kinds: the engine sends a rule only those, so a missing one would silently blind it.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Http2ConnectionInfo } from "../../src/http2/http2-events.js";
import { defaultSettings } from "../../src/rules/rule-engine.js";
import type { FindingDraft, RuleContext } from "../../src/rules/rule.js";
import { BUILTIN_RULES } from "../../src/rules/registry.js";
import { StreamTimeline } from "../../src/rules/support/stream-timeline.js";

const BUILTIN = join(import.meta.dirname, "..", "..", "src", "rules", "builtin");

describe("rule registry", () => {
  it.each(BUILTIN_RULES.map((rule) => [rule.id, rule] as const))("%s declares every event kind it reads", (id, rule) => {
    const source = readFileSync(join(BUILTIN, `${id}.ts`), "utf8");
    const mentioned = new Set([...source.matchAll(/"((?:h2|tcp)\.[a-z-]+)"/g)].map((match) => match[1]!));
    if (source.includes("noteReadPressure")) for (const kind of ["tcp.zero-window", "tcp.ack-stall"]) mentioned.add(kind);
    expect(rule.events, `${id} has no events list`).toBeDefined();
    for (const kind of mentioned) expect(rule.events).toContain(kind);
  });

  it.each(BUILTIN_RULES.filter((rule) => rule.frames !== undefined).map((rule) => [rule.id, rule] as const))(
    "%s declares every frame kind it compares against, and reads h2.frame events", (id, rule) => {
      const source = readFileSync(join(BUILTIN, `${id}.ts`), "utf8");
      const compared = new Set([...source.matchAll(/kind [!=]== "([A-Z_]+)"/g)].map((match) => match[1]!));
      expect(compared.size).toBeGreaterThan(0);
      expect([...compared].sort()).toEqual([...rule.frames!].sort());
      expect(rule.events).toContain("h2.frame");
    });

  it("has unique ids, each with a file of the same name", () => {
    const ids = BUILTIN_RULES.map((rule) => rule.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it.each(BUILTIN_RULES.map((rule) => [rule.id, rule] as const))("%s makes a state that is not undefined (the engine's mark for one not made)", (_id, rule) => {
    expect(rule.createState()).not.toBeUndefined();
  });

  // The engine calls neither onTime nor onEnd of such a rule on a connection it never sent an
  // event of: they must have nothing to say there.
  it.each(BUILTIN_RULES.filter((rule) => rule.stateOnFirstEvent === true).map((rule) => [rule.id, rule] as const))(
    "%s, made at its first event, reports nothing from a fresh state", (_id, rule) => {
      expect(rule.onTime ?? rule.onEnd).toBeDefined();
      const reported: FindingDraft[] = [];
      const context: RuleContext = {
        params: defaultSettings(rule).params,
        connection: {} as Http2ConnectionInfo, // nothing to read on a fresh state
        streams: new StreamTimeline(),
        report: (draft) => reported.push(draft),
      };
      const state = rule.createState();
      rule.onTime?.(3_600e6, state, context);
      rule.onEnd?.(3_600e6, state, context);
      expect(reported).toEqual([]);
    });
});
