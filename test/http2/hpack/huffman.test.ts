import { describe, expect, it } from "vitest";
import { decodeHuffman, HUFFMAN_BAD_PADDING, HUFFMAN_EOS_IN_STRING, huffmanDecodedMaxLength } from "../../../src/http2/hpack/huffman.js";
import { hex, huffman } from "./hpack-bytes.js";

function decodeText(encoded: Uint8Array): string | number {
  const output = new Uint8Array(huffmanDecodedMaxLength(encoded.length));
  const length = decodeHuffman(encoded, 0, encoded.length, output);
  return length < 0 ? length : Buffer.from(output.subarray(0, length)).toString("latin1");
}

describe("decodeHuffman (RFC 7541 §5.2, Appendix B)", () => {
  it("decodes the Appendix C.4 and C.6 strings", () => {
    const examples: Array<[string, string]> = [
      ["f1e3 c2e5 f23a 6ba0 ab90 f4ff", "www.example.com"],
      ["a8eb 1064 9cbf", "no-cache"],
      ["25a8 49e9 5ba9 7d7f", "custom-key"],
      ["25a8 49e9 5bb8 e8b4 bf", "custom-value"],
      ["6402", "302"],
      ["aec3 771a 4b", "private"],
      ["d07a be94 1054 d444 a820 0595 040b 8166 e082 a62d 1bff", "Mon, 21 Oct 2013 20:13:21 GMT"],
      ["9d29 ad17 1863 c78f 0b97 c8e9 ae82 ae43 d3", "https://www.example.com"],
      ["9bd9 ab", "gzip"],
      ["94e7 821d d7f2 e6c7 b335 dfdf cd5b 3960 d5af 2708 7f36 72c1 ab27 0fb5 291f 9587 3160 65c0 03ed 4ee5 b106 3d50 07", "foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1"],
    ];
    for (const [encoded, text] of examples) expect(decodeText(hex(encoded)), text).toBe(text);
  });

  it("decodes every symbol as the reference encoder codes it, alone and between others", () => {
    for (let symbol = 0; symbol < 256; symbol++) {
      const alone = Uint8Array.of(symbol);
      expect(decodeText(huffman(alone)), `symbol ${symbol}`).toBe(Buffer.from(alone).toString("latin1"));
      const between = Uint8Array.of(0x61, symbol, symbol, 0x30);
      expect(decodeText(huffman(between)), `symbol ${symbol}`).toBe(Buffer.from(between).toString("latin1"));
    }
  });

  it("round-trips random octet strings", () => {
    let seed = 7;
    const random = () => (seed = (seed * 1_103_515_245 + 12_345) >>> 0) >>> 16;
    for (let round = 0; round < 200; round++) {
      const bytes = Uint8Array.from({ length: random() % 300 }, () => random() & 0xff);
      expect(decodeText(huffman(bytes))).toBe(Buffer.from(bytes).toString("latin1"));
    }
  });

  it("decodes an empty string", () => {
    expect(decodeText(new Uint8Array(0))).toBe("");
  });

  it("decodes a range inside a larger buffer", () => {
    const bytes = hex("ffff a8eb 1064 9cbf 00");
    const output = new Uint8Array(16);
    expect(decodeHuffman(bytes, 2, 8, output)).toBe(8);
    expect(Buffer.from(output.subarray(0, 8)).toString("latin1")).toBe("no-cache");
  });

  it("accepts up to 7 bits of padding", () => {
    // '0' (5 bits) + ' ' (6) + ' ' (6) = 17 bits: 7 bits of padding in the third octet.
    const encoded = huffman("0  ");
    expect(encoded.length).toBe(3);
    expect(encoded[2]! & 0x7f).toBe(0x7f);
    expect(decodeText(encoded)).toBe("0  ");
  });

  it("refuses padding longer than 7 bits", () => {
    expect(decodeText(hex("ff"))).toBe(HUFFMAN_BAD_PADDING);
    // 'a' = 00011, then 11 one-bits.
    expect(decodeText(hex("1fff"))).toBe(HUFFMAN_BAD_PADDING);
    expect(decodeText(hex("f1e3 c2e5 f23a 6ba0 ab90 f4ff ff"))).toBe(HUFFMAN_BAD_PADDING);
  });

  it("refuses padding that is not all ones", () => {
    // 'a' = 00011 followed by 000: a prefix of a code, not of EOS.
    expect(decodeText(hex("18"))).toBe(HUFFMAN_BAD_PADDING);
    expect(decodeText(hex("1e"))).toBe(HUFFMAN_BAD_PADDING);
  });

  it("refuses EOS inside the string", () => {
    // EOS is thirty 1-bits.
    expect(decodeText(hex("ffffffff"))).toBe(HUFFMAN_EOS_IN_STRING);
    // 'a' (00011) then EOS then padding.
    expect(decodeText(hex("1fffffff fe"))).toBe(HUFFMAN_EOS_IN_STRING);
  });

  it("bounds the decoded length by the shortest code (5 bits)", () => {
    expect(huffmanDecodedMaxLength(0)).toBe(0);
    expect(huffmanDecodedMaxLength(5)).toBe(8);
    const zeros = "0".repeat(8); // eight 5-bit codes fill exactly five octets
    expect(huffman(zeros).length).toBe(5);
    expect(decodeText(huffman(zeros))).toBe(zeros);
  });
});
