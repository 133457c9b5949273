// Per-connection stream history shared by all rules: when each stream's request and response
// started and ended, who reset it and when, and frames that arrived after it closed.

import type { Peer } from "../../http2/connection/stream-state.js";
import type { Http2Event } from "../../http2/http2-events.js";
import { MAX_CLOSED_STREAMS, MAX_CLOSED_STREAMS_PER_CONNECTION } from "../../limits.js";

export interface StreamRecord {
  id: number;
  /** The side that opened it (client for odd ids; server for promised streams). */
  openedBy: Peer;
  openedPacket: number;
  openedUs: number;
  method: string | undefined;
  path: string | undefined;
  status: string | undefined;
  /** First HEADERS or DATA from the side that did not open it (the response). */
  responsePacket: number | undefined;
  responseUs: number | undefined;
  /** END_STREAM from each side. */
  clientEndedUs: number | undefined;
  serverEndedUs: number | undefined;
  /** The first RST_STREAM on it. */
  reset: { by: Peer; errorCode: number; packet: number; timeUs: number } | undefined;
  /** HEADERS/DATA sent on it after a reset (by the side that did not reset it), and the last one. */
  framesAfterReset: number;
  lastFrameAfterReset: { packet: number; timeUs: number } | undefined;
  closed: boolean;
  /** When it closed among all streams of all connections (0 until then): the shared history's bookkeeping. */
  closeOrder: number;
}

/** The ring's first size: a capture with few streams does not pay for the whole bound. */
const INITIAL_RING_LENGTH = 1024;

/**
 * Closed streams kept across every connection's timeline, oldest forgotten first: a bound on
 * memory however many connections are open at once (see MAX_CLOSED_STREAMS).
 */
export class ClosedStreamHistory {
  readonly #limit: number;
  /**
   * A ring of (timeline number, stream id, close order), oldest at #next once full, grown by
   * doubling up to the limit. Numbers, not records or timelines: the ring outlives connections,
   * and holding the objects kept them alive after their connection ended (65,536 one-stream
   * connections pinned 28.5 MiB of ended timelines). Typed arrays keep its 16 bytes per entry off
   * the garbage-collected heap.
   */
  #timelineIds: Int32Array;
  #streamIds: Int32Array;
  #orders: Float64Array;
  #length = 0;
  #next = 0;
  #closes = 0;
  /** The timelines not released yet, by the number the ring knows them by. */
  readonly #timelines = new Map<number, StreamTimeline>();
  #lastTimelineId = 0;

