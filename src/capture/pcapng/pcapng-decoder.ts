// pcapng files (draft-ietf-opsawg-pcapng): sections, interfaces with their own link type and
// timestamp resolution, and the three packet block kinds. Other blocks are skipped by length.

import { ChunkQueue } from "../../bytes/chunk-queue.js";
import { copyBytes } from "../../bytes/concat.js";
import { viewOf } from "../../bytes/data-view.js";
import { readUint32 } from "../../bytes/read-integers.js";
import { H2scopeError } from "../../errors.js";
import { DEFAULT_LIMITS, type Limits } from "../../limits.js";
import { newCapturedPacket, truncatedRecordWarning, type CaptureDecoder, type CaptureSink } from "../captured-packet.js";
import { timestampConverter, type TimestampToUs } from "./timestamp.js";

export const BLOCK_SECTION_HEADER = 0x0a0d0d0a;
const BLOCK_INTERFACE_DESCRIPTION = 0x00000001;
const BLOCK_OBSOLETE_PACKET = 0x00000002;
const BLOCK_SIMPLE_PACKET = 0x00000003;
const BLOCK_ENHANCED_PACKET = 0x00000006;
const BLOCK_DECRYPTION_SECRETS = 0x0000000a;

const BYTE_ORDER_MAGIC = 0x1a2b3c4d;
const OPTION_END = 0;
const OPTION_IF_TSRESOL = 9;
const OPTION_IF_TSOFFSET = 14;
/** Type, total length, and the trailing copy of the total length. */
const BLOCK_FRAMING_LENGTH = 12;

interface InterfaceDescription {
  linkType: number;
  snapLength: number;
  toTimeUs: TimestampToUs;
}

export class PcapngDecoder implements CaptureDecoder {
  readonly #sink: CaptureSink;
  readonly #limits: Limits;
  readonly #queue = new ChunkQueue();
  readonly #packet = newCapturedPacket();
  /** Byte order of the current section; unknown until its Section Header Block is read. */
  #littleEndian: boolean | undefined;
  #sectionCount = 0;
  #bigEndianSeen = false;
  #littleEndianSeen = false;
  #interfaces: InterfaceDescription[] = [];
  #packetNumber = 0;
  #stopped = false;

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
    const orders = [this.#littleEndianSeen ? "little" : "", this.#bigEndianSeen ? "big" : ""].filter(Boolean).join("+");
    return `pcapng (${this.#sectionCount} section${this.#sectionCount === 1 ? "" : "s"}, ${orders || "unknown"}-endian)`;
  }

  push(chunk: Uint8Array): void {
    if (this.#stopped) return;
    this.#queue.push(chunk);
    try {
      while (this.#readBlock()) {
        // each call consumes one whole block
      }
    } finally {
      // A block cut at the chunk's end waits as a copy: the caller may refill the chunk (also
      // after an error, for a caller that goes on).
      if (this.#queue.available > 0) this.#queue.detach();
    }
  }

  end(): void {
    if (this.#stopped) return;
    const left = this.#queue.available;
    if (left > 0) {
      this.#sink.warning(truncatedRecordWarning(this.#packetNumber + 1, this.#queue.offset, left, "a block"));
    }
  }

  /** Reads one whole block if it is available; false when more input is needed. */
  #readBlock(): boolean {
    const queue = this.#queue;
    // The block's first 12 octets read in place (no view per packet).
    const start = queue.peekInPlace(12);
    if (start === undefined) return false;
    const at = queue.peekedAt;
    const blockOffset = queue.offset;
    if (readUint32(start, at, false) === BLOCK_SECTION_HEADER) {
      // The section's byte order is announced by the magic right after the length.
      const magicBig = readUint32(start, at + 8, false);
      if (magicBig === BYTE_ORDER_MAGIC) this.#littleEndian = false;
      else if (readUint32(start, at + 8, true) === BYTE_ORDER_MAGIC) this.#littleEndian = true;
      else this.#fail(`section header block at byte offset ${blockOffset} has no valid byte-order magic`, blockOffset);
    } else if (this.#littleEndian === undefined) {
      this.#fail(`pcapng input does not start with a section header block`, blockOffset);
    }
    const littleEndian = this.#littleEndian!;
    const blockType = readUint32(start, at, littleEndian);
    const totalLength = readUint32(start, at + 4, littleEndian);
    if (totalLength < BLOCK_FRAMING_LENGTH || totalLength % 4 !== 0 || totalLength > this.#limits.maxBlockBytes) {
      this.#fail(
        `impossible block length ${totalLength} for block type 0x${blockType.toString(16)} at byte offset ${blockOffset}` +
          ` (after packet ${this.#packetNumber}); stopped reading there`,
        blockOffset,
      );
    }
    if (queue.available < totalLength) return false;
    // Read in place (no view per packet block).
    const block = queue.peekInPlace(totalLength)!;
    const blockStart = queue.peekedAt;
    const trailingLength = readUint32(block, blockStart + totalLength - 4, littleEndian);
    if (trailingLength !== totalLength) {
      this.#fail(
        `block at byte offset ${blockOffset} says it is ${totalLength} bytes long at its start and ${trailingLength} at its end; stopped reading there`,
        blockOffset,
      );
    }
    queue.skip(totalLength);
    if (blockType === BLOCK_ENHANCED_PACKET) {
      this.#readEnhancedPacket(block, blockStart + 8, totalLength - 12, blockOffset);
      return true;
    }
    const body = block.subarray(blockStart + 8, blockStart + totalLength - 4);
    switch (blockType) {
      case BLOCK_SECTION_HEADER:
        this.#readSectionHeader();
        break;
      case BLOCK_INTERFACE_DESCRIPTION:
        this.#readInterfaceDescription(body, blockOffset);
        break;
      case BLOCK_SIMPLE_PACKET:
        this.#readSimplePacket(body, blockOffset);
        break;
      case BLOCK_OBSOLETE_PACKET:
        this.#readObsoletePacket(body, blockOffset);
        break;
      case BLOCK_DECRYPTION_SECRETS:
        this.#readDecryptionSecrets(body, blockOffset);
        break;
      default:
        // Name resolution, interface statistics, custom blocks: nothing we need, skipped by length.
        break;
    }
    return true;
  }

