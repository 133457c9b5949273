// BSD loopback headers: a 4-byte address family. NULL stores it in the capturing host's byte
// order (unknown to us); LOOP always in network order.

import type { LinkFrame } from "./link-frame.js";
import { ETHERTYPE_IPV4, ETHERTYPE_IPV6 } from "./link-types.js";

const HEADER_LENGTH = 4;
const AF_INET = 2;
/** AF_INET6 differs by OS: 10 Linux, 24 NetBSD/OpenBSD, 28 FreeBSD/DragonFly, 30 macOS. */
const AF_INET6_VALUES = new Set([10, 24, 28, 30]);

/** The frame is `data[start, end)`. */
export function parseBsdLoopback(data: Uint8Array, frame: LinkFrame, order: "host-order" | "network-order", start = 0, end = data.length): void {
  if (end - start < HEADER_LENGTH) {
    frame.etherType = -1;
    return;
  }
  const bigEndianValue = ((data[start]! << 24) | (data[start + 1]! << 16) | (data[start + 2]! << 8) | data[start + 3]!) >>> 0;
  let family = bigEndianValue;
  if (order === "host-order" && (bigEndianValue & 0xffff) === 0) {
    // Family numbers are small: a value in the top half means a little-endian writer.
    family = data[start]! | (data[start + 1]! << 8);
  }
  frame.networkOffset = start + HEADER_LENGTH;
  if (family === AF_INET) frame.etherType = ETHERTYPE_IPV4;
  else if (AF_INET6_VALUES.has(family)) frame.etherType = ETHERTYPE_IPV6;
  else frame.etherType = 0x10000 + family; // not an EtherType: "other", kept distinct for counting
}
