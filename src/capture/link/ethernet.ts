// Ethernet II with any stack of 802.1Q / 802.1ad (QinQ) VLAN tags.

import type { LinkFrame } from "./link-frame.js";

const ETHERNET_HEADER_LENGTH = 14;
const VLAN_TAG_LENGTH = 4;
/** 802.1Q customer tag, 802.1ad service tag, and the pre-standard QinQ value some switches use. */
function isVlanTag(etherType: number): boolean {
  return etherType === 0x8100 || etherType === 0x88a8 || etherType === 0x9100;
}
/** Deeper stacks than this are not real traffic; stop rather than walk a corrupt packet. */
const MAX_VLAN_TAGS = 8;

/** The frame is `data[start, end)`. */
export function parseEthernet(data: Uint8Array, frame: LinkFrame, start = 0, end = data.length): void {
  if (end - start < ETHERNET_HEADER_LENGTH) {
    frame.etherType = -1;
    return;
  }
  let offset = start + 12;
  let etherType = (data[offset]! << 8) | data[offset + 1]!;
  offset += 2;
  while (isVlanTag(etherType) && frame.vlanDepth < MAX_VLAN_TAGS) {
    if (end < offset + VLAN_TAG_LENGTH) {
      frame.etherType = -1;
      return;
    }
    // Tag control information (2 bytes), then the next EtherType.
    etherType = (data[offset + 2]! << 8) | data[offset + 3]!;
    offset += VLAN_TAG_LENGTH;
    frame.vlanDepth++;
  }
  frame.etherType = etherType;
  frame.networkOffset = offset;
}
