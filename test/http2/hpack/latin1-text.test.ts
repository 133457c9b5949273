import { describe, expect, it } from "vitest";
import { latin1Text } from "../../../src/http2/hpack/latin1-text.js";

describe("latin1Text", () => {
  // Every octet value, inside a larger buffer, so the view's own offset matters too.
  const backing = new Uint8Array(300);
  for (let i = 0; i < 256; i++) backing[i + 20] = i;
  const view = backing.subarray(20, 276);

  it("maps each octet to the code point of the same value, in short and long strings of a plain Uint8Array view", () => {
    for (const [start, end] of [[0, 3], [100, 107], [120, 128], [0, 256], [200, 256]] as const) {
      const text = latin1Text(view, start, end);
      expect(text.length).toBe(end - start);
      expect([...text].map((character) => character.charCodeAt(0))).toEqual([...view.subarray(start, end)]);
    }
  });

  it("reads a Buffer the same way", () => {
    const buffer = Buffer.from(view);
    expect(latin1Text(buffer, 5, 250)).toBe(latin1Text(view, 5, 250));
  });
});
