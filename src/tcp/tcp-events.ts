// What the TCP stage reports: connections, their ordered bytes, gaps, and transport facts.

import type { DirectionStats } from "./direction-stats.js";
import type { GapReason } from "./reassembler.js";
import type { RoleSource } from "./roles.js";

/**
 * Direction of travel inside a connection: 0 is from endpoint `a` to `b`, 1 the reverse.
 * `a` is the sender of the first packet seen, which is not always the client: use
 * `TcpConnection.clientDirection` to name sides.
 */
export type Direction = 0 | 1;

/**
 * How a connection's tracking ended: on the wire (FIN handshake, RST, a new SYN on its tuple), or
 * by h2scope (idle past Limits.idleConnectionUs, the capture's end, or evicted because more than
 * Limits.maxOpenConnections were open).
 */
export type CloseReason = "fin" | "rst" | "idle" | "end-of-capture" | "port-reuse" | "evicted";

/** The connection may still be open: h2scope stopped following it (the capture ended, or it was evicted). */
export function stillOpenAtClose(reason: CloseReason): boolean {
  return reason === "end-of-capture" || reason === "evicted";
}

/** One TCP connection as observed. Fields update as the capture is read. */
export interface TcpConnection {
  /** 1-based, in order of each connection's first packet; every output uses this id. */
  id: number;
  ipVersion: 4 | 6;
  /** "ip:port" ("[v6]:port"): a sent the first packet seen, b received it. */
  a: string;
  b: string;
  /** The direction whose sender is the client (0 when a is the client). */
  clientDirection: Direction;
  roleSource: RoleSource;
  /** True when the capture holds this connection's SYN; false when it joined mid-way. */
  handshakeSeen: boolean;
  firstPacket: number;
  lastPacket: number;
  firstTimeUs: number;
  lastTimeUs: number;
  /** Indexed by Direction. */
  directions: [DirectionStats, DirectionStats];
  closed: boolean;
  closeReason: CloseReason | undefined;
}

interface Located {
  connection: TcpConnection;
  /** Packet that caused the event. */
  packetNumber: number;
  timeUs: number;
}

export type TcpEvent =
  | (Located & { kind: "tcp.open" })
  /**
   * Payload bytes in order. `bytes` views the capture chunk being pushed: good only during the
   * call (copy it to keep it), and not to be modified.
   */
  | (Located & { kind: "tcp.data"; direction: Direction; streamOffset: number; bytes: Uint8Array })
  | (Located & { kind: "tcp.gap"; direction: Direction; streamOffset: number; length: number; reason: GapReason })
  | (Located & { kind: "tcp.retransmission"; direction: Direction; streamOffset: number; length: number; bytesDiffer: boolean | undefined })
  /** `direction` is the side that advertised a zero window (its receive buffer is full). */
  | (Located & { kind: "tcp.zero-window"; direction: Direction })
  /** `direction` advertised a non-zero window again after a zero one (it read again). */
  | (Located & { kind: "tcp.window-reopened"; direction: Direction; zeroSinceUs: number })
  /**
   * ACKs made no progress for `durationUs` while `direction` had bytes in flight: reported once
   * while it lasts (resolved false) as soon as it passes the threshold, and again when ACKs
   * resume (resolved true) or the connection ends (resolved false).
   */
  | (Located & { kind: "tcp.ack-stall"; direction: Direction; durationUs: number; bytesInFlight: number; resolved: boolean })
  | (Located & { kind: "tcp.fin"; direction: Direction })
  | (Located & { kind: "tcp.rst"; direction: Direction })
  /** The client/server roles were decided again with better evidence. */
  | (Located & { kind: "tcp.roles"; roleSource: RoleSource })
  | (Located & { kind: "tcp.close"; reason: CloseReason });

export type TcpEventKind = TcpEvent["kind"];