  constructor(limit: number = MAX_CLOSED_STREAMS) {
    this.#limit = Math.max(1, limit);
    const length = Math.min(this.#limit, INITIAL_RING_LENGTH);
    this.#timelineIds = new Int32Array(length);
    this.#streamIds = new Int32Array(length);
    this.#orders = new Float64Array(length);
  }

  /** A new timeline sharing this history: the number the ring will know it by. */
  register(timeline: StreamTimeline): number {
    const id = ++this.#lastTimelineId;
    this.#timelines.set(id, timeline);
    return id;
  }

  /** The timeline's connection ended: streams of it that cycle out of the ring need no forgetting. */
  unregister(timelineId: number): void {
    this.#timelines.delete(timelineId);
  }

  /** The timeline numbered `timelineId` closed the stream of `record`: keep it, forgetting the oldest kept stream when full. */
  closed(timelineId: number, record: StreamRecord): void {
    record.closeOrder = ++this.#closes;
    let slot: number;
    if (this.#length < this.#limit) {
      if (this.#length === this.#orders.length) this.#grow();
      slot = this.#length++;
    } else {
      slot = this.#next;
      this.#timelines.get(this.#timelineIds[slot]!)?.forget(this.#streamIds[slot]!, this.#orders[slot]!);
      this.#next = (slot + 1) % this.#limit;
    }
    this.#timelineIds[slot] = timelineId;
    this.#streamIds[slot] = record.id;
    this.#orders[slot] = record.closeOrder;
  }

  #grow(): void {
    const length = Math.min(this.#limit, this.#orders.length * 2);
    const timelineIds = new Int32Array(length);
    const streamIds = new Int32Array(length);
    const orders = new Float64Array(length);
    timelineIds.set(this.#timelineIds);
    streamIds.set(this.#streamIds);
    orders.set(this.#orders);
    this.#timelineIds = timelineIds;
    this.#streamIds = streamIds;
    this.#orders = orders;
  }
}

export class StreamTimeline {
  readonly #open = new Map<number, StreamRecord>();
  readonly #closed = new Map<number, StreamRecord>();
  readonly #history: ClosedStreamHistory | undefined;
  /** This timeline's number in the shared history (0 without one). */
  readonly #historyId: number;

  /** `history`: a bound shared with other connections' timelines on the closed streams kept. */
  constructor(history?: ClosedStreamHistory) {
    this.#history = history;
    this.#historyId = history?.register(this) ?? 0;
  }

  /** Drops the stream the shared history closed as `closeOrder`, unless its id has a newer record since. */
  forget(streamId: number, closeOrder: number): void {
    if (this.#closed.get(streamId)?.closeOrder === closeOrder) this.#closed.delete(streamId);
  }

  /**
   * The connection ended: nothing more will be asked. Only the shared history lets go of it; the
   * engine drops the timeline itself, and with it its streams (clearing the maps first would make
   * each allocate a new table, on every connection).
   */
  release(): void {
    this.#history?.unregister(this.#historyId);
  }

  /** How many streams are not closed yet (no list made: asked on every tick of every connection). */
  get openCount(): number {
    return this.#open.size;
  }

  /** Streams not closed yet (both sides ended, or reset). */
  openStreams(): StreamRecord[] {
    return [...this.#open.values()];
  }

  /** Open streams and the most recently closed ones (bounded), oldest first. */
  knownStreams(): StreamRecord[] {
    return [...this.#closed.values(), ...this.#open.values()];
  }

  get(streamId: number): StreamRecord | undefined {
    return this.#open.get(streamId) ?? this.#closed.get(streamId);
  }

  /** Updates the timeline with one HTTP/2 frame event. */
  frame(event: Extract<Http2Event, { kind: "h2.frame" }>): StreamRecord | undefined {
    const frame = event.frame;
    const id = frame.streamId;
    if (id === 0) return undefined;
    let record = this.get(id);
    if (frame.kind === "PUSH_PROMISE") {
      const promised = newRecord(frame.promisedStreamId, "server", event.packetNumber, event.timeUs);
      // A pushed stream is closed on the client's side from the start (RFC 9113 §8.4).
      promised.clientEndedUs = event.timeUs;
      this.#open.set(frame.promisedStreamId, promised);
      return record;
    }
    if (record === undefined) {
      if (frame.kind !== "HEADERS" && frame.kind !== "DATA") return undefined;
      const openedBy: Peer = id % 2 === 1 ? "client" : "server";
      record = newRecord(id, openedBy, event.packetNumber, event.timeUs);
      if (event.sender !== openedBy && openedBy === "client") {
        // The request was not seen as HTTP/2 (h2c's upgraded stream 1, or a mid-way join): the
        // client has finished sending it.
        record.clientEndedUs = event.timeUs;
      }
      this.#open.set(id, record);
    }
    const fromOpener = event.sender === record.openedBy;
    if (frame.kind === "HEADERS" || frame.kind === "DATA") {
      if (record.reset !== undefined && event.sender !== record.reset.by) {
        record.framesAfterReset++;
        record.lastFrameAfterReset = { packet: event.packetNumber, timeUs: event.timeUs };
      }
      if (!fromOpener && record.responseUs === undefined) {
        record.responsePacket = event.packetNumber;
        record.responseUs = event.timeUs;
      }
      const headers = event.headers;
      if (headers !== undefined) {
        for (let i = 0; i < headers.length; i++) {
          const field = headers[i]!;
          const name = field[0];
          const value = field[1];
          if (name === ":method") record.method = value;
          else if (name === ":path") record.path = value;
          else if (name === ":status" && record.status === undefined) record.status = value;
        }
      }
      if ((frame.flags & 1) !== 0) {
        if (event.sender === "client") record.clientEndedUs ??= event.timeUs;
        else record.serverEndedUs ??= event.timeUs;
      }
    } else if (frame.kind === "RST_STREAM") {
      record.reset ??= { by: event.sender, errorCode: frame.errorCode, packet: event.packetNumber, timeUs: event.timeUs };
    }
    if (!record.closed && (record.reset !== undefined || (record.clientEndedUs !== undefined && record.serverEndedUs !== undefined))) {
      this.#close(record);
    }
    return record;
  }

  #close(record: StreamRecord): void {
    record.closed = true;
    this.#open.delete(record.id);
    // Deleted first so that a reused id (a late frame on a forgotten stream) counts as newest.
    this.#closed.delete(record.id);
    this.#closed.set(record.id, record);
    if (this.#closed.size > MAX_CLOSED_STREAMS_PER_CONNECTION) this.#closed.delete(this.#closed.keys().next().value!);
    this.#history?.closed(this.#historyId, record);
  }
}

function newRecord(id: number, openedBy: Peer, packet: number, timeUs: number): StreamRecord {
  return {
    id, openedBy, openedPacket: packet, openedUs: timeUs, method: undefined, path: undefined, status: undefined,
    responsePacket: undefined, responseUs: undefined, clientEndedUs: undefined, serverEndedUs: undefined,
    reset: undefined, framesAfterReset: 0, lastFrameAfterReset: undefined, closed: false, closeOrder: 0,
  };
}
