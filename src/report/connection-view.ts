// A TCP connection seen from the user's side: client and server named, numbers per direction.

import type { NamedSettings } from "../http2/connection/settings-tracker.js";
import type { Http2ConnectionInfo } from "../http2/http2-events.js";
import type { DirectionStats } from "../tcp/direction-stats.js";
import type { TcpConnection } from "../tcp/tcp-events.js";
import type { Severity } from "../rules/rule.js";
import { sharedEmptyList } from "../small-list.js";

export interface DirectionView {
  packets: number;
  /** Sum of TCP payload lengths, retransmissions included (as tshark's tcp.len). */
  payloadBytes: number;
  /** Unique bytes rebuilt in order. */
  deliveredBytes: number;
  gaps: number;
  gapBytes: number;
  retransmissions: number;
  retransmittedBytes: number;
  outOfOrderSegments: number;
  overlapMismatches: number;
  keepAlives: number;
  zeroWindowAdvertisements: number;
  zeroWindowProbes: number;
  maxBytesInFlight: number;
  /** Longest time without ACK progress while bytes were in flight, in seconds. */
  maxAckStallSeconds: number;
  syn: boolean;
  fin: boolean;
  rst: boolean;
}

/** The stable JSON shape of a connection (documented in the README). */
export interface ConnectionView {
  id: number;
  client: string;
  server: string;
  ipVersion: 4 | 6;
  /** How client and server were told apart. */
  rolesDecidedBy: string;
  /** False when the capture started after the connection did (no SYN seen). */
  handshakeSeen: boolean;
  firstPacket: number;
  lastPacket: number;
  /** Epoch seconds. */
  startTime: number;
  endTime: number;
  durationSeconds: number;
  closeReason: string | undefined;
  clientToServer: DirectionView;
  serverToClient: DirectionView;
  /** Present when the connection carries HTTP/2 (or is TLS, listed with its ALPN). */
  http2?: Http2View;
  /** `analyze` only: the connection's findings by severity, listed in the report or not. */
  findingCounts?: Record<Severity, number>;
}

/** The HTTP/2 side of a connection (README: connections JSON). */
export interface Http2View {
  /** prior-knowledge, h2c-upgrade, mid-connection, forced-port, or tls (see `tls.decryption`). */
  discovery: string;
  joinedMidway: boolean;
  tls?: {
    alpnOffered: string[]; alpnSelected: string | null; serverName: string | null; version: string | null; cipherSuite: string | null;
    decryption: string; decryptionDetail: string;
    /** "http2", "other" (decrypted, not HTTP/2), or null (not decrypted). */
    plaintext: string | null;
  };
  streams: number;
  framesByType: Record<string, number>;
  resets: ReadonlyArray<{ stream: number; errorCode: string; sender: string; packet: number }>;
  goaways: ReadonlyArray<{ lastStreamId: number; errorCode: string; debugData: string; sender: string; packet: number }>;
  unknownHeaderFields: number;
  anomalies: number;
  settingsRoundTripsMs: readonly number[];
  pingRoundTripsMs: readonly number[];
  /** Settings in force at the end per side; null when never known (joined mid-way). */
  settings: { client: NamedSettings; server: NamedSettings } | null;
}

/**
 * A TLS connection whose HTTP/2 was not read: not decrypted, or decrypted and not HTTP/2. Takes
 * a view or the HTTP/2 facts it is made of (same fields).
 */
export function isEncrypted(http2: { discovery: string; tls?: { decryption: string; plaintext?: string | null } }): boolean {
  return http2.discovery === "tls" && (http2.tls?.decryption !== "decrypted" || http2.tls.plaintext !== "http2");
}

/** How a TLS connection that was not read as HTTP/2 is described: "decrypted, not HTTP/2" or why not decrypted. */
export function whyNotHttp2(http2: Http2View): string {
  return http2.tls?.decryption === "decrypted" ? "decrypted, not HTTP/2" : `not decrypted: ${http2.tls?.decryption ?? "no-keys"}`;
}

