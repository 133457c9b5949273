// Whether a side is failing to read its socket: zero TCP windows it advertised, and ACK stalls
// its peer's data suffered. Flood rules use it to say the sender is not reading the answers.

import type { Peer } from "../../http2/connection/stream-state.js";
import type { RuleEvent } from "../rule.js";
import { formatMs, formatNumber, otherPeer } from "./describe.js";

export interface ReadPressure {
  /** Zero windows this side advertised (its receive buffer was full). */
  zeroWindows: number;
  /** The other side's data waited for this side's TCP ACKs (how often, and the longest). */
  ackStalls: number;
  longestAckStallUs: number;
}

/** Applies a TCP event to the side it concerns; true when it was one (the caller is done with it). */
export function noteReadPressure(event: RuleEvent, sides: Record<Peer, ReadPressure>, clientDirection: 0 | 1): boolean {
  if (event.kind !== "tcp.zero-window" && event.kind !== "tcp.ack-stall") return false;
  const peer: Peer = event.direction === clientDirection ? "client" : "server";
  if (event.kind === "tcp.zero-window") {
    sides[peer].zeroWindows++;
  } else {
    // `peer` had bytes in flight: the other side is the one not acknowledging them.
    const slow = sides[otherPeer(peer)];
    slow.ackStalls++;
    slow.longestAckStallUs = Math.max(slow.longestAckStallUs, event.durationUs);
  }
  return true;
}

/**
 * Where servers cut off a peer whose control-frame ACKs (PING, SETTINGS) pile up unsent: the
 * limits the flood rules compare a backlog with.
 */
export const CONTROL_FRAME_QUEUE_LIMITS: ReadonlyArray<{ what: string; limit: number }> = [
  { what: "nghttp2: more than 1000 queued PING/SETTINGS ACKs → NGHTTP2_ERR_FLOODED, connection dropped", limit: 1000 },
  { what: "Envoy: max_outbound_control_frames 1000 (PING ACK, SETTINGS ACK, RST_STREAM) → outbound_control_flood, connection closed", limit: 1000 },
  { what: "Go: more than 10,000 queued control frames → connection closed", limit: 10_000 },
];

/** The sentence that says `sender` is not reading its socket, or "" when nothing showed it. */
export function notReadingText(pressure: ReadPressure, sender: Peer): string {
  if (pressure.zeroWindows === 0 && pressure.ackStalls === 0) return "";
  const receiver = otherPeer(sender);
  const zero = pressure.zeroWindows > 0
    ? `it advertised a zero TCP window ${pressure.zeroWindows === 1 ? "once" : `${formatNumber(pressure.zeroWindows)} times`}`
    : "";
  const and = pressure.zeroWindows > 0 && pressure.ackStalls > 0 ? " and " : "";
  const stalls = pressure.ackStalls > 0 ? `the ${receiver}'s data waited up to ${formatMs(pressure.longestAckStallUs)} for its TCP ACKs` : "";
  return ` Worse, the ${sender} is not reading: ${zero}${and}${stalls}, so the ACKs pile up in the ${receiver}'s memory.`;
}
