// Joining and copying byte arrays (small buffers: detection heads, hello messages, split handshake
// messages, bytes a stage keeps past the push that brought them).

/**
 * An empty byte array for every module to share (its length 0: nothing can be written into it),
 * where an empty head, payload or placeholder would otherwise be a new object each time.
 */
export const EMPTY_BYTES = new Uint8Array(0);

/** A new array holding `parts` one after another. */
export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let length = 0;
  for (const part of parts) length += part.length;
  const joined = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    joined.set(part, offset);
    offset += part.length;
  }
  return joined;
}

/**
 * A copy of `bytes` (from `start` to `end`). Uint8Array's slice, because a Node Buffer's own
 * slice() is a view: kept bytes must not change when the caller refills its chunk.
 */
export function copyBytes(bytes: Uint8Array, start = 0, end = bytes.length): Uint8Array {
  return Uint8Array.prototype.slice.call(bytes, start, end);
}
