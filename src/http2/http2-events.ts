// What the HTTP/2 stage reports: connections found, frames decoded, windows, and anomalies.

import type { TcpConnection } from "../tcp/tcp-events.js";
import type { Frame } from "./frame/frame.js";
import type { Peer } from "./connection/stream-state.js";
import type { NamedSettings } from "./connection/settings-tracker.js";
import type { TlsDecryption } from "../tls/tls-session.js";

/** How the connection was recognised as HTTP/2 (or as TLS, not decoded yet). */
export type Http2Discovery =
  /** The client preface opened the connection (RFC 9113 §3.3). */
  | "prior-knowledge"
  /** HTTP/1.1 Upgrade: h2c answered by 101 (RFC 7540 §3.2). */
  | "h2c-upgrade"
  /** The capture joined mid-way; frame boundaries were found by checking a chain of frame headers. */
  | "mid-connection"
  /** --h2-port named the port; no preface was seen. */
  | "forced-port"
  /** TLS: listed with its ALPN; decoded when a key log holds its secrets (see `tls.decryption`). */
  | "tls";

/** One HTTP/2 (or TLS) connection, updated as the capture is read. */
export interface Http2ConnectionInfo {
  tcp: TcpConnection;
  discovery: Http2Discovery;
  /** True when frames before the first one decoded were missed (no preface seen). */
  joinedMidway: boolean;
  /** ALPN protocols the ClientHello offered and the one the ServerHello chose (TLS 1.2 shows it). */
  tls: {
    alpnOffered: string[];
    alpnSelected: string | undefined;
    serverName: string | undefined;
    /** From the ServerHello: "TLS 1.3", "TLS 1.2", …, and the cipher suite's IANA name (or hex). */
    version: string | undefined;
    cipherSuite: string | undefined;
    /** Whether the application data was decrypted (with a key log), and if not, why. */
    decryption: TlsDecryption;
    decryptionDetail: string;
    /** What the decrypted client bytes turned out to be: HTTP/2 (the preface), or something else. */
    plaintext: "http2" | "other" | undefined;
  } | undefined;
  /** Frames per type name, both directions. */
  framesByType: Record<string, number>;
  /** Streams seen (opened, promised, or first met mid-way). */
  streams: number;
  /** Lists that most connections keep empty or short: small lists (src/small-list.ts), grown only by `appended`. */
  resets: ReadonlyArray<{ streamId: number; errorCode: string; sender: Peer; packetNumber: number }>;
  goaways: ReadonlyArray<{ lastStreamId: number; errorCode: string; debugData: string; sender: Peer; packetNumber: number }>;
  /** Header fields that referenced HPACK entries we never saw (joined mid-way or after a gap). */
  unknownHeaderFields: number;
  anomalies: number;
  /** SETTINGS→ACK and PING→ACK round trips in milliseconds, in order (bounded). */
  settingsRoundTripsMs: readonly number[];
  pingRoundTripsMs: readonly number[];
  /** Settings in force for each side at the end ([name, value]); undefined if never known. */
  settings: Record<Peer, NamedSettings> | undefined;
}

interface Located {
  connection: Http2ConnectionInfo;
  packetNumber: number;
  timeUs: number;
}

/** Windows for the flow a DATA or WINDOW_UPDATE frame governs, after it; null when unknown. */
export interface WindowsAfter {
  connectionWindow: number | null;
  streamWindow: number | null;
}

export type Http2AnomalyCode =
  | "bad-preface"
  | "malformed-frame"
  | "frame-too-large"
  | "frame-damaged-by-gap"
  | "sync-lost"
  | "truncated-frame"
  | "data-on-stream-0"
  | "stream-frame-on-stream-0"
  | "connection-frame-on-stream"
  | "frame-on-idle-stream"
  | "frame-on-closed-stream"
  | "frame-after-end-stream"
  | "self-dependency"
  | "stream-id-parity"
  | "stream-id-not-increasing"
  | "push-from-client"
  | "push-disabled"
  | "continuation-expected"
  | "unexpected-continuation"
  | "header-block-too-large"
  | "hpack-error"
  | "settings-ack-unexpected"
  | "invalid-setting-value"
  | "zero-window-increment"
  | "window-overflow"
  | "window-exceeded"
  | "settings-window-overflow"
  | "unknown-frame-type";

/**
 * A decoded header list: [name, value] pairs in block order. Pairs are shared with the HPACK
 * tables and with other lists that referenced the same entry: read them, never modify them.
 */
export type HeaderList = ReadonlyArray<readonly [string, string]>;

export type Http2Event =
  | (Located & { kind: "h2.connection" })
  | (Located & {
      kind: "h2.frame";
      sender: Peer;
      frame: Frame;
      /** Offset of the frame header in the sender's TCP byte stream. */
      streamOffset: number;
      /** Decoded header block, on the frame that ends it (HEADERS/PUSH_PROMISE/CONTINUATION). */
      headers: HeaderList | undefined;
      /** HPACK dynamic table size updates that began the block (RFC 7541 §6.3). */
      tableSizeUpdates: number[] | undefined;
      windows: WindowsAfter | undefined;
      /** Zero-filled bytes where a TCP gap fell inside this frame. */
      damagedBytes: number;
    })
  | (Located & {
      kind: "h2.window";
      /** Whose data the window limits. */
      flow: "client-to-server" | "server-to-client";
      streamId: number;
      change: number;
      sizeAfter: number;
      cause: "data" | "window-update" | "settings";
    })
  | (Located & {
      kind: "h2.anomaly";
      code: Http2AnomalyCode;
      /** The side whose frame broke the rule. */
      sender: Peer;
      streamId: number | undefined;
      detail: string;
      /** Machine-readable numbers behind the detail (window before, increment, …), when any. */
      values?: Record<string, number | string>;
    })
  | (Located & { kind: "h2.settings-acked"; declaredBy: Peer; roundTripUs: number | undefined; changes: Array<[string, number | null, number]> })
  | (Located & { kind: "h2.ping-acked"; sender: Peer; roundTripUs: number });

export type Http2EventKind = Http2Event["kind"];
