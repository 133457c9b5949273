// Capture time on a quiet live input: it runs on with the wall clock after the last packet, less
// a grace, and only when the packets' own timestamps follow this machine's clock, reach us
// promptly, and this process was running all along.

import { describe, expect, it } from "vitest";
import { QUIET_GRACE_MS, QuietClock } from "../../src/cli/quiet-clock.js";

/** How often the CLI asks while waiting for input. */
const ASK_EVERY_MS = 500;

/** A QuietClock on clocks the test moves: monotonic ms, and the wall clock as epoch ms. */
function clocks(wallStartMs: number) {
  let elapsedMs = 0;
  const clock = new QuietClock(() => elapsedMs, () => wallStartMs + elapsedMs);
  const pass = (ms: number) => void (elapsedMs += ms);
  /** Waits `ms` for input, asking every ASK_EVERY_MS as the CLI does; the last answer. */
  const waitQuietly = (ms: number) => {
    let answer: number | undefined;
    for (let waited = 0; waited < ms; waited += ASK_EVERY_MS) {
      pass(ASK_EVERY_MS);
      answer = clock.captureNowUs();
    }
    return answer;
  };
  return { clock, pass, waitQuietly };
}

describe("quiet clock", () => {
  const packetUs = 1_795_000_000_000_000;

  it("runs capture time on from the last packet once the input has been quiet longer than the grace", () => {
    const { clock, waitQuietly } = clocks(packetUs / 1000 + 300); // read 0.3 s after it was captured
    expect(clock.captureNowUs()).toBeUndefined(); // no packet yet
    clock.packetsRead(1, packetUs);
    expect(clock.live).toBe(true);
    expect(waitQuietly(QUIET_GRACE_MS)).toBeUndefined();
    expect(waitQuietly(1_500)).toBe(packetUs + 1_500_000);
    // A new packet starts the quiet time again, from its own timestamp.
    clock.packetsRead(2, packetUs + 3_000_000);
    expect(waitQuietly(QUIET_GRACE_MS + 500)).toBe(packetUs + 3_500_000);
    // A chunk with no new packet (part of a record) is no sign of life.
    clock.packetsRead(2, packetUs + 3_000_000);
    expect(waitQuietly(500)).toBe(packetUs + 4_000_000);
  });

  it("does not count as silence a time this process did not run (Ctrl-Z, a paused machine)", () => {
    const { clock, pass, waitQuietly } = clocks(packetUs / 1000 + 300);
    clock.packetsRead(1, packetUs);
    expect(waitQuietly(500)).toBeUndefined();
    // Stopped for 60 s between two asks: packets captured meanwhile may still be on their way.
    pass(60_000);
    expect(clock.captureNowUs()).toBeUndefined();
    // The quiet time goes on from where it was before the stop: 500 ms of it, then 2,500 more.
    expect(waitQuietly(1_000)).toBeUndefined();
    expect(waitQuietly(1_500)).toBe(packetUs + 1_000_000);
  });

  it("keeps packet time only for a replay of an older capture, or packets stamped far ahead of this clock", () => {
    const old = clocks(packetUs / 1000 + 3_600_000); // captured an hour before it is read
    old.clock.packetsRead(1, packetUs);
    expect(old.clock.live).toBe(false);
    expect(old.waitQuietly(QUIET_GRACE_MS + 60_000)).toBeUndefined();

    const ahead = clocks(packetUs / 1000 - 120_000); // the capturing host's clock two minutes ahead
    ahead.clock.packetsRead(1, packetUs);
    expect(ahead.waitQuietly(QUIET_GRACE_MS + 60_000)).toBeUndefined();

    // A host a few seconds off (no NTP): live all the same.
    const skewed = clocks(packetUs / 1000 - 5_000);
    skewed.clock.packetsRead(1, packetUs);
    expect(skewed.waitQuietly(QUIET_GRACE_MS + 1_000)).toBe(packetUs + 1_000_000);
  });

  it("keeps packet time only once packets come in later than the grace (tcpdump without -U writes in blocks)", () => {
    const { clock, pass, waitQuietly } = clocks(packetUs / 1000 + 100);
    clock.packetsRead(1, packetUs);
    expect(clock.live).toBe(true);
    // A block of packets whose last was stamped 2.5 s before it is read: 2.4 s later than the first packet came.
    pass(3_000);
    clock.packetsRead(40, packetUs + 500_000);
    expect(clock.live).toBe(false);
    expect(waitQuietly(QUIET_GRACE_MS + 10_000)).toBeUndefined();
    // For good: prompt packets after it do not make the input trustworthy again.
    clock.packetsRead(41, packetUs + 15_500_000 - 100_000);
    expect(clock.live).toBe(false);
  });
});
