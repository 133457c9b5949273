// Linux "cooked" captures from `-i any`: SLL (16-byte header) and SLL2 (20-byte header).

import type { LinkFrame } from "./link-frame.js";

const SLL_HEADER_LENGTH = 16;
const SLL2_HEADER_LENGTH = 20;

/** SLL: packet type, ARPHRD type, address length, 8 address bytes, then the protocol at 14. The frame is `data[start, end)`. */
export function parseLinuxSll(data: Uint8Array, frame: LinkFrame, start = 0, end = data.length): void {
  if (end - start < SLL_HEADER_LENGTH) {
    frame.etherType = -1;
    return;
  }
  frame.etherType = (data[start + 14]! << 8) | data[start + 15]!;
  frame.networkOffset = start + SLL_HEADER_LENGTH;
}

/** SLL2: the protocol comes first, then reserved, interface index, ARPHRD, type, address. The frame is `data[start, end)`. */
export function parseLinuxSll2(data: Uint8Array, frame: LinkFrame, start = 0, end = data.length): void {
  if (end - start < SLL2_HEADER_LENGTH) {
    frame.etherType = -1;
    return;
  }
  frame.etherType = (data[start]! << 8) | data[start + 1]!;
  frame.networkOffset = start + SLL2_HEADER_LENGTH;
}
