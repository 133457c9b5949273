// Raw IP link types (101, 12, 14, 228, 229): the packet is the IP header; its version nibble decides.

import type { LinkFrame } from "./link-frame.js";
import { ETHERTYPE_IPV4, ETHERTYPE_IPV6 } from "./link-types.js";

/** The packet is `data[start, end)`. */
export function parseRawIp(data: Uint8Array, frame: LinkFrame, start = 0, end = data.length): void {
  frame.networkOffset = start;
  if (end - start < 1) {
    frame.etherType = -1;
    return;
  }
  const version = data[start]! >> 4;
  frame.etherType = version === 4 ? ETHERTYPE_IPV4 : version === 6 ? ETHERTYPE_IPV6 : 0x20000 + version;
}
