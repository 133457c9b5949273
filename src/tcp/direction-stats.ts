// Transport facts for one direction of a TCP connection, kept for reports and later rules.

export interface DirectionStats {
  /** Packets sent in this direction (every TCP segment, pure ACKs included). */
  packets: number;
  /** Sum of TCP payload lengths, retransmissions included (tshark's tcp.len summed). */
  payloadBytes: number;
  /** Bytes handed on in order, each exactly once. */
  deliveredBytes: number;
  /** Holes that could not be filled and were skipped. */
  gaps: number;
  gapBytes: number;
  /** Segments that carried only bytes already seen (fully or partly). */
  retransmissions: number;
  retransmittedBytes: number;
  /** Segments that arrived late with new bytes, filling a hole (tshark's "out-of-order"). */
  outOfOrderSegments: number;
  /** Retransmitted bytes that differ from the bytes first seen at the same offset. */
  overlapMismatches: number;
  keepAlives: number;
  /** Segments sent with a zero receive window (this side's buffer was full). */
  zeroWindowAdvertisements: number;
  /** Segments sent to probe the peer's zero window. */
  zeroWindowProbes: number;
  /** Largest amount sent but not yet acknowledged by the peer, in bytes. */
  maxBytesInFlight: number;
  /** Longest time ACKs made no progress while bytes were in flight, in microseconds. */
  maxAckStallUs: number;
  synSeen: boolean;
  /** Capture time of this direction's first FIN / RST, or undefined. */
  finTimeUs: number | undefined;
  rstTimeUs: number | undefined;
}

export function newDirectionStats(): DirectionStats {
  return {
    packets: 0, payloadBytes: 0, deliveredBytes: 0, gaps: 0, gapBytes: 0, retransmissions: 0,
    retransmittedBytes: 0, outOfOrderSegments: 0, overlapMismatches: 0, keepAlives: 0,
    zeroWindowAdvertisements: 0, zeroWindowProbes: 0, maxBytesInFlight: 0, maxAckStallUs: 0,
    synSeen: false, finTimeUs: undefined, rstTimeUs: undefined,
  };
}
