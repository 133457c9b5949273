// Octets to a JS string one octet per character (latin1), tuned for the short strings HPACK carries.

/**
 * Up to this many octets, a String.fromCharCode loop beats the native call (measured on Node 20:
 * about 2x faster at 3 octets, even at 8, slower past that).
 */
const SHORT_STRING_OCTETS = 7;

/**
 * Node's native latin1 decoder. `toString("latin1", start, end)` ends in the same call but spends
 * as long again checking its arguments (a fifth of all decoding time in the corpus benchmark).
 * It reads any Uint8Array, so no Buffer needs wrapping around a block (that costs as much as
 * decoding a short header); the method is undocumented, so fall back to toString where it is missing.
 */
const nativeLatin1Slice = usableOnUint8Array((Buffer.prototype as unknown as { latin1Slice?: (this: Uint8Array, start: number, end: number) => string }).latin1Slice);

/** The method if it decodes a plain Uint8Array here (checked once: it is undocumented). */
function usableOnUint8Array(method: ((this: Uint8Array, start: number, end: number) => string) | undefined) {
  try {
    return method?.call(Uint8Array.of(0x68, 0xe9), 0, 2) === "h\u00e9" ? method : undefined;
  } catch {
    return undefined;
  }
}

/** `bytes[start, end)` as a string, octet n becoming code point n (every byte value survives). */
export function latin1Text(bytes: Uint8Array, start: number, end: number): string {
  if (end - start <= SHORT_STRING_OCTETS) {
    let text = "";
    for (let i = start; i < end; i++) text += String.fromCharCode(bytes[i]!);
    return text;
  }
  if (nativeLatin1Slice !== undefined) return nativeLatin1Slice.call(bytes, start, end);
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString("latin1", start, end);
}