export function toConnectionView(connection: TcpConnection, http2?: Http2ConnectionInfo): ConnectionView {
  const clientDirection = connection.clientDirection;
  const serverDirection = clientDirection === 0 ? 1 : 0;
  return {
    id: connection.id,
    client: clientDirection === 0 ? connection.a : connection.b,
    server: clientDirection === 0 ? connection.b : connection.a,
    ipVersion: connection.ipVersion,
    rolesDecidedBy: connection.roleSource,
    handshakeSeen: connection.handshakeSeen,
    firstPacket: connection.firstPacket,
    lastPacket: connection.lastPacket,
    startTime: connection.firstTimeUs / 1e6,
    endTime: connection.lastTimeUs / 1e6,
    durationSeconds: (connection.lastTimeUs - connection.firstTimeUs) / 1e6,
    closeReason: connection.closeReason,
    clientToServer: toDirectionView(connection.directions[clientDirection]),
    serverToClient: toDirectionView(connection.directions[serverDirection]),
    ...(http2 === undefined ? {} : { http2: toHttp2View(http2) }),
  };
}

/** Most connections' views have none: one shared empty list each, not two new arrays per kept view. */
const NO_RESET_VIEWS = sharedEmptyList<Http2View["resets"][number]>();
const NO_GOAWAY_VIEWS = sharedEmptyList<Http2View["goaways"][number]>();

function toHttp2View(info: Http2ConnectionInfo): Http2View {
  return {
    discovery: info.discovery,
    joinedMidway: info.joinedMidway,
    ...(info.tls === undefined ? {} : {
      tls: {
        alpnOffered: info.tls.alpnOffered, alpnSelected: info.tls.alpnSelected ?? null, serverName: info.tls.serverName ?? null,
        version: info.tls.version ?? null, cipherSuite: info.tls.cipherSuite ?? null,
        decryption: info.tls.decryption, decryptionDetail: info.tls.decryptionDetail, plaintext: info.tls.plaintext ?? null,
      },
    }),
    streams: info.streams,
    framesByType: info.framesByType,
    resets: info.resets.length === 0 ? NO_RESET_VIEWS
      : info.resets.map((reset) => ({ stream: reset.streamId, errorCode: reset.errorCode, sender: reset.sender, packet: reset.packetNumber })),
    goaways: info.goaways.length === 0 ? NO_GOAWAY_VIEWS
      : info.goaways.map((goaway) => ({ lastStreamId: goaway.lastStreamId, errorCode: goaway.errorCode, debugData: goaway.debugData, sender: goaway.sender, packet: goaway.packetNumber })),
    unknownHeaderFields: info.unknownHeaderFields,
    anomalies: info.anomalies,
    settingsRoundTripsMs: info.settingsRoundTripsMs,
    pingRoundTripsMs: info.pingRoundTripsMs,
    settings: info.settings ?? null,
  };
}

function toDirectionView(stats: DirectionStats): DirectionView {
  return {
    packets: stats.packets,
    payloadBytes: stats.payloadBytes,
    deliveredBytes: stats.deliveredBytes,
    gaps: stats.gaps,
    gapBytes: stats.gapBytes,
    retransmissions: stats.retransmissions,
    retransmittedBytes: stats.retransmittedBytes,
    outOfOrderSegments: stats.outOfOrderSegments,
    overlapMismatches: stats.overlapMismatches,
    keepAlives: stats.keepAlives,
    zeroWindowAdvertisements: stats.zeroWindowAdvertisements,
    zeroWindowProbes: stats.zeroWindowProbes,
    maxBytesInFlight: stats.maxBytesInFlight,
    maxAckStallSeconds: stats.maxAckStallUs / 1e6,
    syn: stats.synSeen,
    fin: stats.finTimeUs !== undefined,
    rst: stats.rstTimeUs !== undefined,
  };
}
