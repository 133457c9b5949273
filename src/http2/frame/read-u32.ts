// Big-endian 32-bit reads for frame payloads.

/** Unsigned 32-bit big-endian at `offset`. */
export function readUint32(bytes: Uint8Array, offset: number): number {
  return ((bytes[offset]! << 24) | (bytes[offset + 1]! << 16) | (bytes[offset + 2]! << 8) | bytes[offset + 3]!) >>> 0;
}

/** A 31-bit stream identifier or increment: the top (reserved) bit is ignored (§4.1). */
export function readUint31(bytes: Uint8Array, offset: number): number {
  return readUint32(bytes, offset) & 0x7fffffff;
}
