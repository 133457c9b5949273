// HPACK prefix-integer decoding (RFC 7541 §5.1), bounded so hostile input cannot run away.

/**
 * Largest integer we accept. RFC 7541 §5.1 leaves the range to the implementation; every HPACK
 * integer is an index, a length or a table size, and none of those can sensibly pass 2^31-1
 * (RFC 9113 caps stream ids and windows there too). It also keeps the arithmetic exact in a double.
 */
export const MAX_HPACK_INTEGER = 2 ** 31 - 1;

/**
 * Most continuation octets after the prefix. Five carry 35 bits, enough for MAX_HPACK_INTEGER
 * after any prefix; a sixth can only be zero padding (0x80 0x80 …), which §5.1 does not forbid but
 * no encoder emits, and refusing it bounds the loop.
 */
export const MAX_INTEGER_CONTINUATION_BYTES = 5;

/** Where decodePrefixInteger leaves its result. One per decoder, reused, so decoding allocates nothing. */
export interface IntegerCursor {
  /** The decoded integer (valid after "ok"). */
  value: number;
  /** Offset of the first octet after the integer (valid after "ok"). */
  offset: number;
}

/** "truncated": the bytes ended inside the integer. "overflow": past MAX_HPACK_INTEGER or too many octets. */
export type IntegerStatus = "ok" | "truncated" | "overflow";

/**
 * Decodes the integer whose prefix occupies the low `prefixBits` (1–8) bits of `bytes[offset]`;
 * the caller guarantees `offset < bytes.length`. The high bits of that octet (the representation's
 * pattern and flags) are ignored. On "ok" the cursor holds the value and the next offset; otherwise
 * the cursor is unspecified.
 */
export function decodePrefixInteger(bytes: Uint8Array, offset: number, prefixBits: number, cursor: IntegerCursor): IntegerStatus {
  const prefixMax = (1 << prefixBits) - 1;
  let value = bytes[offset]! & prefixMax;
  let position = offset + 1;
  if (value < prefixMax) {
    cursor.value = value;
    cursor.offset = position;
    return "ok";
  }
  // Multiplying instead of shifting: `x << 28` goes negative in JS, a double stays exact here.
  let multiplier = 1;
  for (let continuation = 0; ; continuation++) {
    if (position >= bytes.length) return "truncated";
    if (continuation === MAX_INTEGER_CONTINUATION_BYTES) return "overflow";
    const octet = bytes[position++]!;
    value += (octet & 0x7f) * multiplier;
    if (value > MAX_HPACK_INTEGER) return "overflow";
    if ((octet & 0x80) === 0) break;
    multiplier *= 128;
  }
  cursor.value = value;
  cursor.offset = position;
  return "ok";
}
