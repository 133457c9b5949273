// Raw IP link types (101, 12, 14, 228, 229): the packet is the IP header; its version nibble decides.

import type { LinkFrame } from "./link-frame.js";
import { ETHERTYPE_IPV4, ETHERTYPE_IPV6 } from "./link-types.js";

export function parseRawIp(data: Uint8Array, frame: LinkFrame): void {
  frame.networkOffset = 0;
  if (data.length < 1) {
    frame.etherType = -1;
    return;
  }
  const version = data[0]! >> 4;
  frame.etherType = version === 4 ? ETHERTYPE_IPV4 : version === 6 ? ETHERTYPE_IPV6 : 0x20000 + version;
}
