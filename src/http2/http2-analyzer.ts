// The HTTP/2 stage: decides which TCP connections carry HTTP/2 (or TLS), and feeds their bytes
// to an Http2Connection. Everything else passes by untouched.

import { concatBytes, copyBytes, EMPTY_BYTES } from "../bytes/concat.js";
import type { Direction, TcpConnection, TcpEvent } from "../tcp/tcp-events.js";
import { Http2Connection, newConnectionInfo, type Http2ConnectionLimits } from "./connection/http2-connection.js";
import { fieldValue, looksLikeHttp1, parseHttp1Head } from "./detect/http1-head.js";
import { looksLikeTlsHandshake, parseTlsHello } from "./detect/tls-hello.js";
import { CLIENT_PREFACE, type FrameDecoderMode } from "./frame/frame-decoder.js";
import { isPlausibleFrameHeader } from "./frame/frame-plausibility.js";
import { FRAME_HEADER_LENGTH, parseFrameHeader } from "./frame/parse-frame.js";
import type { Http2ConnectionInfo, Http2Discovery, Http2Event } from "./http2-events.js";
import type { KeyLog } from "../tls/keylog.js";
import { cipherSuiteName, tlsVersionName } from "../tls/tls-names.js";
import { TlsSession } from "../tls/tls-session.js";
import { appended, sharedEmptyList } from "../small-list.js";

export interface Http2AnalyzerOptions {
  /** Ports whose connections are HTTP/2 (cleartext) whatever their first bytes. */
  forcedPorts: ReadonlySet<number>;
  limits: Http2ConnectionLimits;
  emit: (event: Http2Event) => void;
  /** DATA frames arrive without their payload bytes. */
  discardDataPayload?: boolean;
  /** `h2.window` events for the windows DATA frames consume (default true). */
  dataWindowEvents?: boolean;
  /** TLS secrets (key log files, pcapng Decryption Secrets Blocks); may grow while reading. */
  keyLog?: KeyLog;
}

const NO_EVENTS = sharedEmptyList<BufferedEvent>();

/** Undecided connections buffer at most this much per direction before being let go. */
const MAX_DETECTION_BYTES = 64 * 1024;
/** Frame headers in a row that make an unannounced byte stream HTTP/2 (joined mid-way). */
const MIDWAY_CHAIN_LENGTH = 3;

type BufferedEvent =
  | { kind: "data"; direction: Direction; bytes: Uint8Array; packetNumber: number; timeUs: number }
  | { kind: "gap"; direction: Direction; length: number; packetNumber: number; timeUs: number };

interface Detecting {
  status: "detecting";
  /** A small list: most connections are decided at their first bytes. */
  events: readonly BufferedEvent[];
  /** Bytes per direction since the start (after any leading gap). */
  heads: [Uint8Array, Uint8Array];
  /** The direction's stream began with a gap (its start is missing). */
  startsWithGap: [boolean, boolean];
  tls: Http2ConnectionInfo | undefined;
}

type Tracked =
  | Detecting
  | { status: "http2"; connection: Http2Connection }
  | TlsTracked
  /** Not HTTP/2: nothing more to do. */
  | { status: "done" };

/** A TLS connection: its hellos are read; its plaintext, when decrypted, is checked for HTTP/2. */
interface TlsTracked {
  status: "tls";
  info: Http2ConnectionInfo;
  session: TlsSession | undefined;
  /** Plaintext waits here until the client's first bytes say whether it is HTTP/2. */
  waiting: Array<{ direction: Direction; bytes: Uint8Array; packetNumber: number; timeUs: number }>;
  clientHead: Uint8Array;
  /** HTTP/2 found inside: the decoder of the plaintext. */
  connection: Http2Connection | undefined;
  /** The plaintext is something else (HTTP/1.1 over TLS, say). */
  notHttp2: boolean;
  waitingBytes: number;
}

export class Http2Analyzer {
  readonly #options: Http2AnalyzerOptions;
  readonly #tracked = new Map<number, Tracked>();

  constructor(options: Http2AnalyzerOptions) {
    this.#options = options;
  }

