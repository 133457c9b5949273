// LINKTYPE_* numbers we decode (tcpdump.org link-layer header types) and their names for messages.

export const LINKTYPE_NULL = 0;
export const LINKTYPE_ETHERNET = 1;
/** DLT_RAW on most systems; some pcap files carry it instead of LINKTYPE_RAW. */
export const LINKTYPE_RAW_DLT12 = 12;
/** DLT_RAW on OpenBSD. */
export const LINKTYPE_RAW_DLT14 = 14;
export const LINKTYPE_RAW = 101;
export const LINKTYPE_LOOP = 108;
export const LINKTYPE_LINUX_SLL = 113;
export const LINKTYPE_IPV4 = 228;
export const LINKTYPE_IPV6 = 229;
export const LINKTYPE_LINUX_SLL2 = 276;

/** EtherType values of the network layers we decode (link decoders report what they carry as one). */
export const ETHERTYPE_IPV4 = 0x0800;
export const ETHERTYPE_IPV6 = 0x86dd;

const NAMES: Record<number, string> = {
  [LINKTYPE_NULL]: "NULL (BSD loopback)",
  [LINKTYPE_ETHERNET]: "ETHERNET",
  [LINKTYPE_RAW_DLT12]: "RAW (DLT 12)",
  [LINKTYPE_RAW_DLT14]: "RAW (DLT 14)",
  [LINKTYPE_RAW]: "RAW",
  [LINKTYPE_LOOP]: "LOOP (OpenBSD loopback)",
  [LINKTYPE_LINUX_SLL]: "LINUX_SLL",
  [LINKTYPE_IPV4]: "IPV4",
  [LINKTYPE_IPV6]: "IPV6",
  [LINKTYPE_LINUX_SLL2]: "LINUX_SLL2",
  // Common ones we do not decode, so warnings can name them.
  105: "IEEE802_11",
  127: "IEEE802_11_RADIOTAP",
  147: "USER0",
  220: "USB_LINUX_MMAPPED",
  249: "NETLINK",
};

export function linkTypeName(linkType: number): string {
  const name = NAMES[linkType];
  return name === undefined ? `link type ${linkType}` : `${name} (${linkType})`;
}
