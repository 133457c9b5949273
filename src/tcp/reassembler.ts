// One direction of a TCP connection: segments in any order in, each byte out once and in order.

import { seqAdd, seqDistance } from "./sequence.js";
import type { DirectionStats } from "./direction-stats.js";
import { RecentBytes, type RingPool } from "./recent-bytes.js";
import { copyBytes } from "../bytes/concat.js";

/** Why bytes were skipped. */
export type GapReason =
  /** The receiver acknowledged bytes the capture never held (capture loss, or a mid-way join). */
  | "acked-unseen"
  /** Out-of-order buffering reached its limit before the hole filled. */
  | "buffer-limit"
  /** The segment was on the wire but the snapshot length cut its payload out of the capture. */
  | "not-captured"
  /** The connection or the capture ended with the hole still open. */
  | "end-of-stream";

/** Where a reassembler sends what it finds. Offsets count bytes from the start of the stream. */
export interface ReassemblyOutput {
  data(streamOffset: number, bytes: Uint8Array, packetNumber: number, timeUs: number): void;
  gap(streamOffset: number, length: number, reason: GapReason, packetNumber: number, timeUs: number): void;
  /** `bytesDiffer` is undefined when the original bytes were no longer kept to compare. */
  retransmission(streamOffset: number, length: number, bytesDiffer: boolean | undefined, packetNumber: number, timeUs: number): void;
  ackStall(durationUs: number, bytesInFlight: number, resolved: boolean, packetNumber: number, timeUs: number): void;
}

/**
 * Out-of-order bytes held by every direction of every connection, shared so that together they
 * stay under `max` (Limits.maxOutOfOrderBytesTotal).
 */
export interface HeldBytesTotal {
  held: number;
  readonly max: number;
}

export interface ReassemblyLimits {
  /** Out-of-order bytes this direction may hold. */
  maxHeldBytes: number;
  maxHistoryBytes: number;
  ackStallUs: number;
  heldTotal: HeldBytesTotal;
  /** Where retransmission-check rings come from and go back to, shared by every direction. */
  ringPool: RingPool;
}

/** What one segment turned out to be. */
export type SegmentKind = "empty" | "in-order" | "out-of-order" | "retransmission" | "keep-alive";

interface HeldSegment {
  offset: number;
  /** Captured bytes (a private copy). */
  bytes: Uint8Array;
  /** Bytes on the wire; more than bytes.length when the snapshot length cut the payload. */
  length: number;
  packetNumber: number;
  timeUs: number;
}

/**
 * Sequence numbers are unwrapped into stream offsets: offset 0 is the first byte after the SYN
 * (or the first sequence number seen when the capture joined mid-way), and offsets keep growing
 * past 2^32, so wraparound is invisible above this class.
 */
export class DirectionReassembler {
  readonly #output: ReassemblyOutput;
  readonly #stats: DirectionStats;
  readonly #maxHeldBytes: number;
  readonly #heldTotal: HeldBytesTotal;
  readonly #ackStallUs: number;

  #initialized = false;
  /** Sequence number of stream offset 0. */
  #baseSequence = 0;
  /** Next offset to deliver. */
  #next = 0;
  /** Highest end offset sent (data, plus one for a FIN). */
  #highestEnd = 0;
  /** Highest end offset of payload seen (tells a late segment filling a hole). */
  #highestDataEnd = 0;
  /** Highest offset the peer has acknowledged, or -1 before any usable ACK. */
  #acked = -1;
  /** Offset of the FIN, or -1. */
  #finOffset = -1;
  /** Out-of-order segments waiting for a hole to fill, sorted by offset. */
  #held: HeldSegment[] = [];
  #heldBytes = 0;
  /** Recently delivered bytes, to compare retransmissions with the original. */
  readonly #recent: RecentBytes;
  /** Capture time since when bytes have been in flight without ACK progress. */
  #stallSinceUs = -1;
  /** Duration at which the current stall was last reported as ongoing (0: not yet). */
  #stallReportedUs = 0;

  constructor(output: ReassemblyOutput, stats: DirectionStats, limits: ReassemblyLimits) {
    this.#output = output;
    this.#stats = stats;
    this.#maxHeldBytes = limits.maxHeldBytes;
    this.#heldTotal = limits.heldTotal;
    this.#recent = new RecentBytes(limits.maxHistoryBytes, limits.ringPool);
    this.#ackStallUs = limits.ackStallUs;
  }

  /** Frees the bytes kept for retransmission checks (an idle direction). */
  releaseRecentBytes(): void {
    this.#recent.release();
  }

  /** Whether a sequence number has been seen in this direction yet. */
  get initialized(): boolean {
    return this.#initialized;
  }

  /** Next stream offset to be delivered (bytes delivered plus gaps). */
  get nextOffset(): number {
    return this.#next;
  }

  /** A FIN was sent in this direction and the peer acknowledged it. */
  get finAcknowledged(): boolean {
    return this.#finOffset >= 0 && this.#acked > this.#finOffset;
  }

  get bytesInFlight(): number {
    return this.#acked < 0 ? 0 : Math.max(0, this.#highestEnd - this.#acked);
  }

