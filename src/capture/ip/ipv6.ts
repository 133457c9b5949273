// IPv6 header (RFC 8200) and its extension-header chain, up to the upper-layer protocol.

import type { IpPacket, IpParseResult } from "./ip-packet.js";

const HEADER_LENGTH = 40;
const HOP_BY_HOP = 0;
const ROUTING = 43;
const FRAGMENT = 44;
const AUTHENTICATION = 51;
const DESTINATION_OPTIONS = 60;
const MOBILITY = 135;
const HOST_IDENTITY = 139;
const SHIM6 = 140;
/** Extension headers a real packet carries are few; a longer chain is corrupt. */
const MAX_EXTENSION_HEADERS = 16;

/** The IP header starts at `offset`; the captured packet ends at `end`. */
export function parseIpv6(data: Uint8Array, offset: number, packet: IpPacket, end = data.length): IpParseResult {
  if (end < offset + HEADER_LENGTH) return "truncated";
  if (data[offset]! >> 4 !== 6) return "malformed";
  const declaredPayloadLength = (data[offset + 4]! << 8) | data[offset + 5]!;
  packet.version = 6;
  packet.data = data;
  packet.sourceOffset = offset + 8;
  packet.destinationOffset = offset + 24;
  packet.addressLength = 16;
  packet.fragment = false;
  let nextHeader = data[offset + 6]!;
  let cursor = offset + HEADER_LENGTH;
  // Payload length 0 means a jumbogram (RFC 2675) or offload: use what was captured.
  const payloadEnd = declaredPayloadLength === 0 ? end : offset + HEADER_LENGTH + declaredPayloadLength;
  for (let count = 0; count < MAX_EXTENSION_HEADERS; count++) {
    let extensionLength: number;
    switch (nextHeader) {
      case HOP_BY_HOP:
      case ROUTING:
      case DESTINATION_OPTIONS:
      case MOBILITY:
      case HOST_IDENTITY:
      case SHIM6:
        if (end < cursor + 2) return "truncated";
        extensionLength = (data[cursor + 1]! + 1) * 8;
        break;
      case FRAGMENT: {
        if (end < cursor + 8) return "truncated";
        const offsetAndFlags = (data[cursor + 2]! << 8) | data[cursor + 3]!;
        // Fragment offset (upper 13 bits) or the M flag (lowest bit) set: one piece of many.
        if ((offsetAndFlags & 0xfff9) !== 0) packet.fragment = true;
        extensionLength = 8;
        break;
      }
      case AUTHENTICATION:
        if (end < cursor + 2) return "truncated";
        extensionLength = (data[cursor + 1]! + 2) * 4;
        break;
      default:
        packet.protocol = nextHeader;
        packet.payloadOffset = cursor;
        packet.payloadLength = payloadEnd - cursor;
        return packet.payloadLength < 0 ? "malformed" : "ok";
    }
    nextHeader = data[cursor]!;
    cursor += extensionLength;
  }
  return "malformed";
}
