// One HTTP/2 connection as an observer replays it: both directions' frames in capture order,
// header blocks through HPACK, settings, stream states and both flows' windows (RFC 9113).
// Violations become anomalies; decoding always goes on.

import type { TcpConnection, Direction } from "../../tcp/tcp-events.js";
import type { Frame } from "../frame/frame.js";
import { FrameDecoder, type FrameDecoderMode, type FrameDecoderSink, type FrameStreamEvent, type StreamPosition } from "../frame/frame-decoder.js";
import {
  errorCodeName, FLAG_ACK, FLAG_END_HEADERS, FLAG_END_STREAM, SETTINGS_ENABLE_PUSH, SETTINGS_HEADER_TABLE_SIZE,
  SETTINGS_INITIAL_WINDOW_SIZE, SETTINGS_MAX_FRAME_SIZE, frameTypeName, settingName,
} from "../frame/frame-types.js";
import { HpackDecoder } from "../hpack/index.js";
import { fieldValue, type Http1Head } from "../detect/http1-head.js";
import type { HeaderList, Http2AnomalyCode, Http2ConnectionInfo, Http2Discovery, Http2Event, WindowsAfter } from "../http2-events.js";
import { DEFAULT_INITIAL_WINDOW_SIZE, MAX_WINDOW_SIZE, Window } from "./flow-control.js";
import { appendFragment, joinHeaderBlock, startHeaderBlock, type PendingHeaderBlock } from "./header-block.js";
import { MAX_MAX_FRAME_SIZE, MIN_MAX_FRAME_SIZE, SettingsTracker, type AppliedSettings } from "./settings-tracker.js";
import { maySend, nextStreamState, type Peer, type StreamInput, type StreamState } from "./stream-state.js";
import { latin1 } from "../frame/latin1.js";
import { appended, sharedEmptyList } from "../../small-list.js";

export interface Http2ConnectionLimits {
  /** Largest header block assembled from HEADERS/PUSH_PROMISE + CONTINUATION. */
  maxHeaderBlockBytes: number;
  /** Streams tracked at once per connection; past it new streams are counted but not tracked. */
  maxStreamsPerConnection: number;
}

/** The empty start of every connection's lists of resets, GOAWAYs and round trips (shared, frozen). */
const NO_RESETS = sharedEmptyList<Http2ConnectionInfo["resets"][number]>();
const NO_GOAWAYS = sharedEmptyList<Http2ConnectionInfo["goaways"][number]>();
const NO_ROUND_TRIPS = sharedEmptyList<number>();

/** A connection's HTTP/2 facts before its first frame (`tls`: what its handshake told, if any). */
export function newConnectionInfo(tcp: TcpConnection, discovery: Http2Discovery, joinedMidway: boolean,
  tls: Http2ConnectionInfo["tls"]): Http2ConnectionInfo {
  return {
    tcp, discovery, joinedMidway, tls, framesByType: {}, streams: 0, resets: NO_RESETS, goaways: NO_GOAWAYS,
    unknownHeaderFields: 0, anomalies: 0, settingsRoundTripsMs: NO_ROUND_TRIPS, pingRoundTripsMs: NO_ROUND_TRIPS, settings: undefined,
  };
}

/** Round trips kept per connection (the first ones tell the RTT; the rest are summarised). */
const MAX_ROUND_TRIPS_KEPT = 64;
/**
 * Unacknowledged PINGs remembered per direction to time their ACKs. Peers keep one or two in
 * flight; a flood keeps thousands, and the oldest are the least likely to be answered.
 */
const MAX_UNACKED_PINGS = 1024;

interface StreamRecord {
  id: number;
  state: StreamState;
  /** Window for data sent by each direction on this stream; undefined when unknown. */
  windows: [Window | undefined, Window | undefined];
  /** First met mid-way: its earlier frames (and state) are unknown. */
  metMidway: boolean;
}

interface DirectionState {
  decoder: FrameDecoder;
  /** Decodes the header blocks this direction's sender encodes. */
  hpack: HpackDecoder;
  block: PendingHeaderBlock | undefined;
  /**
   * Unacknowledged PINGs this direction sent: opaque (hex) → capture time, the newest
   * MAX_UNACKED_PINGS; made at the first PING (many connections send none).
   */
  pings: Map<string, number> | undefined;
  /** Highest stream id this direction's sender opened (HEADERS or PUSH_PROMISE). */
  lastOpenedStreamId: number;
  /** Frames were lost in this direction (sync lost, or a damaged non-DATA frame). */
  framesLost: boolean;
}

export interface Http2ConnectionOptions {
  tcp: TcpConnection;
  discovery: Http2Discovery;
  /** Initial decoder mode per TCP direction. */
  modes: [FrameDecoderMode, FrameDecoderMode];
  limits: Http2ConnectionLimits;
  emit: (event: Http2Event) => void;
  /** DATA frames arrive without their payload bytes (see FrameDecoderOptions). */
  discardDataPayload?: boolean;
  /** Emit `h2.window` events for the windows each DATA frame consumes (default true; see AnalyzerOptions.dataWindowEvents). */
  dataWindowEvents?: boolean;
  /** Facts already announced for this connection (TLS, found at the ClientHello): filled in place. */
  info?: Http2ConnectionInfo;
}

