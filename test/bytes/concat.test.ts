import { describe, expect, it } from "vitest";
import { concatBytes, copyBytes } from "../../src/bytes/concat.js";

describe("copyBytes", () => {
  it("copies a Node Buffer too (whose own slice() is a view), whole or a range", () => {
    const buffer = Buffer.from([1, 2, 3, 4, 5]);
    const whole = copyBytes(buffer);
    const range = copyBytes(buffer, 1, 3);
    const view = buffer.slice(1, 3);
    buffer.fill(0xee);
    expect([...whole]).toEqual([1, 2, 3, 4, 5]);
    expect([...range]).toEqual([2, 3]);
    // What the test guards against: Buffer.slice shares the bytes.
    expect([...view]).toEqual([0xee, 0xee]);
  });

  it("copies a view of a plain array, not the array behind it", () => {
    const bytes = Uint8Array.of(9, 8, 7, 6);
    const copy = copyBytes(bytes.subarray(1));
    bytes.fill(0);
    expect([...copy]).toEqual([8, 7, 6]);
    expect(copy.byteLength).toBe(copy.buffer.byteLength);
  });
});

describe("concatBytes", () => {
  it("joins parts in order into a new array", () => {
    const first = Uint8Array.of(1, 2);
    const joined = concatBytes(first, Uint8Array.of(), Uint8Array.of(3));
    first.fill(0);
    expect([...joined]).toEqual([1, 2, 3]);
  });
});
