// Capture time on a quiet live input: it runs on with the wall clock after the last packet, less
// a grace, and only when the packets' own timestamps follow this machine's clock.

import { describe, expect, it } from "vitest";
import { QUIET_GRACE_MS, QuietClock } from "../../src/cli/quiet-clock.js";

/** A QuietClock on clocks the test moves: monotonic ms, and the wall clock as epoch ms. */
function clocks(wallStartMs: number) {
  let elapsedMs = 0;
  const clock = new QuietClock(() => elapsedMs, () => wallStartMs + elapsedMs);
  return { clock, pass: (ms: number) => void (elapsedMs += ms) };
}

describe("quiet clock", () => {
  const packetUs = 1_795_000_000_000_000;

  it("runs capture time on from the last packet once the input has been quiet longer than the grace", () => {
    const { clock, pass } = clocks(packetUs / 1000 + 300); // read 0.3 s after it was captured
    expect(clock.captureNowUs()).toBeUndefined(); // no packet yet
    clock.read(1, packetUs);
    expect(clock.live).toBe(true);
    expect(clock.captureNowUs()).toBeUndefined();
    pass(QUIET_GRACE_MS);
    expect(clock.captureNowUs()).toBeUndefined();
    pass(1_500);
    expect(clock.captureNowUs()).toBe(packetUs + 1_500_000);
    // A new packet starts the quiet time again, from its own timestamp.
    clock.read(2, packetUs + 3_000_000);
    pass(QUIET_GRACE_MS + 250);
    expect(clock.captureNowUs()).toBe(packetUs + 3_250_000);
    // A chunk with no new packet (part of a record) is no sign of life.
    clock.read(2, packetUs + 3_000_000);
    expect(clock.captureNowUs()).toBe(packetUs + 3_250_000);
  });

  it("keeps packet time only for a replay of an older capture, or packets stamped far ahead of this clock", () => {
    const old = clocks(packetUs / 1000 + 3_600_000); // captured an hour before it is read
    old.clock.read(1, packetUs);
    old.pass(QUIET_GRACE_MS + 60_000);
    expect(old.clock.live).toBe(false);
    expect(old.clock.captureNowUs()).toBeUndefined();

    const ahead = clocks(packetUs / 1000 - 120_000); // the capturing host's clock two minutes ahead
    ahead.clock.read(1, packetUs);
    ahead.pass(QUIET_GRACE_MS + 60_000);
    expect(ahead.clock.captureNowUs()).toBeUndefined();

    // A host a few seconds off (no NTP): live all the same.
    const skewed = clocks(packetUs / 1000 - 5_000);
    skewed.clock.read(1, packetUs);
    skewed.pass(QUIET_GRACE_MS + 1_000);
    expect(skewed.clock.captureNowUs()).toBe(packetUs + 1_000_000);
  });
});
