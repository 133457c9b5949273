import { describe, expect, it } from "vitest";
import { divideUint64, timestampConverter } from "../../../src/capture/pcapng/timestamp.js";

function split(value: bigint): [number, number] {
  return [Number(value >> 32n), Number(value & 0xffffffffn)];
}

describe("pcapng timestamps", () => {
  it("divides 64-bit values exactly, as BigInt does", () => {
    const samples = [0n, 1n, 999n, 1000n, 1_700_000_000_123_456_789n, 0xffffffffffffffffn, 0x0123456789abcdefn];
    for (const value of samples) {
      for (const divisor of [1, 10, 1000, 1_000_000, 1_000_000_000]) {
        const [high, low] = split(value);
        const expected = value / BigInt(divisor);
        if (expected > BigInt(Number.MAX_SAFE_INTEGER)) continue;
        expect(divideUint64(high, low, divisor)).toBe(Number(expected));
      }
    }
  });

  it("reads microseconds by default (if_tsresol 6)", () => {
    const [high, low] = split(1_700_000_000_123_456n);
    expect(timestampConverter(6, 0)(high, low)).toBe(1_700_000_000_123_456);
  });

  it("reads nanoseconds (if_tsresol 9) without losing microseconds", () => {
    const [high, low] = split(1_700_000_000_123_456_789n);
    expect(timestampConverter(9, 0)(high, low)).toBe(1_700_000_000_123_456);
  });

  it("reads milliseconds (if_tsresol 3)", () => {
    const [high, low] = split(1_700_000_000_123n);
    expect(timestampConverter(3, 0)(high, low)).toBe(1_700_000_000_123_000);
  });

  it("reads power-of-two resolutions (if_tsresol 0x80 | 20)", () => {
    const units = (1_700_000_000n << 20n) + (1n << 19n); // .5 s
    const [high, low] = split(units);
    expect(timestampConverter(0x80 | 20, 0)(high, low)).toBe(1_700_000_000_500_000);
  });

  it("adds if_tsoffset seconds", () => {
    const [high, low] = split(5_000_000n);
    expect(timestampConverter(6, 1_700_000_000)(high, low)).toBe(1_700_000_005_000_000);
  });
});