export class Http2Connection implements FrameDecoderSink {
  readonly info: Http2ConnectionInfo;
  readonly #emit: (event: Http2Event) => void;
  readonly #limits: Http2ConnectionLimits;
  readonly #directions: [DirectionState, DirectionState];
  readonly #settings: SettingsTracker;
  readonly #streams = new Map<number, StreamRecord>();
  /** Connection-level window for data sent by each direction; undefined when unknown. */
  readonly #connectionWindows: [Window | undefined, Window | undefined];
  /** TCP direction whose sender is the HTTP/2 client. */
  #clientDirection: Direction;
  /** Roles rest on evidence (SYN, preface, upgrade) rather than a guess. */
  #rolesCertain: boolean;
  /** HPACK dynamic table size updates of the header block the current frame ended. */
  #tableSizeUpdates: number[] | undefined;
  /**
   * Events of the frame being processed, emitted after it; made at the first. A list made per
   * frame that has any (a few per connection) dies young; two lists kept for the connection's life
   * were copied by every young-generation collection it lived through.
   */
  #pending: Http2Event[] | undefined;
  #packetNumber = 0;
  #timeUs = 0;
  /** INITIAL_WINDOW_SIZE seen declared and acknowledged since joining mid-way. */
  #initialWindowLearned: Partial<Record<Peer, true>> | undefined;
  /** Settings from the client's HTTP2-Settings header, applied when the 101 arrives. */
  #upgradeSettings: Array<[number, number]> | undefined;
  readonly #discardDataPayload: boolean;
  readonly #dataWindowEvents: boolean;

