import { describe, expect, it } from "vitest";
import { SettingsTracker } from "../../../src/http2/connection/settings-tracker.js";

/** A tracker where `side` declared `settings` and the other side acknowledged them. */
function trackerWith(side: "client" | "server", settings: Array<[number, number]>): SettingsTracker {
  const tracker = new SettingsTracker(true);
  tracker.declared(side, settings, 0, 1);
  tracker.acknowledged(side === "client" ? "server" : "client", 10);
  return tracker;
}

describe("named settings in force", () => {
  it("lists every value in force by name, defaults included, in ascending ids", () => {
    const named = trackerWith("server", [[3, 100], [4, 1 << 20]]).named("server");
    expect(named).toEqual([
      ["HEADER_TABLE_SIZE", 4096], ["ENABLE_PUSH", 1], ["MAX_CONCURRENT_STREAMS", 100],
      ["INITIAL_WINDOW_SIZE", 1 << 20], ["MAX_FRAME_SIZE", 16_384],
    ]);
  });

  it("shares one frozen list between connections with the same values, and not with others", () => {
    const first = trackerWith("client", [[3, 100], [2, 0]]).named("client");
    const same = trackerWith("client", [[2, 0], [3, 100]]).named("client");
    const other = trackerWith("client", [[3, 101], [2, 0]]).named("client");
    expect(same).toBe(first);
    expect(other).not.toBe(first);
    expect(other).toContainEqual(["MAX_CONCURRENT_STREAMS", 101]);
    expect(Object.isFrozen(first) && first.every((pair) => Object.isFrozen(pair))).toBe(true);
    // Alternating values (a connection's two sides, one connection after another) keep their lists.
    for (let round = 0; round < 3; round++) {
      expect(trackerWith("client", [[3, 100], [2, 0]]).named("client")).toBe(first);
      expect(trackerWith("client", [[3, 101], [2, 0]]).named("client")).toBe(other);
    }
  });

  it("lists unregistered ids after the registered ones, in a list of their own", () => {
    const named = trackerWith("client", [[0x4242, 7], [1, 0]]).named("client");
    expect(named.at(-1)).toEqual(["UNKNOWN(0x4242)", 7]);
    expect(trackerWith("client", [[0x4242, 7], [1, 0]]).named("client")).not.toBe(named);
  });
});
