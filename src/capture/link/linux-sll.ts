// Linux "cooked" captures from `-i any`: SLL (16-byte header) and SLL2 (20-byte header).

import type { LinkFrame } from "./link-frame.js";

const SLL_HEADER_LENGTH = 16;
const SLL2_HEADER_LENGTH = 20;

/** SLL: packet type, ARPHRD type, address length, 8 address bytes, then the protocol at 14. */
export function parseLinuxSll(data: Uint8Array, frame: LinkFrame): void {
  if (data.length < SLL_HEADER_LENGTH) {
    frame.etherType = -1;
    return;
  }
  frame.etherType = (data[14]! << 8) | data[15]!;
  frame.networkOffset = SLL_HEADER_LENGTH;
}

/** SLL2: the protocol comes first, then reserved, interface index, ARPHRD, type, address. */
export function parseLinuxSll2(data: Uint8Array, frame: LinkFrame): void {
  if (data.length < SLL2_HEADER_LENGTH) {
    frame.etherType = -1;
    return;
  }
  frame.etherType = (data[0]! << 8) | data[1]!;
  frame.networkOffset = SLL2_HEADER_LENGTH;
}
