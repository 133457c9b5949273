// Whether a side is failing to read its socket: zero TCP windows it advertised, and ACK stalls
// its peer's data suffered. Flood rules use it to say the sender is not reading the answers.

import type { Peer } from "../../http2/connection/stream-state.js";
import type { RuleEvent } from "../rule.js";
import { otherPeer } from "./describe.js";

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
