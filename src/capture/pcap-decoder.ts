// Classic libpcap files: 24-byte file header, then 16-byte record headers each before a packet.
// Both byte orders; microsecond (magic a1b2c3d4) and nanosecond (a1b23c4d) timestamps.

import { ChunkQueue } from "../bytes/chunk-queue.js";
import { viewOf } from "../bytes/data-view.js";
import { readUint32 } from "../bytes/read-integers.js";
import { H2scopeError } from "../errors.js";
import { DEFAULT_LIMITS, type Limits } from "../limits.js";
import { newCapturedPacket, truncatedRecordWarning, type CaptureDecoder, type CaptureSink } from "./captured-packet.js";

const FILE_HEADER_LENGTH = 24;
const RECORD_HEADER_LENGTH = 16;

export const PCAP_MAGIC_MICROSECONDS = 0xa1b2c3d4;
export const PCAP_MAGIC_NANOSECONDS = 0xa1b23c4d;

/** True when the first four bytes are a classic pcap magic in either byte order. */
export function isPcapMagic(first4: Uint8Array): boolean {
  const view = viewOf(first4);
  for (const littleEndian of [false, true]) {
    const magic = view.getUint32(0, littleEndian);
    if (magic === PCAP_MAGIC_MICROSECONDS || magic === PCAP_MAGIC_NANOSECONDS) return true;
  }
  return false;
}

export class PcapDecoder implements CaptureDecoder {
  readonly #sink: CaptureSink;
  readonly #limits: Limits;
  readonly #queue = new ChunkQueue();
  #headerRead = false;
  #littleEndian = true;
  #nanoseconds = false;
  #linkType = 0;
  #snapLength = 0;
  #packetNumber = 0;
  #stopped = false;
  /** Filled for each record (see CaptureSink.packet). */
  readonly #packet = newCapturedPacket();
  /** A record header that straddles two chunks, copied out. */
  readonly #recordHeader = new Uint8Array(RECORD_HEADER_LENGTH);

  /** `packetsBefore`: packets in earlier parts of the same capture (numbering goes on from them). */
  constructor(sink: CaptureSink, limits: Limits = DEFAULT_LIMITS, packetsBefore = 0) {
    this.#sink = sink;
    this.#limits = limits;
    this.#packetNumber = packetsBefore;
  }

  get lastPacketNumber(): number {
    return this.#packetNumber;
  }

  get formatName(): string {
    return `pcap (${this.#nanoseconds ? "nanosecond" : "microsecond"}, ${this.#littleEndian ? "little" : "big"}-endian)`;
  }

  push(chunk: Uint8Array): void {
    if (this.#stopped) return;
    this.#queue.push(chunk);
    try {
      if (this.#headerRead || this.#readFileHeader()) this.#readRecords();
    } finally {
      // A record cut at the chunk's end waits as a copy: the caller may refill the chunk (also
      // after an error, for a caller that goes on).
      if (this.#queue.available > 0) this.#queue.detach();
    }
  }

  end(): void {
    if (this.#stopped) return;
    const left = this.#queue.available;
    if (!this.#headerRead) {
      throw new H2scopeError(
        "not-a-capture",
        `pcap file header cut short: ${left} of ${FILE_HEADER_LENGTH} bytes`,
        0,
      );
    }
    if (left > 0) {
      this.#sink.warning(truncatedRecordWarning(this.#packetNumber + 1, this.#queue.offset, left, `packet ${this.#packetNumber + 1}'s record`));
    }
  }

  #readFileHeader(): boolean {
    const header = this.#queue.peek(FILE_HEADER_LENGTH);
    if (header === undefined) return false;
    const view = viewOf(header);
    const bigEndianMagic = view.getUint32(0, false);
    const littleEndianMagic = view.getUint32(0, true);
    if (littleEndianMagic === PCAP_MAGIC_MICROSECONDS || littleEndianMagic === PCAP_MAGIC_NANOSECONDS) {
      this.#littleEndian = true;
      this.#nanoseconds = littleEndianMagic === PCAP_MAGIC_NANOSECONDS;
    } else if (bigEndianMagic === PCAP_MAGIC_MICROSECONDS || bigEndianMagic === PCAP_MAGIC_NANOSECONDS) {
      this.#littleEndian = false;
      this.#nanoseconds = bigEndianMagic === PCAP_MAGIC_NANOSECONDS;
    } else {
      throw new H2scopeError("not-a-capture", `not a pcap file: magic ${bigEndianMagic.toString(16).padStart(8, "0")}`, 0);
    }
    // The version (2.4) has not changed in decades; older 2.x files read the same way.
    this.#snapLength = view.getUint32(16, this.#littleEndian);
    // The upper bits of the link type field carry FCS information (pcap spec §LinkType).
    this.#linkType = view.getUint32(20, this.#littleEndian) & 0xffff;
    this.#queue.skip(FILE_HEADER_LENGTH);
    this.#headerRead = true;
    return true;
  }

  #readRecords(): void {
    const queue = this.#queue;
    const littleEndian = this.#littleEndian;
    const maxRecord = Math.max(this.#limits.maxPacketBytes, Math.min(this.#snapLength, this.#limits.maxBlockBytes));
    const copy = this.#recordHeader;
    for (;;) {
      // Byte arithmetic in place (or on a reused copy at a chunk seam) rather than a view or a
      // DataView: this runs once per packet.
      let header = queue.inOneChunk(RECORD_HEADER_LENGTH);
      let at = queue.headOffset;
      if (header === undefined) {
        if (!queue.copyTo(copy, RECORD_HEADER_LENGTH)) return;
        header = copy;
        at = 0;
      }
      const capturedLength = readUint32(header, at + 8, littleEndian);
      if (capturedLength > maxRecord) {
        this.#stopped = true;
        throw new H2scopeError(
          "capture-damaged",
          `impossible record length ${capturedLength} for packet ${this.#packetNumber + 1} at byte offset ${queue.offset} (limit ${maxRecord}); stopped reading there`,
          queue.offset,
        );
      }
      if (queue.available < RECORD_HEADER_LENGTH + capturedLength) return;
      const seconds = readUint32(header, at, littleEndian);
      const fraction = readUint32(header, at + 4, littleEndian);
      const originalLength = readUint32(header, at + 12, littleEndian);
      const recordOffset = queue.offset;
      queue.skip(RECORD_HEADER_LENGTH);
      // The data in place (nearly always in one chunk): no view per packet.
      const bytes = queue.peekInPlace(capturedLength)!;
      const dataStart = queue.peekedAt;
      queue.skip(capturedLength);
      this.#packetNumber++;
      const packet = this.#packet;
      packet.packetNumber = this.#packetNumber;
      packet.timeUs = seconds * 1_000_000 + (this.#nanoseconds ? Math.floor(fraction / 1000) : fraction);
      packet.interfaceId = 0;
      packet.linkType = this.#linkType;
      packet.originalLength = Math.max(originalLength, capturedLength);
      packet.bytes = bytes;
      packet.dataStart = dataStart;
      packet.dataEnd = dataStart + capturedLength;
      packet.recordOffset = recordOffset;
      this.#sink.packet(packet);
    }
  }
}