  /** Stream offset of a sequence number, taken as the nearest one to the delivery point. */
  offsetOf(sequence: number): number {
    return this.#next + seqDistance(seqAdd(this.#baseSequence, this.#next), sequence);
  }

  /** A SYN from this direction: the stream starts right after its sequence number. */
  synchronize(initialSequence: number): void {
    this.#baseSequence = seqAdd(initialSequence, 1);
    this.#initialized = true;
  }

  /**
   * A segment sent in this direction. `sequence` is the sequence number of its first payload
   * byte (after the SYN for a SYN with data). `peerWindowZero`: the receiver last advertised a
   * zero window, which makes a 0–1 byte segment at the edge a probe rather than a keep-alive.
   */
  segment(sequence: number, payload: Uint8Array, payloadLength: number, fin: boolean,
    peerWindowZero: boolean, packetNumber: number, timeUs: number): SegmentKind {
    if (!this.#initialized) {
      this.#baseSequence = sequence;
      this.#initialized = true;
    }
    const start = this.offsetOf(sequence);
    const end = start + payloadLength;
    if (fin && this.#finOffset < 0) this.#finOffset = end;
    // A stall is reported while it lasts, on the sender's next packet (a retransmission, often),
    // each time its length has doubled — so a rule with any threshold hears of it in time — and
    // once more when it ends.
    const stalledUs = this.#stallSinceUs >= 0 && this.bytesInFlight > 0 ? timeUs - this.#stallSinceUs : 0;
    if (stalledUs >= this.#ackStallUs && stalledUs >= 2 * this.#stallReportedUs) {
      this.#stallReportedUs = stalledUs;
      this.#output.ackStall(stalledUs, this.bytesInFlight, false, packetNumber, timeUs);
    }
    const sentEnd = fin ? end + 1 : end;
    if (sentEnd > this.#highestEnd) {
      if (this.bytesInFlight === 0) this.#stallSinceUs = timeUs;
      this.#highestEnd = sentEnd;
      if (this.bytesInFlight > this.#stats.maxBytesInFlight) this.#stats.maxBytesInFlight = this.bytesInFlight;
    }
    if (payloadLength === 0) {
      if (peerWindowZero && start === this.#next - 1 && !fin) this.#stats.zeroWindowProbes++;
      return "empty";
    }
    // A 0/1-byte segment just below the edge is a keep-alive (or a zero-window probe), not data.
    if (payloadLength <= 1 && start === this.#next - 1) {
      if (peerWindowZero) this.#stats.zeroWindowProbes++;
      else this.#stats.keepAlives++;
      return "keep-alive";
    }
    if (peerWindowZero && payloadLength === 1 && start === this.#next) this.#stats.zeroWindowProbes++;

    if (end <= this.#next) {
      this.#countRetransmission(start, payload, payloadLength, packetNumber, timeUs);
      return "retransmission";
    }
    // New bytes below data already seen: a late segment filling a hole (tshark's out-of-order).
    if (start >= this.#next && start < this.#highestDataEnd) this.#stats.outOfOrderSegments++;
    if (end > this.#highestDataEnd) this.#highestDataEnd = end;
    let kind: SegmentKind = "in-order";
    let bytes = payload;
    let length = payloadLength;
    let offset = start;
    if (start < this.#next) {
      // Overlaps what was already delivered: check the overlap, deliver the rest.
      const overlap = this.#next - start;
      this.#countRetransmission(start, payload.subarray(0, overlap), overlap, packetNumber, timeUs);
      kind = "retransmission";
      bytes = payload.subarray(Math.min(overlap, payload.length));
      length -= overlap;
      offset = this.#next;
    }
    if (offset > this.#next) {
      this.#hold(offset, bytes, length, packetNumber, timeUs);
      return "out-of-order";
    }
    this.#deliver(offset, bytes, length, packetNumber, timeUs);
    this.#drainHeld();
    return kind;
  }

  /**
   * An ACK sent by the peer. Acknowledged bytes we never saw can never arrive (capture loss):
   * they become a gap at once, so delivery goes on.
   */
  acknowledge(acknowledgment: number, packetNumber: number, timeUs: number): void {
    if (!this.#initialized) return;
    const ackOffset = this.offsetOf(acknowledgment);
    // An ACK more than 2^30 ahead is not about bytes of this stream (corrupt, or a stale tuple).
    if (ackOffset - this.#highestEnd > 0x40000000) return;
    if (ackOffset > this.#acked) {
      const inFlightBefore = this.bytesInFlight;
      if (this.#acked >= 0 && inFlightBefore > 0 && this.#stallSinceUs >= 0) {
        this.#endStall(timeUs, inFlightBefore, true, packetNumber);
      }
      this.#acked = ackOffset;
      this.#stallSinceUs = timeUs;
      this.#stallReportedUs = 0;
    }
    if (ackOffset > this.#highestEnd) this.#highestEnd = ackOffset;
    // The FIN takes a sequence number but carries no byte: never count it as missing data.
    const dataLimit = this.#finOffset >= 0 ? Math.min(ackOffset, this.#finOffset) : ackOffset;
    while (this.#next < dataLimit) {
      const first = this.#held[0];
      if (first !== undefined && first.offset <= this.#next) {
        this.#drainHeld();
        continue;
      }
      const gapEnd = first === undefined ? dataLimit : Math.min(dataLimit, first.offset);
      this.#skip(gapEnd - this.#next, "acked-unseen", packetNumber, timeUs);
      this.#drainHeld();
    }
  }

  /** End of the connection or capture: deliver what is held, skipping the holes between. */
  finish(packetNumber: number, timeUs: number): void {
    while (this.#held.length > 0) {
      const first = this.#held[0]!;
      if (first.offset > this.#next) this.#skip(first.offset - this.#next, "end-of-stream", packetNumber, timeUs);
      this.#drainHeld();
    }
    if (this.bytesInFlight > 0 && this.#stallSinceUs >= 0) this.#endStall(timeUs, this.bytesInFlight, false, packetNumber);
    this.#recent.release();
  }

  #endStall(timeUs: number, inFlight: number, resolved: boolean, packetNumber: number): void {
    const duration = timeUs - this.#stallSinceUs;
    if (duration > this.#stats.maxAckStallUs) this.#stats.maxAckStallUs = duration;
    if (duration >= this.#ackStallUs) this.#output.ackStall(duration, inFlight, resolved, packetNumber, timeUs);
  }

  #deliver(offset: number, bytes: Uint8Array, length: number, packetNumber: number, timeUs: number): void {
    const captured = Math.min(bytes.length, length);
    if (captured > 0) {
      const view = bytes.length === captured ? bytes : bytes.subarray(0, captured);
      this.#next = offset + captured;
      this.#stats.deliveredBytes += captured;
      this.#recent.write(offset, view);
      this.#output.data(offset, view, packetNumber, timeUs);
    }
    if (captured < length) this.#skip(length - captured, "not-captured", packetNumber, timeUs);
  }

  #skip(length: number, reason: GapReason, packetNumber: number, timeUs: number): void {
    const offset = this.#next;
    this.#next += length;
    this.#stats.gaps++;
    this.#stats.gapBytes += length;
    this.#output.gap(offset, length, reason, packetNumber, timeUs);
  }

  /** Delivers held segments that now start at or before the delivery point. */
  #drainHeld(): void {
    while (this.#held.length > 0 && this.#held[0]!.offset <= this.#next) {
      const segment = this.#held.shift()!;
      this.#heldBytes -= segment.bytes.length;
      this.#heldTotal.held -= segment.bytes.length;
      const end = segment.offset + segment.length;
      if (end <= this.#next) {
        // Entirely covered by what was delivered meanwhile: a duplicate.
        this.#countRetransmission(segment.offset, segment.bytes, segment.length, segment.packetNumber, segment.timeUs);
        continue;
      }
      const overlap = this.#next - segment.offset;
      if (overlap > 0) {
        this.#countRetransmission(segment.offset, segment.bytes.subarray(0, overlap), overlap, segment.packetNumber, segment.timeUs);
      }
      this.#deliver(this.#next, segment.bytes.subarray(Math.min(overlap, segment.bytes.length)), segment.length - overlap,
        segment.packetNumber, segment.timeUs);
    }
  }

  #hold(offset: number, bytes: Uint8Array, length: number, packetNumber: number, timeUs: number): void {
    const held = this.#held;
    // Insert in offset order (binary search: held lists can be long under heavy loss).
    let low = 0;
    let high = held.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (held[middle]!.offset <= offset) low = middle + 1;
      else high = middle;
    }
    const previous = held[low - 1];
    if (previous !== undefined && previous.offset === offset && previous.length >= length) {
      // The same segment again while still waiting: a duplicate of a held one.
      const same = equalBytes(previous.bytes.subarray(0, bytes.length), bytes.subarray(0, previous.bytes.length));
      this.#stats.retransmissions++;
      this.#stats.retransmittedBytes += length;
      if (!same) this.#stats.overlapMismatches++;
      this.#output.retransmission(offset, length, !same, packetNumber, timeUs);
      return;
    }
    held.splice(low, 0, { offset, bytes: copyBytes(bytes), length, packetNumber, timeUs });
    this.#heldBytes += bytes.length;
    const total = this.#heldTotal;
    total.held += bytes.length;
    // Bounded buffering: past this direction's limit, or all directions' together, give up on
    // this direction's first hole and move on.
    while ((this.#heldBytes > this.#maxHeldBytes || total.held > total.max) && held.length > 0) {
      this.#skip(held[0]!.offset - this.#next, "buffer-limit", packetNumber, timeUs);
      this.#drainHeld();
    }
  }

  #countRetransmission(offset: number, bytes: Uint8Array, length: number, packetNumber: number, timeUs: number): void {
    this.#stats.retransmissions++;
    this.#stats.retransmittedBytes += length;
    const differ = this.#recent.differs(offset, bytes);
    if (differ === true) this.#stats.overlapMismatches++;
    this.#output.retransmission(offset, length, differ, packetNumber, timeUs);
  }

}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) if (a[i] !== b[i]) return false;
  return true;
}