  tcpEvent(event: TcpEvent): void {
    switch (event.kind) {
      case "tcp.open":
        this.#tracked.set(event.connection.id, {
          status: "detecting", events: NO_EVENTS, heads: [EMPTY_BYTES, EMPTY_BYTES], startsWithGap: [false, false], tls: undefined,
        });
        return;
      case "tcp.data":
        this.data(event.connection, event.direction, event.bytes, event.packetNumber, event.timeUs);
        return;
      case "tcp.gap":
        this.#gap(event.connection, event.direction, event.length, event.packetNumber, event.timeUs);
        return;
      case "tcp.close": {
        const tracked = this.#tracked.get(event.connection.id);
        if (tracked?.status === "detecting") this.#decideAtEnd(event.connection, tracked);
        const final = this.#tracked.get(event.connection.id);
        if (final?.status === "http2") final.connection.end();
        if (final?.status === "tls") final.connection?.end();
        this.#tracked.delete(event.connection.id);
        return;
      }
      default:
        return;
    }
  }

  /** Delivered TCP bytes: what a `tcp.data` event carries, for a caller that has no event (see ConnectionTracker). */
  data(tcp: TcpConnection, direction: Direction, bytes: Uint8Array, packetNumber: number, timeUs: number): void {
    const tracked = this.#tracked.get(tcp.id);
    if (tracked === undefined) return;
    if (tracked.status === "http2") {
      tracked.connection.data(direction, bytes, packetNumber, timeUs);
      return;
    }
    if (tracked.status === "tls") {
      tracked.session?.data(direction, bytes, packetNumber, timeUs);
      return;
    }
    if (tracked.status === "done") return;
    if (tracked.events.length === 0 && startsWith(bytes, CLIENT_PREFACE)) {
      // The commonest start by far: the connection's first bytes are the client preface. Decided
      // here, they go straight to the decoder like any later bytes, with no copy kept for a replay.
      this.#setClient(tcp, direction, "http2-preface");
      this.#start(tcp, NO_EVENTS, "prior-knowledge", modesFor(direction, "preface", "frames"), packetNumber, timeUs).data(direction, bytes, packetNumber, timeUs);
      return;
    }
    // Replayed once the connection is recognised, after this call: a copy, since the bytes are a
    // view into a capture chunk its reader may refill. A direction's first bytes are also its
    // head: one copy for both (a server that speaks first may wait thousands of packets for the
    // client's preface).
    const copy = copyBytes(bytes);
    tracked.events = appended(tracked.events, { kind: "data", direction, bytes: copy, packetNumber, timeUs });
    const head = tracked.heads[direction];
    if (head.length === 0) tracked.heads[direction] = copy;
    else if (head.length < MAX_DETECTION_BYTES) tracked.heads[direction] = concatBytes(head, bytes);
    this.#decide(tcp, tracked, packetNumber, timeUs);
  }

  #gap(tcp: TcpConnection, direction: Direction, length: number, packetNumber: number, timeUs: number): void {
    const tracked = this.#tracked.get(tcp.id);
    if (tracked === undefined) return;
    if (tracked.status === "http2") {
      tracked.connection.gap(direction, length, packetNumber, timeUs);
      return;
    }
    if (tracked.status === "tls") {
      tracked.session?.gap(direction, length);
      return;
    }
    if (tracked.status === "done") return;
    tracked.events = appended(tracked.events, { kind: "gap", direction, length, packetNumber, timeUs });
    // Bytes after a gap start afresh: look at them as a stream joined mid-way.
    tracked.heads[direction] = EMPTY_BYTES;
    tracked.startsWithGap[direction] = true;
  }

  /** Decides what the connection is, if its first bytes say enough. */
  #decide(tcp: TcpConnection, tracked: Detecting, packetNumber: number, timeUs: number): void {
    const client = tcp.clientDirection;
    const server: Direction = client === 0 ? 1 : 0;
    for (const direction of [client, server] as const) {
      const head = tracked.heads[direction];
      if (tracked.startsWithGap[direction] || head.length === 0) continue;
      // The client preface: prior knowledge, on any port (RFC 9113 §3.3).
      if (startsWith(head, CLIENT_PREFACE)) {
        this.#setClient(tcp, direction, "http2-preface");
        const modes = modesFor(direction, "preface", "frames");
        this.#start(tcp, tracked.events, "prior-knowledge", modes, packetNumber, timeUs);
        return;
      }
      if (isPrefixOf(head, CLIENT_PREFACE)) return; // wait for the rest of it
      if (looksLikeTlsHandshake(head)) {
        const hello = parseTlsHello(head);
        if (hello === undefined) return;
        if (hello !== "invalid" && hello.kind === "client-hello") {
          this.#setClient(tcp, direction, "tls-client-hello");
          this.#startTls(tcp, tracked, hello.alpn, hello.serverName, packetNumber, timeUs);
          return;
        }
      }
      if (!looksLikeHttp1(head)) continue;
      const http1 = parseHttp1Head(head);
      if (http1 === undefined) return;
      if (http1 !== "invalid" && !http1.startLine.startsWith("HTTP/")) {
        const upgrade = (fieldValue(http1, "upgrade") ?? "").toLowerCase().split(/\s*,\s*/);
        this.#setClient(tcp, direction, "http1-request");
        if (upgrade.includes("h2c")) {
          this.#start(tcp, tracked.events, "h2c-upgrade", modesFor(direction, "http1-request", "http1-response"), packetNumber, timeUs);
        } else {
          this.#finish(tcp);
        }
        return;
      }
    }
    // The client's first bytes decide (a server may speak first, before the preface arrives),
    // unless they will never come: joined mid-way, or lost to a gap.
    const clientSpoke = tracked.heads[client].length > 0 || tracked.startsWithGap[client] || !tcp.handshakeSeen;
    if (this.#isForced(tcp) && clientSpoke) {
      this.#start(tcp, tracked.events, "forced-port", ["hunting", "hunting"], packetNumber, timeUs);
      return;
    }
    // No announcement: HTTP/2 joined mid-way if a direction shows a chain of frame headers.
    const midway = !tcp.handshakeSeen || tracked.startsWithGap[0] || tracked.startsWithGap[1];
    if (midway && (hasFrameChain(tracked.heads[0]) || hasFrameChain(tracked.heads[1]))) {
      this.#start(tcp, tracked.events, "mid-connection", ["hunting", "hunting"], packetNumber, timeUs);
      return;
    }
    const decided = (direction: Direction) => tracked.heads[direction].length >= CLIENT_PREFACE.length;
    if (!midway && decided(client)) this.#finish(tcp);
    else if (tracked.heads[0].length >= MAX_DETECTION_BYTES || tracked.heads[1].length >= MAX_DETECTION_BYTES) this.#finish(tcp);
  }

  /** At the end, a forced port still counts even with few bytes. */
  #decideAtEnd(tcp: TcpConnection, tracked: Detecting): void {
    const last = tracked.events.at(-1);
    if (last !== undefined && this.#isForced(tcp)) this.#start(tcp, tracked.events, "forced-port", ["hunting", "hunting"], last.packetNumber, last.timeUs);
  }

  #isForced(tcp: TcpConnection): boolean {
    const ports = this.#options.forcedPorts;
    return ports.size > 0 && (ports.has(portOf(tcp.a)) || ports.has(portOf(tcp.b)));
  }

  #setClient(tcp: TcpConnection, direction: Direction, source: "http2-preface" | "tls-client-hello" | "http1-request"): void {
    if (tcp.clientDirection === direction) return;
    // The payload is better evidence than a port guess; a seen SYN is better still.
    if (tcp.roleSource === "syn" || tcp.roleSource === "syn-ack") return;
    tcp.clientDirection = direction;
    tcp.roleSource = source;
  }

  /** Starts decoding as HTTP/2, replaying `buffered` (what arrived while deciding); returns the new connection. */
  #start(tcp: TcpConnection, buffered: readonly BufferedEvent[], discovery: Http2Discovery, modes: [FrameDecoderMode, FrameDecoderMode],
    packetNumber: number, timeUs: number): Http2Connection {
    const connection = new Http2Connection({
      tcp, discovery, modes, limits: this.#options.limits, emit: this.#options.emit, discardDataPayload: this.#options.discardDataPayload,
      dataWindowEvents: this.#options.dataWindowEvents,
    });
    this.#tracked.set(tcp.id, { status: "http2", connection });
    this.#options.emit({ kind: "h2.connection", connection: connection.info, packetNumber, timeUs });
    // Replay what arrived while deciding, in capture order.
    for (const event of buffered) {
      if (event.kind === "data") connection.data(event.direction, event.bytes, event.packetNumber, event.timeUs);
      else connection.gap(event.direction, event.length, event.packetNumber, event.timeUs);
    }
    return connection;
  }

  #startTls(tcp: TcpConnection, tracked: Detecting, alpnOffered: string[], serverName: string | undefined, packetNumber: number, timeUs: number): void {
    const keyLog = this.#options.keyLog;
    const info = newConnectionInfo(tcp, "tls", false, {
      alpnOffered, alpnSelected: undefined, serverName, version: undefined, cipherSuite: undefined,
      decryption: "pending",
      decryptionDetail: "",
      plaintext: undefined,
    });
    const state: TlsTracked = { status: "tls", info, session: undefined, waiting: [], waitingBytes: 0, clientHead: EMPTY_BYTES, connection: undefined, notHttp2: false };
    // Even without keys the session reads the hellos (ALPN chosen, version, suite).
    state.session = new TlsSession(keyLog ?? { sessions: new Map(), badLines: [] }, tcp.clientDirection, {
      plaintext: (direction, bytes, plainPacket, plainTime) => {
        // Once anything was decrypted the connection counts as decrypted.
        info.tls!.decryption = "decrypted";
        this.#plaintext(tcp, state, direction, bytes, plainPacket, plainTime);
      },
      status: (decryption, detail) => {
        if (info.tls!.decryption === "decrypted") {
          // A later problem (a gap, a record that fails) is kept in the detail.
          if (decryption !== "decrypted") info.tls!.decryptionDetail = detail;
          return;
        }
        info.tls!.decryption = decryption;
        info.tls!.decryptionDetail = decryption === "no-keys" && (keyLog === undefined || keyLog.sessions.size === 0)
          ? "no key log (--keylog) and no Decryption Secrets Block in the capture"
          : detail;
      },
      serverHello: (hello) => {
        info.tls!.alpnSelected = hello.alpn[0];
        info.tls!.version = tlsVersionName(hello.version);
        info.tls!.cipherSuite = cipherSuiteName(hello.cipherSuite ?? 0);
      },
    });
    this.#tracked.set(tcp.id, state);
    this.#options.emit({ kind: "h2.connection", connection: info, packetNumber, timeUs });
    for (const event of tracked.events) {
      if (event.kind === "data") state.session.data(event.direction, event.bytes, event.packetNumber, event.timeUs);
      else state.session.gap(event.direction, event.length);
    }
  }

  /** Decrypted bytes: HTTP/2 when the client's begin with the preface. */
  #plaintext(tcp: TcpConnection, state: TlsTracked, direction: Direction, bytes: Uint8Array, packetNumber: number, timeUs: number): void {
    if (state.connection !== undefined) {
      state.connection.data(direction, bytes, packetNumber, timeUs);
      return;
    }
    if (state.notHttp2) return;
    state.waiting.push({ direction, bytes, packetNumber, timeUs });
    state.waitingBytes += bytes.length;
    if (direction !== tcp.clientDirection) {
      // The client has not spoken: the server's plaintext waits, but not without bound.
      if (state.waitingBytes > MAX_DETECTION_BYTES) {
        state.notHttp2 = true;
        state.info.tls!.plaintext = "other";
        state.waiting = [];
      }
      return;
    }
    state.clientHead = concatBytes(state.clientHead, bytes);
    if (startsWith(state.clientHead, CLIENT_PREFACE)) {
      state.connection = new Http2Connection({
        tcp, discovery: "tls", modes: modesFor(tcp.clientDirection, "preface", "frames"), limits: this.#options.limits,
        emit: this.#options.emit, discardDataPayload: this.#options.discardDataPayload, dataWindowEvents: this.#options.dataWindowEvents, info: state.info,
      });
      state.info.tls!.plaintext = "http2";
      for (const event of state.waiting) state.connection.data(event.direction, event.bytes, event.packetNumber, event.timeUs);
      state.waiting = [];
      state.clientHead = EMPTY_BYTES;
    } else if (!isPrefixOf(state.clientHead, CLIENT_PREFACE)) {
      state.notHttp2 = true;
      state.info.tls!.plaintext = "other";
      state.waiting = [];
      state.clientHead = EMPTY_BYTES;
    }
  }

  #finish(tcp: TcpConnection): void {
    this.#tracked.set(tcp.id, { status: "done" });
  }
}

