// TCP header (RFC 9293 §3.1): ports, sequence numbers, flags and window. No option is read:
// nothing h2scope reports depends on one (a zero window is zero at any scale).

import { EMPTY_BYTES } from "../bytes/concat.js";

export const TCP_FIN = 0x01;
export const TCP_SYN = 0x02;
export const TCP_RST = 0x04;
export const TCP_PSH = 0x08;
export const TCP_ACK = 0x10;

const MIN_HEADER_LENGTH = 20;

/** One TCP segment, filled in place per packet (the hot path does not allocate). */
export interface TcpSegment {
  sourcePort: number;
  destinationPort: number;
  /** Unsigned 32-bit sequence number. */
  sequence: number;
  /** Unsigned 32-bit acknowledgment number (meaningful when the ACK flag is set). */
  acknowledgment: number;
  flags: number;
  /** Raw window field, before any window scaling. */
  window: number;
  /** Payload length from the IP length fields (what tshark calls tcp.len). */
  payloadLength: number;
  /** The captured payload bytes: shorter than payloadLength when the snapshot length cut it. */
  payload: Uint8Array;
}

export function newTcpSegment(): TcpSegment {
  return {
    sourcePort: 0, destinationPort: 0, sequence: 0, acknowledgment: 0, flags: 0, window: 0,
    payloadLength: 0, payload: EMPTY_BYTES,
  };
}

/**
 * Parses the TCP header at `offset`; `segmentLength` is the TCP length from the IP header, and
 * the captured packet ends at `end`. Returns false when the captured bytes do not hold a whole
 * header, or the header is impossible.
 */
export function parseTcpSegment(data: Uint8Array, offset: number, segmentLength: number, segment: TcpSegment, end = data.length): boolean {
  if (end < offset + MIN_HEADER_LENGTH) return false;
  const headerLength = (data[offset + 12]! >> 4) * 4;
  if (headerLength < MIN_HEADER_LENGTH || headerLength > segmentLength) return false;
  if (end < offset + headerLength) return false;
  segment.sourcePort = (data[offset]! << 8) | data[offset + 1]!;
  segment.destinationPort = (data[offset + 2]! << 8) | data[offset + 3]!;
  segment.sequence = ((data[offset + 4]! << 24) | (data[offset + 5]! << 16) | (data[offset + 6]! << 8) | data[offset + 7]!) >>> 0;
  segment.acknowledgment = ((data[offset + 8]! << 24) | (data[offset + 9]! << 16) | (data[offset + 10]! << 8) | data[offset + 11]!) >>> 0;
  segment.flags = data[offset + 13]!;
  segment.window = (data[offset + 14]! << 8) | data[offset + 15]!;
  segment.payloadLength = segmentLength - headerLength;
  const payloadStart = offset + headerLength;
  const payloadEnd = Math.min(end, payloadStart + segment.payloadLength);
  // Half the segments of a bulk transfer are bare ACKs: they share one empty view.
  segment.payload = payloadEnd > payloadStart ? data.subarray(payloadStart, payloadEnd) : EMPTY_BYTES;
  return true;
}
