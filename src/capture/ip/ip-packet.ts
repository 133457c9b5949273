// The network-layer facts the TCP stage needs, filled in place for each packet.

export interface IpPacket {
  version: 4 | 6;
  /**
   * The packet the addresses are in, and where: offsets rather than views, because a view is an
   * allocation and this runs once per packet. sourceAddress()/destinationAddress() give views.
   */
  data: Uint8Array;
  sourceOffset: number;
  destinationOffset: number;
  /** 4 or 16. */
  addressLength: number;
  /** Upper-layer protocol number after any IPv6 extension headers (6 = TCP). */
  protocol: number;
  /** Offset of the upper-layer header in the packet data. */
  payloadOffset: number;
  /** Upper-layer length from the IP headers; the captured data may hold fewer bytes. */
  payloadLength: number;
  /** A fragment of a larger datagram (IPv4 MF/offset, IPv6 fragment header). */
  fragment: boolean;
}

export function newIpPacket(): IpPacket {
  const empty = new Uint8Array(0);
  return {
    version: 4, data: empty, sourceOffset: 0, destinationOffset: 0, addressLength: 0, protocol: 0, payloadOffset: 0, payloadLength: 0,
    fragment: false,
  };
}

export function sourceAddress(packet: IpPacket): Uint8Array {
  return packet.data.subarray(packet.sourceOffset, packet.sourceOffset + packet.addressLength);
}

export function destinationAddress(packet: IpPacket): Uint8Array {
  return packet.data.subarray(packet.destinationOffset, packet.destinationOffset + packet.addressLength);
}

/** Why a packet could not be read as IP. */
export type IpParseResult = "ok" | "truncated" | "malformed";

export const IP_PROTOCOL_TCP = 6;

/** "192.0.2.1" or "2001:db8::1" (RFC 5952 shortest form). */
export function formatIpAddress(address: Uint8Array): string {
  if (address.length === 4) return `${address[0]}.${address[1]}.${address[2]}.${address[3]}`;
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((address[i]! << 8) | address[i + 1]!);
  // Longest run of two or more zero groups becomes "::" (first one on ties).
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = groups.map((group) => group.toString(16));
  if (bestStart < 0) return hex.join(":");
  return `${hex.slice(0, bestStart).join(":")}::${hex.slice(bestStart + bestLength).join(":")}`;
}

/** "192.0.2.1:443" or "[2001:db8::1]:443". */
export function formatEndpoint(address: Uint8Array, port: number): string {
  const text = formatIpAddress(address);
  return address.length === 16 ? `[${text}]:${port}` : `${text}:${port}`;
}
