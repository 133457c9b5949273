// One direction of an HTTP/2 connection: ordered TCP bytes in, frames out (RFC 9113 §3.4, §4).
// Handles the client preface, the HTTP/1.1 head of an h2c upgrade, frames split across or
// packed into segments, and losing and finding frame boundaries (gaps, joining mid-way).

import { ChunkQueue } from "../../bytes/chunk-queue.js";
import { EMPTY_BYTES } from "../../bytes/concat.js";
import { fieldValue, parseHttp1Head, type Http1Head } from "../detect/http1-head.js";
import type { DataFrame, Frame, FrameHeader } from "./frame.js";
import { FLAG_PADDED, FRAME_DATA } from "./frame-types.js";
import { isPlausibleFrameHeader } from "./frame-plausibility.js";
import { FRAME_HEADER_LENGTH, parseFrame, parseFrameHeader } from "./parse-frame.js";

/** The client connection preface (§3.4). */
export const CLIENT_PREFACE = new Uint8Array(Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "latin1"));

/** Where in the capture something happened: the packet that completed it. */
export interface StreamPosition {
  /** Offset in this direction's TCP byte stream (gaps included). */
  streamOffset: number;
  packetNumber: number;
  timeUs: number;
}

export type FrameDecoderMode =
  /** Expecting the client preface (client side of a prior-knowledge or upgraded connection). */
  | "preface"
  /** Expecting an HTTP/1.1 request head that asks for the h2c upgrade (client side). */
  | "http1-request"
  /** Expecting the HTTP/1.1 response head; 101 switches to frames (server side of h2c). */
  | "http1-response"
  | "frames"
  /** Looking for a frame boundary: joined mid-way, or bytes were lost. */
  | "hunting"
  /** Not HTTP/2 (an upgrade was refused): bytes are ignored. */
  | "off";

export type FrameStreamEvent =
  /** `damagedBytes` > 0 when a TCP gap inside the frame was filled with zeros. */
  | { kind: "frame"; frame: Frame; position: StreamPosition; damagedBytes: number }
  | { kind: "preface"; valid: boolean; position: StreamPosition }
  | { kind: "http1-head"; head: Http1Head; position: StreamPosition }
  /** Frame boundaries are lost (a gap cut a frame header, or bytes are not HTTP/2). */
  | { kind: "sync-lost"; reason: "gap" | "bad-preface"; lostFrame: FrameHeader | undefined; position: StreamPosition }
  /** A frame boundary was found again after skipping `skippedBytes` (gap bytes not counted). */
  | { kind: "synced"; skippedBytes: number; position: StreamPosition }
  /** The stream ended inside a frame. */
  | { kind: "truncated"; bytes: number; lostFrame: FrameHeader | undefined; position: StreamPosition };

/**
 * Where a decoder's events go, and what it asks while hunting. One sink serves both directions of
 * a connection (a decoder passes its own direction): two closures and their context per direction
 * were some 300 bytes of every connection, alive as long as it is.
 */
export interface FrameDecoderSink {
  frameStreamEvent(direction: 0 | 1, event: FrameStreamEvent): void;
  /** Largest frame length believable while hunting (the receiver's SETTINGS_MAX_FRAME_SIZE). */
  huntMaxFrameLength(direction: 0 | 1): number;
}

export interface FrameDecoderOptions {
  mode: FrameDecoderMode;
  /**
   * Skip DATA payloads in place instead of assembling them: DATA frames then arrive with their
   * header, pad length and flow-controlled length but an empty `data`. A DATA frame spans many
   * TCP segments, and joining them is the decoder's largest cost when nothing reads the bytes.
   */
  discardDataPayload?: boolean;
}

/** Buffered bytes while hunting without finding a boundary before older ones are dropped. */
const MAX_HUNT_BYTES = 256 * 1024;
/** Believable headers in a row that anchor a boundary (one suffices if it ends the data exactly). */
const HUNT_CHAIN_LENGTH = 2;

