import { describe, expect, it } from "vitest";
import { decodePrefixInteger, MAX_HPACK_INTEGER, type IntegerCursor } from "../../../src/http2/hpack/hpack-integer.js";
import { hex, integer } from "./hpack-bytes.js";

function decode(bytes: Uint8Array, prefixBits: number, offset = 0) {
  const cursor: IntegerCursor = { value: -1, offset: -1 };
  const status = decodePrefixInteger(bytes, offset, prefixBits, cursor);
  return status === "ok" ? { status, value: cursor.value, next: cursor.offset } : { status };
}

describe("decodePrefixInteger (RFC 7541 §5.1)", () => {
  it("decodes the Appendix C.1 examples", () => {
    expect(decode(hex("0a"), 5)).toEqual({ status: "ok", value: 10, next: 1 }); // C.1.1
    expect(decode(hex("1f9a0a"), 5)).toEqual({ status: "ok", value: 1337, next: 3 }); // C.1.2
    expect(decode(hex("2a"), 8)).toEqual({ status: "ok", value: 42, next: 1 }); // C.1.3
  });

  it("ignores the representation bits above the prefix", () => {
    expect(decode(hex("ea"), 5)).toEqual({ status: "ok", value: 10, next: 1 });
    expect(decode(hex("ff9a0a"), 5)).toEqual({ status: "ok", value: 1337, next: 3 });
  });

  it("needs a continuation octet when the prefix is all ones", () => {
    expect(decode(hex("1f00"), 5)).toEqual({ status: "ok", value: 31, next: 2 });
    expect(decode(hex("7f"), 7)).toEqual({ status: "truncated" });
  });

  it("starts at the given offset", () => {
    expect(decode(hex("ffff 1f9a0a ff"), 5, 2)).toEqual({ status: "ok", value: 1337, next: 5 });
  });

  it("round-trips values with every prefix size", () => {
    for (let prefixBits = 1; prefixBits <= 8; prefixBits++) {
      for (const value of [0, 1, 2 ** prefixBits - 2, 2 ** prefixBits - 1, 2 ** prefixBits, 127, 128, 300, 16_383, 16_384, 1_000_000, MAX_HPACK_INTEGER]) {
        const bytes = new Uint8Array(integer(value, prefixBits));
        expect(decode(bytes, prefixBits), `${value} / ${prefixBits}`).toEqual({ status: "ok", value, next: bytes.length });
      }
    }
  });

  it("reports truncation inside the continuation octets", () => {
    expect(decode(hex("1f9a"), 5)).toEqual({ status: "truncated" });
    expect(decode(hex("1f"), 5)).toEqual({ status: "truncated" });
  });

  it("refuses values above 2^31-1", () => {
    expect(decode(new Uint8Array(integer(MAX_HPACK_INTEGER + 1, 5)), 5)).toEqual({ status: "overflow" });
    expect(decode(hex("1f ffffffff0f"), 5)).toEqual({ status: "overflow" });
  });

  it("refuses more than five continuation octets, even of zero padding", () => {
    expect(decode(hex("1f 8080808000"), 5)).toEqual({ status: "ok", value: 31, next: 6 });
    expect(decode(hex("1f 808080808000"), 5)).toEqual({ status: "overflow" });
    expect(decode(hex("1f 8080808080808080808080"), 5)).toEqual({ status: "overflow" });
  });
});
