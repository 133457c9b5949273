// Every rule's `events` list covers the event kinds its code reads, and its `frames` list the
// frame kinds: the engine sends a rule only those, so a missing one would silently blind it.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { BUILTIN_RULES } from "../../src/rules/registry.js";

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
});
