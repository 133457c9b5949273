// Picks the capture decoder from the input's first bytes (never from a file name).

import { viewOf } from "../bytes/data-view.js";
import { toHex } from "../bytes/hex.js";
import { H2scopeError } from "../errors.js";
import type { Limits } from "../limits.js";
import type { CaptureDecoder, CaptureSink } from "./captured-packet.js";
import { isPcapMagic, PcapDecoder } from "./pcap-decoder.js";
import { BLOCK_SECTION_HEADER, PcapngDecoder } from "./pcapng/pcapng-decoder.js";

/** The gzip member header's first two bytes (RFC 1952 §2.3.1). */
export function isGzipMagic(first: Uint8Array): boolean {
  return first.length >= 2 && first[0] === 0x1f && first[1] === 0x8b;
}

/**
 * A capture decoder for whatever format the input turns out to be. Bytes pushed before the
 * format is known (fewer than 4) are held; afterwards everything goes to the chosen decoder.
 */
export class CaptureReader implements CaptureDecoder {
  readonly #sink: CaptureSink;
  readonly #limits: Limits | undefined;
  #decoder: CaptureDecoder | undefined;
  #held: Uint8Array = new Uint8Array(0);
  readonly #packetsBefore: number;

  /** `packetsBefore`: packets in earlier parts of the same capture, split into files (numbering goes on from them). */
  constructor(sink: CaptureSink, limits?: Limits, packetsBefore = 0) {
    this.#sink = sink;
    this.#limits = limits;
    this.#packetsBefore = packetsBefore;
  }

  get formatName(): string {
    return this.#decoder?.formatName ?? "unknown";
  }

  get lastPacketNumber(): number {
    return this.#decoder?.lastPacketNumber ?? this.#packetsBefore;
  }

  push(chunk: Uint8Array): void {
    if (this.#decoder !== undefined) {
      this.#decoder.push(chunk);
      return;
    }
    const held = new Uint8Array(this.#held.length + chunk.length);
    held.set(this.#held);
    held.set(chunk, this.#held.length);
    if (held.length < 4) {
      this.#held = held;
      return;
    }
    this.#decoder = this.#chooseDecoder(held.subarray(0, 4));
    this.#held = new Uint8Array(0);
    this.#decoder.push(held);
  }

  end(): void {
    if (this.#decoder === undefined) {
      if (this.#held.length === 0) throw new H2scopeError("not-a-capture", "the input is empty", 0);
      throw new H2scopeError(
        "not-a-capture",
        `the input is only ${this.#held.length} bytes (${toHex(this.#held)}); too short to be a capture`,
        0,
      );
    }
    this.#decoder.end();
  }

  #chooseDecoder(first4: Uint8Array): CaptureDecoder {
    if (isPcapMagic(first4)) return new PcapDecoder(this.#sink, this.#limits, this.#packetsBefore);
    if (viewOf(first4).getUint32(0, false) === BLOCK_SECTION_HEADER) return new PcapngDecoder(this.#sink, this.#limits, this.#packetsBefore);
    if (isGzipMagic(first4)) {
      throw new H2scopeError("not-a-capture", "the input is gzip-compressed; decompress it before this stage (the CLI does so itself)", 0);
    }
    throw new H2scopeError(
      "not-a-capture",
      `not a capture file: it starts with bytes ${toHex(first4)} (${printable(first4)}), not a pcap magic (a1b2c3d4, a1b23c4d in either byte order) or a pcapng section header (0a0d0d0a)`,
      0,
    );
  }
}

function printable(bytes: Uint8Array): string {
  let text = '"';
  for (const byte of bytes) text += byte >= 0x20 && byte < 0x7f ? String.fromCharCode(byte) : ".";
  return text + '"';
}