  constructor(options: Http2ConnectionOptions) {
    const tcp = options.tcp;
    this.#emit = options.emit;
    this.#limits = options.limits;
    this.#clientDirection = tcp.clientDirection;
    const joinedMidway = options.discovery === "mid-connection" || options.discovery === "forced-port";
    this.#rolesCertain = options.discovery === "prior-knowledge" || options.discovery === "h2c-upgrade" || options.discovery === "tls"
      || tcp.roleSource === "syn" || tcp.roleSource === "syn-ack";
    const fresh = newConnectionInfo(tcp, options.discovery, joinedMidway, options.info?.tls);
    this.info = options.info === undefined ? fresh : Object.assign(options.info, fresh);
    this.#settings = new SettingsTracker(!joinedMidway);
    this.#connectionWindows = joinedMidway
      ? [undefined, undefined]
      : [new Window(DEFAULT_INITIAL_WINDOW_SIZE), new Window(DEFAULT_INITIAL_WINDOW_SIZE)];
    this.#discardDataPayload = options.discardDataPayload ?? false;
    this.#dataWindowEvents = options.dataWindowEvents ?? true;
    this.#directions = [this.#newDirection(0, options.modes[0]), this.#newDirection(1, options.modes[1])];
    if (joinedMidway) for (const direction of this.#directions) direction.hpack.desynchronize();
  }

  /** Ordered TCP bytes of one direction. */
  data(direction: Direction, bytes: Uint8Array, packetNumber: number, timeUs: number): void {
    this.#directions[direction].decoder.data(bytes, packetNumber, timeUs);
  }

  gap(direction: Direction, length: number, packetNumber: number, timeUs: number): void {
    this.#directions[direction].decoder.gap(length, packetNumber, timeUs);
  }

  end(): void {
    this.#directions[0].decoder.end();
    this.#directions[1].decoder.end();
    this.info.settings = this.#settings.known || this.#settings.pendingCount("client") + this.#settings.pendingCount("server") > 0
      ? { client: this.#settings.named("client"), server: this.#settings.named("server") }
      : undefined;
  }

  /**
   * h2c: the client's HTTP2-Settings count as its first SETTINGS, acknowledged by the 101
   * response (RFC 7540 §3.2.1); the upgraded request is stream 1, already half-closed by the client.
   */
  upgraded(clientSettings: Array<[number, number]>, packetNumber: number, timeUs: number): void {
    this.#packetNumber = packetNumber;
    this.#timeUs = timeUs;
    const applied = this.#settings.appliedImplicitly("client", clientSettings, timeUs, packetNumber);
    this.#applySettings(applied);
    const stream = this.#openStream(1);
    stream.state = "half-closed-client";
    this.#directions[this.#clientDirection].lastOpenedStreamId = 1;
    this.#flush();
  }

  #onUpgradeHead(direction: Direction, head: Http1Head, position: StreamPosition): void {
    if (direction === this.#clientDirection) {
      this.#upgradeSettings = decodeHttp2SettingsHeader(fieldValue(head, "http2-settings") ?? "");
    } else if (/ 101( |$)/.test(head.startLine)) {
      this.upgraded(this.#upgradeSettings ?? [], position.packetNumber, position.timeUs);
    }
  }

  #newDirection(direction: Direction, mode: FrameDecoderMode): DirectionState {
    return {
      decoder: new FrameDecoder(this, direction, { mode, discardDataPayload: this.#discardDataPayload }),
      hpack: new HpackDecoder(),
      block: undefined,
      pings: undefined,
      lastOpenedStreamId: 0,
      framesLost: false,
    };
  }

  /** Its frame decoders' events (FrameDecoderSink; not for other callers). */
  frameStreamEvent(direction: Direction, event: FrameStreamEvent): void {
    this.#onDecoderEvent(direction, event);
  }

  /** While a decoder hunts for a frame boundary: the larger of the default and what the receiver allows (FrameDecoderSink). */
  huntMaxFrameLength(direction: Direction): number {
    return Math.max(MIN_MAX_FRAME_SIZE, this.#settings.value(this.#peerOf(this.#other(direction)), SETTINGS_MAX_FRAME_SIZE) ?? 0);
  }

  #peerOf(direction: Direction): Peer {
    return direction === this.#clientDirection ? "client" : "server";
  }

  #other(direction: Direction): Direction {
    return direction === 0 ? 1 : 0;
  }

  #onDecoderEvent(direction: Direction, event: FrameStreamEvent): void {
    this.#packetNumber = event.position.packetNumber;
    this.#timeUs = event.position.timeUs;
    switch (event.kind) {
      case "frame":
        this.#onFrame(direction, event.frame, event.position, event.damagedBytes);
        return;
      case "preface":
        if (!event.valid) this.#anomaly("bad-preface", direction, undefined, "the client's first bytes are not the HTTP/2 connection preface");
        break;
      case "http1-head":
        this.#onUpgradeHead(direction, event.head, event.position);
        break;
      case "sync-lost":
        this.#loseFrames(direction);
        this.#anomaly("sync-lost", direction, event.lostFrame?.streamId,
          event.reason === "gap"
            ? `a TCP gap cut ${event.lostFrame ? `a ${frameTypeName(event.lostFrame.type)} frame (${event.lostFrame.length} octets)` : "a frame header"}; looking for the next frame boundary`
            : "frame boundaries lost after a bad preface; looking for the next frame boundary");
        break;
      case "synced":
        break;
      case "truncated":
        this.#anomaly("truncated-frame", direction, event.lostFrame?.streamId,
          `the stream ended ${event.bytes} octets into ${event.lostFrame ? `a ${frameTypeName(event.lostFrame.type)} frame of ${event.lostFrame.length} octets` : "a frame header"}`);
        break;
    }
    this.#flush();
  }

  #onFrame(direction: Direction, frame: Frame, position: StreamPosition, damagedBytes: number): void {
    const sender = this.#peerOf(direction);
    const typeName = frame.kind === "UNKNOWN" ? frameTypeName(frame.type) : frame.kind;
    this.info.framesByType[typeName] = (this.info.framesByType[typeName] ?? 0) + 1;
    let headers: HeaderList | undefined;
    let windows: WindowsAfter | undefined;
    this.#tableSizeUpdates = undefined;

    const maxFrameSize = this.#settings.value(this.#peerOf(this.#other(direction)), SETTINGS_MAX_FRAME_SIZE) ?? MIN_MAX_FRAME_SIZE;
    // §4.2: a frame larger than the receiver's SETTINGS_MAX_FRAME_SIZE is a FRAME_SIZE_ERROR.
    if (frame.length > maxFrameSize) {
      this.#anomaly("frame-too-large", direction, frame.streamId, `${typeName} of ${frame.length} octets exceeds the receiver's SETTINGS_MAX_FRAME_SIZE of ${maxFrameSize}`);
    }
    if (frame.malformed !== undefined) this.#anomaly("malformed-frame", direction, frame.streamId, `${typeName}: ${frame.malformed}`);
    if (damagedBytes > 0) {
      this.#anomaly("frame-damaged-by-gap", direction, frame.streamId, `${damagedBytes} octets of this ${typeName} frame were missing from the capture`);
      if (frame.kind !== "DATA") this.#loseFrames(direction);
    }
    const state = this.#directions[direction];
    if (state.block !== undefined && frame.kind !== "CONTINUATION") {
      // §6.2: a header block must be followed by CONTINUATION frames on the same stream only.
      this.#anomaly("continuation-expected", direction, frame.streamId, `${typeName} on stream ${frame.streamId} while the header block of stream ${state.block.streamId} was still open`);
      state.block = undefined;
      state.hpack.desynchronize();
    }

    switch (frame.kind) {
      case "DATA":
        windows = this.#onData(direction, frame.streamId, frame.length, (frame.flags & FLAG_END_STREAM) !== 0, frame.malformed === undefined);
        break;
      case "HEADERS":
        if (this.#requireStream(direction, frame.kind, frame.streamId)) {
          const damaged = damagedBytes > 0 || frame.malformed !== undefined;
          const complete = (frame.flags & FLAG_END_HEADERS) !== 0;
          const block = startHeaderBlock("HEADERS", frame.streamId, frame.fragment, (frame.flags & FLAG_END_STREAM) !== 0, undefined, damaged, complete);
          if (complete) {
            // Decode first: when joined mid-way, the fields tell who is the client.
            headers = this.#decodeHeaderBlock(direction, block);
            this.#onHeadersStart(direction, frame.streamId);
            this.#finishHeaderBlock(direction, block);
          } else {
            this.#onHeadersStart(direction, frame.streamId);
            state.block = block;
          }
        }
        break;
      case "PUSH_PROMISE":
        if (this.#requireStream(direction, frame.kind, frame.streamId)) {
          this.#onPushPromise(direction, frame.streamId, frame.promisedStreamId);
          state.block = startHeaderBlock("PUSH_PROMISE", frame.streamId, frame.fragment, false, frame.promisedStreamId,
            damagedBytes > 0 || frame.malformed !== undefined, (frame.flags & FLAG_END_HEADERS) !== 0);
          if ((frame.flags & FLAG_END_HEADERS) !== 0) headers = this.#endHeaderBlock(direction);
        }
        break;
      case "CONTINUATION":
        if (state.block === undefined || state.block.streamId !== frame.streamId) {
          this.#anomaly("unexpected-continuation", direction, frame.streamId, `CONTINUATION on stream ${frame.streamId} without an open header block on it`);
          state.block = undefined;
          break;
        }
        if (!appendFragment(state.block, frame.fragment, this.#limits.maxHeaderBlockBytes)) {
          this.#anomaly("header-block-too-large", direction, frame.streamId, `header block on stream ${frame.streamId} passed ${this.#limits.maxHeaderBlockBytes} octets; not decoded`);
        }
        if (damagedBytes > 0) state.block.damaged = true;
        if ((frame.flags & FLAG_END_HEADERS) !== 0) headers = this.#endHeaderBlock(direction);
        break;
      case "PRIORITY":
      case "PRIORITY_UPDATE":
        if (this.#requireStream(direction, frame.kind, frame.streamId) && frame.kind === "PRIORITY" && frame.priority?.dependsOn === frame.streamId) {
          // §5.3.1: "A stream cannot depend on itself" — a stream error PROTOCOL_ERROR.
          this.#anomaly("self-dependency", direction, frame.streamId, `PRIORITY makes stream ${frame.streamId} depend on itself (RFC 9113 §5.3.1)`);
        }
        break;
      case "RST_STREAM":
        if (this.#requireStream(direction, frame.kind, frame.streamId)) this.#onRstStream(direction, frame.streamId, frame.errorCode);
        break;
      case "SETTINGS":
        if (this.#requireConnection(direction, frame.kind, frame.streamId)) this.#onSettings(direction, frame.settings, (frame.flags & FLAG_ACK) !== 0, frame.malformed === undefined);
        break;
      case "PING":
        if (this.#requireConnection(direction, frame.kind, frame.streamId) && frame.malformed === undefined) this.#onPing(direction, frame.opaque, (frame.flags & FLAG_ACK) !== 0);
        break;
      case "GOAWAY":
        if (this.#requireConnection(direction, frame.kind, frame.streamId)) {
          this.info.goaways = appended(this.info.goaways, {
            lastStreamId: frame.lastStreamId, errorCode: errorCodeName(frame.errorCode),
            debugData: latin1(frame.debugData), sender, packetNumber: position.packetNumber,
          });
        }
        break;
      case "WINDOW_UPDATE":
        if (frame.malformed === undefined && damagedBytes === 0) windows = this.#onWindowUpdate(direction, frame.streamId, frame.windowIncrement);
        break;
      case "ALTSVC":
      case "ORIGIN":
        break;
      case "UNKNOWN":
        // §5.5: unknown frame types must be ignored; worth telling, never fatal.
        this.#anomaly("unknown-frame-type", direction, frame.streamId, `frame type 0x${frame.type.toString(16)} (${frame.length} octets) is not one h2scope knows; ignored as RFC 9113 §5.5 requires`);
        break;
    }
    this.#emit({
      kind: "h2.frame", connection: this.info, packetNumber: position.packetNumber, timeUs: position.timeUs, sender, frame,
      streamOffset: position.streamOffset, headers, tableSizeUpdates: this.#tableSizeUpdates, windows, damagedBytes,
    });
    this.#flush();
  }

  /** Frames in `direction` may have been lost: HPACK and both flows' windows are unknown from here. */
  #loseFrames(direction: Direction): void {
    const state = this.#directions[direction];
    state.framesLost = true;
    state.block = undefined;
    state.hpack.desynchronize();
    this.#connectionWindows[0] = undefined;
    this.#connectionWindows[1] = undefined;
    for (const stream of this.#streams.values()) stream.windows = [undefined, undefined];
  }

  /**
   * Whether earlier frames may be missing (joined mid-way, or frames lost to a gap): then a
   * stream we never saw open, or an ACK for a SETTINGS we never saw, is our blind spot, not
   * the peer's fault.
   */
  #uncertain(): boolean {
    return this.info.joinedMidway || this.#directions[0].framesLost || this.#directions[1].framesLost;
  }

  // --- streams -------------------------------------------------------------------------------

  /** Frames that must be on a stream; false (with an anomaly) when sent on stream 0. */
  #requireStream(direction: Direction, kind: string, streamId: number): boolean {
    if (streamId !== 0) return true;
    this.#anomaly(kind === "DATA" ? "data-on-stream-0" : "stream-frame-on-stream-0", direction, 0, `${kind} on stream 0 (a PROTOCOL_ERROR, §6)`);
    return false;
  }

  /** Frames that must be on stream 0; false (with an anomaly) otherwise. */
  #requireConnection(direction: Direction, kind: string, streamId: number): boolean {
    if (streamId === 0) return true;
    this.#anomaly("connection-frame-on-stream", direction, streamId, `${kind} on stream ${streamId}; it belongs on stream 0 (a PROTOCOL_ERROR, §6)`);
    return false;
  }

  #openStream(streamId: number): StreamRecord {
    const clientWindowSize = this.#initialWindow("server");
    const serverWindowSize = this.#initialWindow("client");
    const windows: [Window | undefined, Window | undefined] = [undefined, undefined];
    // Data the client sends is limited by the server's INITIAL_WINDOW_SIZE, and the reverse.
    windows[this.#clientDirection] = clientWindowSize === undefined ? undefined : new Window(clientWindowSize);
    windows[this.#other(this.#clientDirection)] = serverWindowSize === undefined ? undefined : new Window(serverWindowSize);
    const stream: StreamRecord = { id: streamId, state: "idle", windows, metMidway: false };
    if (this.#streams.size < this.#limits.maxStreamsPerConnection) this.#streams.set(streamId, stream);
    this.info.streams++;
    return stream;
  }

  /** The initial stream window `declaredBy` grants its peer, or undefined when unknown. */
  #initialWindow(declaredBy: Peer): number | undefined {
    if (!this.#settings.known && !this.#initialWindowLearned?.[declaredBy]) return undefined;
    return this.#settings.value(declaredBy, SETTINGS_INITIAL_WINDOW_SIZE) ?? DEFAULT_INITIAL_WINDOW_SIZE;
  }

  /**
   * The stream a frame refers to. Streams below the highest one opened by their initiator and
   * no longer tracked are closed (§5.1.1); above it they are idle; when we joined mid-way a
   * stream we never saw open is taken as open and marked so.
   */
  #lookupStream(streamId: number): StreamRecord | "idle" | "closed" {
    const stream = this.#streams.get(streamId);
    if (stream !== undefined) return stream;
    const initiator: Direction = streamId % 2 === 1 ? this.#clientDirection : this.#other(this.#clientDirection);
    if (streamId <= this.#directions[initiator].lastOpenedStreamId) return "closed";
    return "idle";
  }

  #transition(stream: StreamRecord, input: StreamInput, direction: Direction): void {
    const sender = this.#peerOf(direction);
    const next = nextStreamState(stream.state, input, sender);
    if (next === undefined) {
      if (!stream.metMidway) {
        this.#anomaly(stream.state === "closed" ? "frame-on-closed-stream" : "frame-after-end-stream", direction, stream.id,
          `${describeInput(input)} from the ${sender} on stream ${stream.id} in state ${stream.state} (§5.1)`);
      }
      return;
    }
    stream.state = next;
    if (next === "closed") this.#streams.delete(stream.id);
  }

  #onHeadersStart(direction: Direction, streamId: number): void {
    let found = this.#lookupStream(streamId);
    if (found === "closed") {
      const initiator = (streamId % 2 === 1) === (this.#peerOf(direction) === "client");
      if (initiator) {
        // §5.1.1: a new stream must be numbered above every stream its side opened before.
        this.#anomaly("stream-id-not-increasing", direction, streamId, `new stream ${streamId} is not above ${this.#directions[direction].lastOpenedStreamId} (§5.1.1)`);
      } else {
        this.#anomaly("frame-on-closed-stream", direction, streamId, `HEADERS from the ${this.#peerOf(direction)} on closed stream ${streamId} (§5.1)`);
      }
      return;
    }
    if (found === "idle" && this.#uncertain() && this.#rolesCertain && (this.#peerOf(direction) === "server") === (streamId % 2 === 1)) {
      // A response (or trailers) on a stream opened before the capture began.
      found = this.#midwayStream(streamId);
    }
    if (found !== "idle") {
      this.#transition(found, "headers", direction);
      return;
    }
    const sender = this.#peerOf(direction);
    // §5.1.1: client streams are odd, and each new one is numbered above all before it.
    if (sender === "client" && streamId % 2 === 0) {
      this.#anomaly("stream-id-parity", direction, streamId, `the client opened even-numbered stream ${streamId}`);
    } else if (sender === "server") {
      this.#anomaly("frame-on-idle-stream", direction, streamId, `HEADERS from the server on idle stream ${streamId}`);
    }
    const state = this.#directions[direction];
    if (streamId <= state.lastOpenedStreamId) {
      this.#anomaly("stream-id-not-increasing", direction, streamId, `new stream ${streamId} is not above ${state.lastOpenedStreamId}`);
    }
    state.lastOpenedStreamId = Math.max(state.lastOpenedStreamId, streamId);
    this.#transition(this.#openStream(streamId), "headers", direction);
  }

  #onPushPromise(direction: Direction, streamId: number, promisedStreamId: number): void {
    if (this.info.joinedMidway && !this.#rolesCertain) this.#setClientDirection(this.#other(direction), "http2-frames");
    const sender = this.#peerOf(direction);
    if (sender === "client") {
      this.#anomaly("push-from-client", direction, streamId, `the client sent PUSH_PROMISE (only servers push, §8.4)`);
      return;
    }
    if (this.#settings.value("client", SETTINGS_ENABLE_PUSH) === 0 && this.#settings.known) {
      this.#anomaly("push-disabled", direction, streamId, `PUSH_PROMISE although the client set SETTINGS_ENABLE_PUSH to 0`);
    }
    if (promisedStreamId % 2 === 1 || promisedStreamId === 0) {
      this.#anomaly("stream-id-parity", direction, promisedStreamId, `promised stream ${promisedStreamId} is not a valid server stream id (even, non-zero)`);
    }
    const state = this.#directions[direction];
    if (promisedStreamId <= state.lastOpenedStreamId) {
      this.#anomaly("stream-id-not-increasing", direction, promisedStreamId, `promised stream ${promisedStreamId} is not above ${state.lastOpenedStreamId}`);
    }
    state.lastOpenedStreamId = Math.max(state.lastOpenedStreamId, promisedStreamId);
    const promised = this.#openStream(promisedStreamId);
    this.#transition(promised, "push-promise", direction);
  }

  #onRstStream(direction: Direction, streamId: number, errorCode: number): void {
    const sender = this.#peerOf(direction);
    this.info.resets = appended(this.info.resets, { streamId, errorCode: errorCodeName(errorCode), sender, packetNumber: this.#packetNumber });
    const found = this.#lookupStream(streamId);
    if (found === "idle") {
      if (this.#uncertain()) return;
      this.#anomaly("frame-on-idle-stream", direction, streamId, `RST_STREAM on idle stream ${streamId} (§6.4)`);
      return;
    }
    if (found === "closed") return; // §5.1: RST_STREAM may cross the other side's close
    this.#transition(found, "rst-stream", direction);
  }

  /** A stream first met mid-way: taken as open (its start was before the capture). */
  #midwayStream(streamId: number): StreamRecord {
    const initiator: Direction = streamId % 2 === 1 ? this.#clientDirection : this.#other(this.#clientDirection);
    this.#directions[initiator].lastOpenedStreamId = Math.max(this.#directions[initiator].lastOpenedStreamId, streamId);
    const stream = this.#openStream(streamId);
    stream.state = "open";
    stream.metMidway = true;
    stream.windows = [undefined, undefined];
    return stream;
  }

  // --- header blocks ---------------------------------------------------------------------------

  /** The open header block of `direction` ended (END_HEADERS on its last frame). */
  #endHeaderBlock(direction: Direction): HeaderList | undefined {
    const state = this.#directions[direction];
    const block = state.block!;
    state.block = undefined;
    const headers = this.#decodeHeaderBlock(direction, block);
    this.#finishHeaderBlock(direction, block);
    return headers;
  }

  #decodeHeaderBlock(direction: Direction, block: PendingHeaderBlock): HeaderList | undefined {
    const hpack = this.#directions[direction].hpack;
    if (block.damaged) {
      hpack.desynchronize();
      return undefined;
    }
    const result = hpack.decode(joinHeaderBlock(block));
    this.#tableSizeUpdates = result.tableSizeUpdates;
    const fields = result.fields;
    // The pairs are the fields' own, shared by every list that references the same table entry.
    // Sized once (a list grown by push from empty reserves room for 16 or more) and filled by a
    // loop, not map(): no callback per field while this code is still interpreted.
    const headers = new Array<readonly [string, string]>(fields.length);
    for (let i = 0; i < fields.length; i++) headers[i] = fields[i]!.pair;
    this.info.unknownHeaderFields += result.unknownFields;
    if (result.error !== undefined) {
      this.#anomaly("hpack-error", direction, block.streamId, `${result.error.code}: ${result.error.detail}`, { hpackError: result.error.code, byteOffset: result.error.byteOffset });
    }
    if (this.info.joinedMidway && !this.#rolesCertain) this.#inferRolesFromHeaders(direction, headers);
    return headers;
  }

  /** END_STREAM on a HEADERS frame takes effect once its block is complete (§8.1). */
  #finishHeaderBlock(direction: Direction, block: PendingHeaderBlock): void {
    if (block.startedBy !== "HEADERS" || !block.endStream) return;
    const stream = this.#lookupStream(block.streamId);
    if (typeof stream !== "string") this.#transition(stream, "end-stream", direction);
  }

  // --- DATA and flow control ------------------------------------------------------------------

  #onData(direction: Direction, streamId: number, length: number, endStream: boolean, wellFormed: boolean): WindowsAfter | undefined {
    if (!this.#requireStream(direction, "DATA", streamId)) return undefined;
    const flow = this.#flowName(direction);
    // The connection window counts DATA on every stream, closed ones included (§6.9).
    const connectionWindow = this.#connectionWindows[direction];
    if (connectionWindow !== undefined) {
      if (connectionWindow.consume(length) === "window-exceeded") {
        this.#anomaly("window-exceeded", direction, 0, `DATA of ${length} octets on stream ${streamId} with only ${connectionWindow.size + length} left in the connection window (§6.9.1)`,
          { flow, windowBefore: connectionWindow.size + length, length, dataStream: streamId });
      }
      if (this.#dataWindowEvents) this.#windowEvent(flow, 0, -length, connectionWindow.size, "data");
    }
    let found = this.#lookupStream(streamId);
    if (found === "idle" && this.#uncertain()) found = this.#midwayStream(streamId);
    let streamWindow: Window | undefined;
    if (found === "idle") {
      this.#anomaly("frame-on-idle-stream", direction, streamId, `DATA on idle stream ${streamId} (§5.1)`);
    } else if (found === "closed") {
      this.#anomaly("frame-on-closed-stream", direction, streamId, `DATA from the ${this.#peerOf(direction)} on closed stream ${streamId} (§5.1)`);
    } else {
      if (!maySend(found.state, this.#peerOf(direction)) && !found.metMidway) {
        this.#anomaly("frame-after-end-stream", direction, streamId, `DATA from the ${this.#peerOf(direction)} on stream ${streamId} in state ${found.state} (§5.1)`);
      }
      streamWindow = found.windows[direction];
      if (streamWindow !== undefined) {
        if (streamWindow.consume(length) === "window-exceeded") {
          this.#anomaly("window-exceeded", direction, streamId, `DATA of ${length} octets with only ${streamWindow.size + length} left in stream ${streamId}'s window (§6.9.1)`,
            { flow, windowBefore: streamWindow.size + length, length });
        }
        if (this.#dataWindowEvents) this.#windowEvent(flow, streamId, -length, streamWindow.size, "data");
      }
      if (endStream && wellFormed) this.#transition(found, "end-stream", direction);
    }
    return { connectionWindow: connectionWindow?.size ?? null, streamWindow: streamWindow?.size ?? null };
  }

  /** WINDOW_UPDATE sent by `direction`'s side: it grants credit to the other side's data. */
  #onWindowUpdate(direction: Direction, streamId: number, increment: number): WindowsAfter {
    const dataDirection = this.#other(direction);
    const flow = this.#flowName(dataDirection);
    if (increment === 0) {
      // §6.9: a zero increment is a PROTOCOL_ERROR (connection) or stream error.
      this.#anomaly("zero-window-increment", direction, streamId, `WINDOW_UPDATE with increment 0 on ${streamId === 0 ? "the connection" : `stream ${streamId}`} (§6.9)`);
    }
    const connectionWindow = this.#connectionWindows[dataDirection];
    if (streamId === 0) {
      if (connectionWindow !== undefined && increment > 0) {
        if (connectionWindow.increase(increment) === "window-overflow") {
          this.#anomaly("window-overflow", direction, 0, `WINDOW_UPDATE of ${increment} takes the ${flow} connection window from ${connectionWindow.size} past 2^31-1 (FLOW_CONTROL_ERROR, §6.9.1)`,
            { flow, windowBefore: connectionWindow.size, increment, windowAfter: connectionWindow.size + increment });
        } else {
          this.#windowEvent(flow, 0, increment, connectionWindow.size, "window-update");
        }
      }
      return { connectionWindow: connectionWindow?.size ?? null, streamWindow: null };
    }
    let found = this.#lookupStream(streamId);
    if (found === "idle" && this.#uncertain()) found = this.#midwayStream(streamId);
    let streamWindow: Window | undefined;
    if (found === "idle") {
      this.#anomaly("frame-on-idle-stream", direction, streamId, `WINDOW_UPDATE on idle stream ${streamId} (§6.9)`);
    } else if (found !== "closed") {
      streamWindow = found.windows[dataDirection];
      if (streamWindow !== undefined && increment > 0) {
        if (streamWindow.increase(increment) === "window-overflow") {
          this.#anomaly("window-overflow", direction, streamId, `WINDOW_UPDATE of ${increment} takes stream ${streamId}'s ${flow} window from ${streamWindow.size} past 2^31-1 (FLOW_CONTROL_ERROR, §6.9.1)`,
            { flow, windowBefore: streamWindow.size, increment, windowAfter: streamWindow.size + increment });
        } else {
          this.#windowEvent(flow, streamId, increment, streamWindow.size, "window-update");
        }
      }
    }
    return { connectionWindow: connectionWindow?.size ?? null, streamWindow: streamWindow?.size ?? null };
  }

  #flowName(dataDirection: Direction): "client-to-server" | "server-to-client" {
    return dataDirection === this.#clientDirection ? "client-to-server" : "server-to-client";
  }

  #windowEvent(flow: "client-to-server" | "server-to-client", streamId: number, change: number, sizeAfter: number, cause: "data" | "window-update" | "settings"): void {
    (this.#pending ??= []).push({ kind: "h2.window", connection: this.info, packetNumber: this.#packetNumber, timeUs: this.#timeUs, flow, streamId, change, sizeAfter, cause });
  }

  // --- SETTINGS and PING ----------------------------------------------------------------------

  #onSettings(direction: Direction, settings: Array<[number, number]>, ack: boolean, wellFormed: boolean): void {
    const sender = this.#peerOf(direction);
    if (ack) {
      const applied = this.#settings.acknowledged(sender, this.#timeUs);
      if (applied === undefined) {
        if (!this.#uncertain()) this.#anomaly("settings-ack-unexpected", direction, 0, `SETTINGS ACK from the ${sender} with no SETTINGS waiting for one`);
        return;
      }
      this.#applySettings(applied);
      return;
    }
    if (!wellFormed) return;
    for (const [id, value] of settings) {
      const problem = invalidSettingValue(id, value);
      if (problem !== undefined) this.#anomaly("invalid-setting-value", direction, 0, problem, { setting: settingName(id), value });
    }
    this.#settings.declared(sender, settings, this.#timeUs, this.#packetNumber);
  }

  /** Settings `applied.declaredBy` declared now govern the other side's frames. */
  #applySettings(applied: AppliedSettings): void {
    const governedDirection: Direction = applied.declaredBy === "client" ? this.#other(this.#clientDirection) : this.#clientDirection;
    const flow = this.#flowName(governedDirection);
    for (const change of applied.changes) {
      if (change.id === SETTINGS_INITIAL_WINDOW_SIZE) {
        if (!this.#settings.known) {
          (this.#initialWindowLearned ??= {})[applied.declaredBy] = true;
          continue;
        }
        // §6.9.2: every stream window of that flow moves by the difference; they may go negative.
        const delta = change.value - (change.previous ?? DEFAULT_INITIAL_WINDOW_SIZE);
        if (delta === 0) continue;
        for (const stream of this.#streams.values()) {
          const window = stream.windows[governedDirection];
          if (window === undefined) continue;
          if (window.shift(delta) === "window-overflow") {
            // The declaring side's setting broke the rule (the governed side only applied it).
            this.#anomaly("settings-window-overflow", this.#other(governedDirection), stream.id,
              `SETTINGS_INITIAL_WINDOW_SIZE ${change.value} would take stream ${stream.id}'s ${flow} window from ${window.size} past 2^31-1 (FLOW_CONTROL_ERROR, §6.9.2)`,
              { flow, windowBefore: window.size, delta, windowAfter: window.size + delta, initialWindowSize: change.value });
          } else {
            this.#windowEvent(flow, stream.id, delta, window.size, "settings");
          }
        }
      } else if (change.id === SETTINGS_HEADER_TABLE_SIZE) {
        // The declaring side decodes what the other side encodes: its limit binds that encoder.
        this.#directions[governedDirection].hpack.setTableSizeLimit(change.value);
      }
    }
    if (applied.roundTripUs !== undefined && this.info.settingsRoundTripsMs.length < MAX_ROUND_TRIPS_KEPT) {
      this.info.settingsRoundTripsMs = appended(this.info.settingsRoundTripsMs, applied.roundTripUs / 1000);
    }
    (this.#pending ??= []).push({
      kind: "h2.settings-acked", connection: this.info, packetNumber: this.#packetNumber, timeUs: this.#timeUs,
      declaredBy: applied.declaredBy, roundTripUs: applied.roundTripUs,
      changes: applied.changes.map((change) => [settingName(change.id), change.previous ?? null, change.value]),
    });
  }

  #onPing(direction: Direction, opaque: Uint8Array, ack: boolean): void {
    const key = Buffer.from(opaque).toString("hex");
    if (!ack) {
      const sent = (this.#directions[direction].pings ??= new Map());
      // A PING flood with payloads never acknowledged must not grow this without bound.
      if (sent.size >= MAX_UNACKED_PINGS && !sent.has(key)) sent.delete(sent.keys().next().value!);
      sent.set(key, this.#timeUs);
      return;
    }
    const pings = this.#directions[this.#other(direction)].pings;
    const sentUs = pings?.get(key);
    if (sentUs === undefined) return;
    pings!.delete(key);
    const roundTripUs = this.#timeUs - sentUs;
    if (this.info.pingRoundTripsMs.length < MAX_ROUND_TRIPS_KEPT) this.info.pingRoundTripsMs = appended(this.info.pingRoundTripsMs, roundTripUs / 1000);
    (this.#pending ??= []).push({ kind: "h2.ping-acked", connection: this.info, packetNumber: this.#packetNumber, timeUs: this.#timeUs, sender: this.#peerOf(this.#other(direction)), roundTripUs });
  }

  // --- roles when joined mid-way --------------------------------------------------------------

  /** Request pseudo-headers come from the client, :status from the server (§8.3). */
  #inferRolesFromHeaders(direction: Direction, headers: HeaderList): void {
    const names = new Set(headers.map(([name]) => name));
    if (names.has(":method")) this.#setClientDirection(direction, "http2-frames");
    else if (names.has(":status")) this.#setClientDirection(this.#other(direction), "http2-frames");
  }

  #setClientDirection(clientDirection: Direction, source: "http2-frames"): void {
    this.#rolesCertain = true;
    const tcp = this.info.tcp;
    if (clientDirection === this.#clientDirection) {
      if (tcp.roleSource === "port") tcp.roleSource = source;
      return;
    }
    // Swap everything that was keyed by role: stream states named after a side.
    this.#clientDirection = clientDirection;
    tcp.clientDirection = clientDirection;
    tcp.roleSource = source;
    for (const stream of this.#streams.values()) {
      if (stream.state === "half-closed-client") stream.state = "half-closed-server";
      else if (stream.state === "half-closed-server") stream.state = "half-closed-client";
    }
    this.#settings.swapSides();
  }

  // --- events ---------------------------------------------------------------------------------

  #anomaly(code: Http2AnomalyCode, direction: Direction, streamId: number | undefined, detail: string, values?: Record<string, number | string>): void {
    this.info.anomalies++;
    (this.#pending ??= []).push({
      kind: "h2.anomaly", connection: this.info, packetNumber: this.#packetNumber, timeUs: this.#timeUs,
      code, sender: this.#peerOf(direction), streamId, detail, ...(values === undefined ? {} : { values }),
    });
  }

  /**
   * Emits the queued events. The list is let go first: events queued while these go out (a
   * consumer that calls back in, as stopping the analyzer does) land in a new list and go out at
   * the next flush, after these, in order.
   */
  #flush(): void {
    const pending = this.#pending;
    if (pending === undefined) return;
    this.#pending = undefined;
    for (let i = 0; i < pending.length; i++) this.#emit(pending[i]!);
  }
}

