// Byte builders for HPACK representations (RFC 7541 §5–§6) in decoder tests.

import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
/** The `hpack` package's Huffman encoder: an implementation independent of ours, used as the oracle. */
const referenceHuffman = require("hpack/lib/huffman_codec.js") as { encode(input: Buffer): Buffer };

/** Bytes from hex, whitespace ignored: "8286 8441" → 82 86 84 41. */
export function hex(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text.replace(/\s+/g, ""), "hex"));
}

export function concat(...parts: ArrayLike<number>[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** §5.1 integer with a `prefixBits` prefix; `pattern` supplies the first octet's high bits. */
export function integer(value: number, prefixBits: number, pattern = 0): number[] {
  const prefixMax = (1 << prefixBits) - 1;
  if (value < prefixMax) return [pattern | value];
  const out = [pattern | prefixMax];
  let rest = value - prefixMax;
  while (rest >= 128) {
    out.push((rest % 128) | 0x80);
    rest = Math.floor(rest / 128);
  }
  out.push(rest);
  return out;
}

/** Huffman code of `text` (latin1 octets) per the reference encoder, padded with 1s. */
export function huffman(text: string | Uint8Array): Uint8Array {
  const bytes = typeof text === "string" ? Buffer.from(text, "latin1") : Buffer.from(text);
  return bytes.length === 0 ? new Uint8Array(0) : new Uint8Array(referenceHuffman.encode(bytes));
}

/** §5.2 string literal, raw or Huffman-coded. */
export function stringLiteral(text: string, useHuffman = false): Uint8Array {
  const body = useHuffman ? huffman(text) : Buffer.from(text, "latin1");
  return concat(integer(body.length, 7, useHuffman ? 0x80 : 0), body);
}

/** §6.1 Indexed Header Field. */
export function indexed(index: number): Uint8Array {
  return new Uint8Array(integer(index, 7, 0x80));
}

export type LiteralKind = "incremental" | "without-indexing" | "never-indexed";

/** §6.2 literal; `name` is an HPACK index or a literal name. */
export function literal(kind: LiteralKind, name: number | string, value: string, useHuffman = false): Uint8Array {
  const [prefixBits, pattern] = kind === "incremental" ? [6, 0x40] : kind === "never-indexed" ? [4, 0x10] : [4, 0x00];
  const nameBytes = typeof name === "number" ? integer(name, prefixBits, pattern) : concat([pattern], stringLiteral(name, useHuffman));
  return concat(nameBytes, stringLiteral(value, useHuffman));
}

/** §6.3 Dynamic Table Size Update. */
export function sizeUpdate(maxSize: number): Uint8Array {
  return new Uint8Array(integer(maxSize, 5, 0x20));
}

/** The fields as [name, value] pairs, for compact expectations. */
export function pairs(fields: ReadonlyArray<{ name: string; value: string }>): Array<[string, string]> {
  return fields.map((field) => [field.name, field.value]);
}
