// IPv4 header (RFC 791): options skipped by IHL; fragments flagged, not reassembled.

import type { IpPacket, IpParseResult } from "./ip-packet.js";

const MIN_HEADER_LENGTH = 20;

/** The IP header starts at `offset`; the captured packet ends at `end`. */
export function parseIpv4(data: Uint8Array, offset: number, packet: IpPacket, end = data.length): IpParseResult {
  if (end < offset + MIN_HEADER_LENGTH) return "truncated";
  const versionAndLength = data[offset]!;
  if (versionAndLength >> 4 !== 4) return "malformed";
  const headerLength = (versionAndLength & 0x0f) * 4;
  if (headerLength < MIN_HEADER_LENGTH) return "malformed";
  if (end < offset + headerLength) return "truncated";
  const totalLength = (data[offset + 2]! << 8) | data[offset + 3]!;
  const flagsAndFragmentOffset = (data[offset + 6]! << 8) | data[offset + 7]!;
  packet.version = 4;
  packet.protocol = data[offset + 9]!;
  packet.data = data;
  packet.sourceOffset = offset + 12;
  packet.destinationOffset = offset + 16;
  packet.addressLength = 4;
  packet.payloadOffset = offset + headerLength;
  // A total length of 0 is what TCP segmentation offload leaves in captures of large sends:
  // the packet then ends where the captured data ends.
  packet.payloadLength = totalLength === 0 ? end - offset - headerLength : totalLength - headerLength;
  if (packet.payloadLength < 0) return "malformed";
  // More-fragments flag (0x2000) or a non-zero fragment offset (low 13 bits).
  packet.fragment = (flagsAndFragmentOffset & 0x3fff) !== 0;
  return "ok";
}
