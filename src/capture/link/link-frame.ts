// Link-layer decoding: where the network-layer packet starts and what protocol it is.

import {
  LINKTYPE_ETHERNET, LINKTYPE_IPV4, LINKTYPE_IPV6, LINKTYPE_LINUX_SLL, LINKTYPE_LINUX_SLL2,
  LINKTYPE_LOOP, LINKTYPE_NULL, LINKTYPE_RAW, LINKTYPE_RAW_DLT12, LINKTYPE_RAW_DLT14,
} from "./link-types.js";
import { parseEthernet } from "./ethernet.js";
import { parseLinuxSll, parseLinuxSll2 } from "./linux-sll.js";
import { parseBsdLoopback } from "./bsd-loopback.js";
import { parseRawIp } from "./raw-ip.js";


/**
 * The result of link decoding, reused across packets (this runs once per packet, so it does not
 * allocate). `etherType` is ETHERTYPE_IPV4/IPV6 for IP, another EtherType otherwise, or -1 when
 * the link header was cut short.
 */
export interface LinkFrame {
  etherType: number;
  /** Offset of the network-layer header in the bytes the packet is in. */
  networkOffset: number;
  /** VLAN tags met on the way, outermost first (0 when none). */
  vlanDepth: number;
}

export function newLinkFrame(): LinkFrame {
  return { etherType: -1, networkOffset: 0, vlanDepth: 0 };
}

/**
 * Decodes the link header of the packet `data[start, end)` into `frame`. Returns false for a
 * link type we do not know (the caller counts and names it); a too-short header sets etherType
 * to -1 and returns true.
 */
export function parseLinkFrame(linkType: number, data: Uint8Array, frame: LinkFrame, start = 0, end = data.length): boolean {
  frame.vlanDepth = 0;
  switch (linkType) {
    case LINKTYPE_ETHERNET:
      parseEthernet(data, frame, start, end);
      return true;
    case LINKTYPE_LINUX_SLL:
      parseLinuxSll(data, frame, start, end);
      return true;
    case LINKTYPE_LINUX_SLL2:
      parseLinuxSll2(data, frame, start, end);
      return true;
    case LINKTYPE_NULL:
      parseBsdLoopback(data, frame, "host-order", start, end);
      return true;
    case LINKTYPE_LOOP:
      parseBsdLoopback(data, frame, "network-order", start, end);
      return true;
    case LINKTYPE_RAW:
    case LINKTYPE_RAW_DLT12:
    case LINKTYPE_RAW_DLT14:
    case LINKTYPE_IPV4:
    case LINKTYPE_IPV6:
      parseRawIp(data, frame, start, end);
      return true;
    default:
      return false;
  }
}