export class FrameDecoder {
  readonly #sink: FrameDecoderSink;
  readonly #direction: 0 | 1;
  readonly #queue = new ChunkQueue();
  #mode: FrameDecoderMode;
  /** Stream offset of the first byte in the queue. */
  #offset = 0;
  /** Header of the frame being assembled, once its nine octets are in. */
  #header: FrameHeader | undefined;
  /** Zero-filled gap bytes inside the frame being assembled. */
  #damagedBytes = 0;
  /** Bytes dropped while hunting since sync was lost. */
  #skipped = 0;
  #packetNumber = 0;
  #timeUs = 0;
  /** Request body still to skip after an h2c upgrade request (Content-Length). */
  #bodyToSkip = 0;
  readonly #discardDataPayload: boolean;
  /** Stream offset of the current frame's header. */
  #frameStart = 0;
  /** Payload octets of a DATA frame still to skip (discard mode), or -1 when not skipping. */
  #skipRemaining = -1;
  #skipPadLength: number | undefined;

  /** `direction`: the TCP direction this decoder reads, passed back to the sink with each call. */
  constructor(sink: FrameDecoderSink, direction: 0 | 1, options: FrameDecoderOptions) {
    this.#sink = sink;
    this.#direction = direction;
    this.#mode = options.mode;
    this.#discardDataPayload = options.discardDataPayload ?? false;
  }

