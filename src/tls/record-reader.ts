// TLS records (RFC 8446 §5.1, RFC 5246 §6.2) cut out of one direction's reassembled TCP bytes,
// which split records anywhere: across segments, or several in one.

export interface TlsRecord {
  /** Outer content type: 20 change_cipher_spec, 21 alert, 22 handshake, 23 application_data. */
  contentType: number;
  /** The record version as sent (0x0303 for TLS 1.2 and, by convention, 1.3). */
  version: number;
  /** The 5-octet header: TLS 1.3 authenticates it as additional data. */
  header: Uint8Array;
  /** The protected (or, before encryption starts, plain) fragment. */
  fragment: Uint8Array;
  /** Offset of the record's first octet in the direction's byte stream. */
  streamOffset: number;
}

const HEADER_LENGTH = 5;
/**
 * RFC 8446 §5.2: a protected record is at most 2^14 + 256 octets (RFC 5246 allows 2^14 + 2048
 * for TLS 1.2 ciphertext). Anything longer is not TLS, and waiting for it would only grow memory.
 */
export const MAX_RECORD_FRAGMENT = 16_384 + 2048;

export type RecordReaderResult = TlsRecord | "need-more" | "not-tls";

/** Incremental reader: push bytes as they are delivered, take records as they complete. */
export class TlsRecordReader {
  /** Received octets live in #buffer[#bufferStart, #bufferEnd); room after it is reused. */
  #buffer = new Uint8Array(0);
  #bufferStart = 0;
  #bufferEnd = 0;
  /** Stream offset of #buffer[#bufferStart]. */
  #streamOffset = 0;

  push(bytes: Uint8Array): void {
    const pending = this.#bufferEnd - this.#bufferStart;
    if (this.#bufferEnd + bytes.length > this.#buffer.length) {
      // A fresh buffer (records already given out keep viewing the old one), with room to
      // spare so a record arriving in many small pieces is not copied once per piece.
      const grown = new Uint8Array(Math.max(2 * (pending + bytes.length), 4096));
      grown.set(this.#buffer.subarray(this.#bufferStart, this.#bufferEnd), 0);
      this.#buffer = grown;
      this.#bufferStart = 0;
      this.#bufferEnd = pending;
    }
    this.#buffer.set(bytes, this.#bufferEnd);
    this.#bufferEnd += bytes.length;
  }

  /** The next whole record, "need-more" until it has arrived, or "not-tls" for a bad header. */
  next(): RecordReaderResult {
    const available = this.#bufferEnd - this.#bufferStart;
    if (available < HEADER_LENGTH) return "need-more";
    const start = this.#bufferStart;
    const buffer = this.#buffer;
    const contentType = buffer[start]!;
    const version = (buffer[start + 1]! << 8) | buffer[start + 2]!;
    const length = (buffer[start + 3]! << 8) | buffer[start + 4]!;
    if (contentType < 20 || contentType > 24 || buffer[start + 1] !== 0x03 || length > MAX_RECORD_FRAGMENT) return "not-tls";
    if (available < HEADER_LENGTH + length) return "need-more";
    const record: TlsRecord = {
      contentType,
      version,
      header: buffer.subarray(start, start + HEADER_LENGTH),
      fragment: buffer.subarray(start + HEADER_LENGTH, start + HEADER_LENGTH + length),
      streamOffset: this.#streamOffset,
    };
    this.#bufferStart += HEADER_LENGTH + length;
    this.#streamOffset += HEADER_LENGTH + length;
    return record;
  }

  /** Stream offset of the next record. */
  get streamOffset(): number {
    return this.#streamOffset;
  }

  /** Octets received but not yet part of a whole record. */
  get pendingBytes(): number {
    return this.#bufferEnd - this.#bufferStart;
  }
}