function modesFor(clientDirection: Direction, clientMode: FrameDecoderMode, serverMode: FrameDecoderMode): [FrameDecoderMode, FrameDecoderMode] {
  return clientDirection === 0 ? [clientMode, serverMode] : [serverMode, clientMode];
}

/** A chain of believable frame headers starting somewhere in the first bytes. */
function hasFrameChain(bytes: Uint8Array): boolean {
  for (let start = 0; start + FRAME_HEADER_LENGTH <= bytes.length; start++) {
    let chain = 0;
    let cursor = start;
    while (cursor + FRAME_HEADER_LENGTH <= bytes.length) {
      const header = parseFrameHeader(bytes, cursor);
      if (!isPlausibleFrameHeader(header, (bytes[cursor + 5]! & 0x80) !== 0, 16_384)) break;
      chain++;
      cursor += FRAME_HEADER_LENGTH + header.length;
    }
    // Enough headers in a row, or two that account for every byte so far.
    if (chain >= MIDWAY_CHAIN_LENGTH || (chain >= 2 && cursor === bytes.length)) return true;
  }
  return false;
}

function startsWith(bytes: Uint8Array, prefix: Uint8Array): boolean {
  if (bytes.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (bytes[i] !== prefix[i]) return false;
  return true;
}

function isPrefixOf(bytes: Uint8Array, whole: Uint8Array): boolean {
  if (bytes.length >= whole.length) return false;
  for (let i = 0; i < bytes.length; i++) if (bytes[i] !== whole[i]) return false;
  return true;
}

function portOf(endpoint: string): number {
  return Number(endpoint.slice(endpoint.lastIndexOf(":") + 1));
}