  /** Hands one event to the sink, with this decoder's direction. */
  #emit(event: FrameStreamEvent): void {
    this.#sink.frameStreamEvent(this.#direction, event);
  }

  get mode(): FrameDecoderMode {
    return this.#mode;
  }

  /** Ordered bytes from TCP. */
  data(bytes: Uint8Array, packetNumber: number, timeUs: number): void {
    this.#packetNumber = packetNumber;
    this.#timeUs = timeUs;
    if (this.#mode === "off") {
      this.#offset += bytes.length;
      return;
    }
    if (this.#skipRemaining > bytes.length && this.#queue.available === 0) {
      // The middle of a DATA payload being skipped, the commonest segment of a download: count
      // it without queueing it.
      this.#skipRemaining -= bytes.length;
      this.#offset += bytes.length;
      return;
    }
    this.#queue.push(bytes);
    try {
      this.#run();
    } finally {
      // What waits for the rest of its frame is kept as a copy, not as a view into a capture
      // chunk the caller may refill (also when a consumer's callback threw).
      if (this.#queue.available > 0) this.#queue.detach();
    }
  }

  /** Bytes TCP could not deliver. */
  gap(length: number, packetNumber: number, timeUs: number): void {
    this.#packetNumber = packetNumber;
    this.#timeUs = timeUs;
    if (this.#mode === "off") {
      this.#offset += length;
      return;
    }
    const gapStart = this.#offset + this.#queue.available;
    if (this.#mode === "frames" && this.#header !== undefined) {
      const frameEnd = this.#frameStart + FRAME_HEADER_LENGTH + this.#header.length;
      if (this.#skipRemaining > 0 && gapStart + length <= frameEnd) {
        // Inside a DATA payload being skipped: nothing to fill, only count.
        this.#skipRemaining -= length;
        this.#damagedBytes += length;
        this.#offset += length;
        this.#run();
        return;
      }
      if (gapStart + length <= frameEnd) {
        // The gap lies inside a frame whose length we know: fill it and stay in sync. The zeros
        // are the queue's own: no copy of them when the frame waits for more.
        this.#queue.pushOwned(new Uint8Array(length));
        this.#damagedBytes += length;
        this.#run();
        return;
      }
    }
    if (this.#mode !== "hunting") {
      this.#emit({ kind: "sync-lost", reason: "gap", lostFrame: this.#header, position: this.#position(gapStart) });
      this.#mode = "hunting";
      this.#skipped = 0;
    }
    // Bytes before the gap cannot start a chain that crosses it.
    this.#skipped += this.#queue.available;
    this.#queue.skip(this.#queue.available);
    this.#header = undefined;
    this.#skipRemaining = -1;
    this.#damagedBytes = 0;
    this.#offset = gapStart + length;
  }

  /** End of the TCP stream. */
  end(): void {
    const left = this.#queue.available + (this.#skipRemaining > 0 ? this.#offset - this.#frameStart : 0);
    if (left > 0 && (this.#mode === "frames" || this.#mode === "preface")) {
      this.#emit({ kind: "truncated", bytes: left, lostFrame: this.#header, position: this.#position(this.#offset) });
    }
  }

  #position(streamOffset: number): StreamPosition {
    return { streamOffset, packetNumber: this.#packetNumber, timeUs: this.#timeUs };
  }

  #consume(length: number): Uint8Array {
    const bytes = this.#queue.read(length)!;
    this.#offset += length;
    return bytes;
  }

  /** Consumes bytes nobody reads (no view made). */
  #drop(length: number): void {
    this.#queue.skip(length);
    this.#offset += length;
  }

  /** Runs the reader of the current mode until one needs more input. */
  #run(): void {
    while (this.#step()) {
      // each step consumed bytes or changed mode
    }
  }

  /** One step of the current mode: true when it made progress and may go on. */
  #step(): boolean {
    switch (this.#mode) {
      case "frames":
        this.#readFrames();
        return false;
      case "preface":
        return this.#readPreface();
      case "http1-request":
        return this.#readUpgradeRequest();
      case "http1-response":
        return this.#readUpgradeResponse();
      case "hunting":
        return this.#hunt();
      case "off":
        this.#offset += this.#queue.available;
        this.#queue.skip(this.#queue.available);
        return false;
    }
  }

  #readFrames(): void {
    const queue = this.#queue;
    for (;;) {
      if (this.#header === undefined) {
        // Read in place (no view per frame).
        const headerBytes = queue.peekInPlace(FRAME_HEADER_LENGTH);
        if (headerBytes === undefined) return;
        this.#header = parseFrameHeader(headerBytes, queue.peekedAt);
        this.#frameStart = this.#offset;
      }
      if (this.#skipRemaining >= 0 || (this.#discardDataPayload && this.#header.type === FRAME_DATA)) {
        if (!this.#skipData()) return;
        continue;
      }
      const total = FRAME_HEADER_LENGTH + this.#header.length;
      if (queue.available < total) return;
      const start = this.#offset;
      this.#drop(FRAME_HEADER_LENGTH);
      const frame = parseFrame(this.#header, this.#consume(this.#header.length));
      const damagedBytes = this.#damagedBytes;
      this.#header = undefined;
      this.#damagedBytes = 0;
      this.#emit({ kind: "frame", frame, position: this.#position(start), damagedBytes });
    }
  }

  /** Discard mode: consumes a DATA frame's payload as it arrives; true once the frame is out. */
  #skipData(): boolean {
    const header = this.#header!;
    const queue = this.#queue;
    if (this.#skipRemaining < 0) {
      const padded = (header.flags & FLAG_PADDED) !== 0 && header.length > 0;
      // The Pad Length octet is the only payload byte we need.
      const needed = FRAME_HEADER_LENGTH + (padded ? 1 : 0);
      if (queue.available < needed) return false;
      this.#skipPadLength = padded ? queue.byteAt(FRAME_HEADER_LENGTH) : undefined;
      this.#drop(FRAME_HEADER_LENGTH);
      this.#skipRemaining = header.length;
    }
    const take = Math.min(this.#skipRemaining, queue.available);
    if (take > 0) {
      this.#drop(take);
      this.#skipRemaining -= take;
    }
    if (this.#skipRemaining > 0) return false;
    const frame: DataFrame = { kind: "DATA", length: header.length, type: header.type, flags: header.flags, streamId: header.streamId, padLength: this.#skipPadLength, data: EMPTY_BYTES };
    if ((header.flags & FLAG_PADDED) !== 0 && (header.length === 0 || this.#skipPadLength! >= header.length)) {
      frame.malformed = header.length === 0 ? "PADDED flag set on an empty payload" : `pad length ${this.#skipPadLength} does not fit in a ${header.length}-octet payload`;
    }
    const damagedBytes = this.#damagedBytes;
    this.#header = undefined;
    this.#skipRemaining = -1;
    this.#damagedBytes = 0;
    this.#emit({ kind: "frame", frame, position: this.#position(this.#frameStart), damagedBytes });
    return true;
  }

  /** Reads the 24-octet preface; true when the mode changed. */
  #readPreface(): boolean {
    const bytes = this.#queue.peek(CLIENT_PREFACE.length);
    if (bytes === undefined) {
      // Fail early when what has arrived already differs from the preface.
      const partial = this.#queue.peek(this.#queue.available)!;
      if (partial.every((byte, index) => byte === CLIENT_PREFACE[index])) return false;
    }
    const start = this.#offset;
    const candidate = bytes ?? this.#queue.peek(this.#queue.available)!;
    const valid = bytes !== undefined && candidate.every((byte, index) => byte === CLIENT_PREFACE[index]);
    if (valid) {
      this.#drop(CLIENT_PREFACE.length);
      this.#emit({ kind: "preface", valid: true, position: this.#position(start) });
      this.#mode = "frames";
    } else {
      this.#emit({ kind: "preface", valid: false, position: this.#position(start) });
      this.#emit({ kind: "sync-lost", reason: "bad-preface", lostFrame: undefined, position: this.#position(start) });
      this.#mode = "hunting";
      this.#skipped = 0;
    }
    return true;
  }

  #readUpgradeRequest(): boolean {
    if (this.#bodyToSkip > 0) {
      const skip = Math.min(this.#bodyToSkip, this.#queue.available);
      if (skip === 0) return false;
      this.#drop(skip);
      this.#bodyToSkip -= skip;
      if (this.#bodyToSkip === 0) this.#mode = "preface";
      return true;
    }
    const head = this.#readHttp1Head();
    if (head === undefined) return false;
    if (head === "invalid") return true;
    // An upgrade request may carry a body (sent as HTTP/1.1, before the preface).
    this.#bodyToSkip = Number(fieldValue(head, "content-length") ?? 0) || 0;
    if (this.#bodyToSkip === 0) this.#mode = "preface";
    return true;
  }

  #readUpgradeResponse(): boolean {
    const head = this.#readHttp1Head();
    if (head === undefined) return false;
    if (head === "invalid") return true;
    // 101 Switching Protocols: HTTP/2 frames follow at once (§3.2 of RFC 7540).
    this.#mode = / 101( |$)/.test(head.startLine) ? "frames" : "off";
    return true;
  }

  /** Consumes and reports an HTTP/1 head; "invalid" (mode off) when the bytes are not one. */
  #readHttp1Head(): Http1Head | "invalid" | undefined {
    const head = parseHttp1Head(this.#queue.peek(this.#queue.available)!);
    if (head === undefined) return undefined;
    if (head === "invalid") {
      this.#mode = "off";
      return "invalid";
    }
    const start = this.#offset;
    this.#drop(head.headLength);
    this.#emit({ kind: "http1-head", head, position: this.#position(start) });
    return head;
  }

  /** Looks for a frame boundary in the buffered bytes; true when found (mode is "frames"). */
  #hunt(): boolean {
    const available = this.#queue.available;
    if (available < FRAME_HEADER_LENGTH) return false;
    const bytes = this.#queue.peek(available)!;
    const maxLength = this.#sink.huntMaxFrameLength(this.#direction);
    for (let start = 0; start + FRAME_HEADER_LENGTH <= available; start++) {
      let chain = 0;
      let cursor = start;
      while (cursor + FRAME_HEADER_LENGTH <= available) {
        const header = parseFrameHeader(bytes, cursor);
        if (!isPlausibleFrameHeader(header, (bytes[cursor + 5]! & 0x80) !== 0, maxLength)) break;
        chain++;
        cursor += FRAME_HEADER_LENGTH + header.length;
      }
      if (chain >= HUNT_CHAIN_LENGTH || (chain >= 1 && cursor === available)) {
        this.#skipped += start;
        this.#drop(start);
        this.#emit({ kind: "synced", skippedBytes: this.#skipped, position: this.#position(this.#offset) });
        this.#skipped = 0;
        this.#mode = "frames";
        return true;
      }
    }
    if (available > MAX_HUNT_BYTES) {
      // Keep only a tail that may still hold the start of a chain.
      const drop = available - FRAME_HEADER_LENGTH;
      this.#skipped += drop;
      this.#drop(drop);
    }
    return false;
  }
}