/** HTTP2-Settings: a SETTINGS payload in base64url without padding (RFC 7540 §3.2.1). */
export function decodeHttp2SettingsHeader(value: string): Array<[number, number]> {
  const payload = Buffer.from(value.trim(), "base64url");
  const settings: Array<[number, number]> = [];
  for (let offset = 0; offset + 6 <= payload.length; offset += 6) {
    settings.push([payload.readUInt16BE(offset), payload.readUInt32BE(offset + 2)]);
  }
  return settings;
}

function describeInput(input: StreamInput): string {
  switch (input) {
    case "headers": return "HEADERS";
    case "end-stream": return "END_STREAM";
    case "push-promise": return "PUSH_PROMISE";
    case "rst-stream": return "RST_STREAM";
  }
}

/** §6.5.2 value rules; a message when `value` is not allowed for `id`. */
function invalidSettingValue(id: number, value: number): string | undefined {
  if (id === SETTINGS_ENABLE_PUSH && value > 1) return `SETTINGS_ENABLE_PUSH of ${value} (only 0 or 1 allowed; PROTOCOL_ERROR)`;
  if (id === SETTINGS_INITIAL_WINDOW_SIZE && value > MAX_WINDOW_SIZE) return `SETTINGS_INITIAL_WINDOW_SIZE of ${value} is above 2^31-1 (FLOW_CONTROL_ERROR)`;
  if (id === SETTINGS_MAX_FRAME_SIZE && (value < MIN_MAX_FRAME_SIZE || value > MAX_MAX_FRAME_SIZE)) {
    return `SETTINGS_MAX_FRAME_SIZE of ${value} is outside 16384..16777215 (PROTOCOL_ERROR)`;
  }
  return undefined;
}
