import { describe, expect, it } from "vitest";
import { appended, sharedEmptyList } from "../src/small-list.js";

describe("small lists", () => {
  it("start shared and frozen, so that a stray push fails instead of leaking into every list", () => {
    const none = sharedEmptyList<number>();
    expect(none).toEqual([]);
    expect(() => (none as number[]).push(1)).toThrow(TypeError);
  });

  it("take a new array of their exact length at the first and second entry, and grow in place after", () => {
    const none = sharedEmptyList<string>();
    const one = appended(none, "a");
    expect(one).toEqual(["a"]);
    expect(one).not.toBe(none);
    expect(none).toEqual([]);
    const two = appended(one, "b");
    expect(two).not.toBe(one);
    expect(one).toEqual(["a"]);
    expect(two).toEqual(["a", "b"]);
    const three = appended(two, "c");
    expect(three).toBe(two);
    expect(three).toEqual(["a", "b", "c"]);
    // An emptied list (after shift) also starts again from one element.
    (three as string[]).length = 0;
    expect(appended(three, "d")).toEqual(["d"]);
  });
});