  #readSectionHeader(): void {
    // A new section starts a new interface numbering (pcapng §4.1).
    this.#interfaces = [];
    this.#sectionCount++;
    if (this.#littleEndian) this.#littleEndianSeen = true;
    else this.#bigEndianSeen = true;
  }

  #readInterfaceDescription(body: Uint8Array, blockOffset: number): void {
    const littleEndian = this.#littleEndian!;
    if (body.length < 8) {
      this.#malformed(`interface description block at byte offset ${blockOffset} is too short`, blockOffset);
      // Keep numbering aligned: later packets name interfaces by index.
      this.#interfaces.push({ linkType: -1, snapLength: 0, toTimeUs: timestampConverter(6, 0) });
      return;
    }
    const view = viewOf(body);
    const linkType = view.getUint16(0, littleEndian);
    const snapLength = view.getUint32(4, littleEndian);
    let tsresol = 6;
    let tsoffsetSeconds = 0;
    for (const option of readOptions(body.subarray(8), littleEndian)) {
      if (option.code === OPTION_IF_TSRESOL && option.value.length >= 1) {
        tsresol = option.value[0]!;
      } else if (option.code === OPTION_IF_TSOFFSET && option.value.length >= 8) {
        const optionView = viewOf(option.value);
        // A signed 64-bit count of seconds; real offsets fit easily in a double.
        const high = optionView.getInt32(littleEndian ? 4 : 0, littleEndian);
        const low = optionView.getUint32(littleEndian ? 0 : 4, littleEndian);
        tsoffsetSeconds = high * 4294967296 + low;
      }
    }
    this.#interfaces.push({ linkType, snapLength, toTimeUs: timestampConverter(tsresol, tsoffsetSeconds) });
  }

  /** The block body is `bytes[start, start + length)`: read in place, the packet data too. */
  #readEnhancedPacket(bytes: Uint8Array, start: number, length: number, blockOffset: number): void {
    this.#packetNumber++;
    if (length < 20) {
      this.#malformed(`enhanced packet block for packet ${this.#packetNumber} at byte offset ${blockOffset} is too short`, blockOffset);
      return;
    }
    const littleEndian = this.#littleEndian!;
    const interfaceId = readUint32(bytes, start, littleEndian);
    const capturedLength = readUint32(bytes, start + 12, littleEndian);
    const originalLength = readUint32(bytes, start + 16, littleEndian);
    if (capturedLength > length - 20) {
      this.#malformed(
        `packet ${this.#packetNumber} at byte offset ${blockOffset} claims ${capturedLength} captured bytes in a ${length + 12}-byte block`,
        blockOffset,
      );
      return;
    }
    this.#emitPacket(interfaceId, readUint32(bytes, start + 4, littleEndian), readUint32(bytes, start + 8, littleEndian),
      bytes, start + 20, capturedLength, originalLength, blockOffset);
  }

  #readObsoletePacket(body: Uint8Array, blockOffset: number): void {
    this.#packetNumber++;
    if (body.length < 20) {
      this.#malformed(`packet block for packet ${this.#packetNumber} at byte offset ${blockOffset} is too short`, blockOffset);
      return;
    }
    const littleEndian = this.#littleEndian!;
    const view = viewOf(body);
    const interfaceId = view.getUint16(0, littleEndian);
    const capturedLength = view.getUint32(12, littleEndian);
    const originalLength = view.getUint32(16, littleEndian);
    if (capturedLength > body.length - 20) {
      this.#malformed(`packet ${this.#packetNumber} at byte offset ${blockOffset} claims more bytes than its block holds`, blockOffset);
      return;
    }
    this.#emitPacket(interfaceId, view.getUint32(4, littleEndian), view.getUint32(8, littleEndian),
      body, 20, capturedLength, originalLength, blockOffset);
  }

  #readSimplePacket(body: Uint8Array, blockOffset: number): void {
    this.#packetNumber++;
    const littleEndian = this.#littleEndian!;
    const firstInterface = this.#interfaces[0];
    if (body.length < 4 || firstInterface === undefined) {
      this.#malformed(`simple packet block for packet ${this.#packetNumber} at byte offset ${blockOffset} has no interface 0 or is too short`, blockOffset);
      return;
    }
    const originalLength = viewOf(body).getUint32(0, littleEndian);
    // The captured length is implicit: the smaller of the wire length, the snapshot length and the block.
    let capturedLength = Math.min(originalLength, body.length - 4);
    if (firstInterface.snapLength > 0) capturedLength = Math.min(capturedLength, firstInterface.snapLength);
    // Simple packet blocks carry no timestamp.
    this.#emit(0, 0, firstInterface.linkType, Math.max(originalLength, capturedLength), body, 4, capturedLength, blockOffset);
  }

  #readDecryptionSecrets(body: Uint8Array, blockOffset: number): void {
    if (body.length < 8) {
      this.#malformed(`decryption secrets block at byte offset ${blockOffset} is too short`, blockOffset);
      return;
    }
    const view = viewOf(body);
    const secretsType = view.getUint32(0, this.#littleEndian!);
    const secretsLength = view.getUint32(4, this.#littleEndian!);
    if (secretsLength > body.length - 8) {
      this.#malformed(`decryption secrets block at byte offset ${blockOffset} claims more bytes than it holds`, blockOffset);
      return;
    }
    this.#sink.secrets({ secretsType, data: copyBytes(body, 8, 8 + secretsLength), byteOffset: blockOffset });
  }

  /** The packet's captured bytes are `bytes[dataStart, dataStart + capturedLength)`. */
  #emitPacket(interfaceId: number, timeHigh: number, timeLow: number, bytes: Uint8Array, dataStart: number, capturedLength: number, originalLength: number, blockOffset: number): void {
    const description = this.#interfaces[interfaceId];
    if (description === undefined) {
      this.#malformed(`packet ${this.#packetNumber} at byte offset ${blockOffset} names interface ${interfaceId}, which this section never described`, blockOffset);
      return;
    }
    this.#emit(description.toTimeUs(timeHigh, timeLow), interfaceId, description.linkType, Math.max(originalLength, capturedLength), bytes, dataStart, capturedLength, blockOffset);
  }

  /** Fills the reused packet record (see CaptureSink.packet) and hands it on. */
  #emit(timeUs: number, interfaceId: number, linkType: number, originalLength: number, bytes: Uint8Array, dataStart: number, capturedLength: number, recordOffset: number): void {
    const packet = this.#packet;
    packet.packetNumber = this.#packetNumber;
    packet.timeUs = timeUs;
    packet.interfaceId = interfaceId;
    packet.linkType = linkType;
    packet.originalLength = originalLength;
    packet.bytes = bytes;
    packet.dataStart = dataStart;
    packet.dataEnd = dataStart + capturedLength;
    packet.recordOffset = recordOffset;
    this.#sink.packet(packet);
  }

  #malformed(message: string, byteOffset: number): void {
    this.#sink.warning({ kind: "capture.warning", code: "malformed-block", message, byteOffset, packetNumber: this.#packetNumber });
  }

  #fail(message: string, byteOffset: number): never {
    this.#stopped = true;
    throw new H2scopeError(byteOffset === 0 ? "not-a-capture" : "capture-damaged", message, byteOffset);
  }
}

interface BlockOption {
  code: number;
  value: Uint8Array;
}

/** Walks a pcapng option list (code, length, value padded to 4 bytes) up to opt_endofopt. */
function readOptions(bytes: Uint8Array, littleEndian: boolean): BlockOption[] {
  const options: BlockOption[] = [];
  const view = viewOf(bytes);
  let offset = 0;
  while (offset + 4 <= bytes.length) {
    const code = view.getUint16(offset, littleEndian);
    const length = view.getUint16(offset + 2, littleEndian);
    if (code === OPTION_END) break;
    const valueStart = offset + 4;
    if (valueStart + length > bytes.length) break;
    options.push({ code, value: bytes.subarray(valueStart, valueStart + length) });
    offset = valueStart + ((length + 3) & ~3);
  }
  return options;
}
