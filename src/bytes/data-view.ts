// DataView over a Uint8Array that respects its offset inside a larger ArrayBuffer.

/** A Node Buffer is often a view into a shared pool: always build views from byteOffset/length. */
export function viewOf(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
}
