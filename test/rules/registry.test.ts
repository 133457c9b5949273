// Every rule's `events` list covers the event kinds its code reads: the engine sends a rule only
// those, so a missing one would silently blind it.

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

  it("has unique ids, each with a file of the same name", () => {
    const ids = BUILTIN_RULES.map((rule) => rule.id);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
