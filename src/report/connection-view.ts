// A TCP connection seen from the user's side: client and server named, numbers per direction.

import type { DirectionStats } from "../tcp/direction-stats.js";
import type { TcpConnection } from "../tcp/tcp-events.js";

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
}

export function toConnectionView(connection: TcpConnection): ConnectionView {
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
