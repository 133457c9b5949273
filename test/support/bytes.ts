// Byte builders for parser-edge unit tests (real captures are the fixtures; these are edges).

import { concatBytes as concat } from "../../src/bytes/concat.js";

export function u16(value: number, littleEndian = false): Uint8Array {
  const bytes = new Uint8Array(2);
  new DataView(bytes.buffer).setUint16(0, value, littleEndian);
  return bytes;
}

export function u32(value: number, littleEndian = false): Uint8Array {
  const bytes = new Uint8Array(4);
  new DataView(bytes.buffer).setUint32(0, value >>> 0, littleEndian);
  return bytes;
}

/** The project's own joiner, under the short name the tests use. */
export { concat };

export function ascii(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, "latin1"));
}

export interface TcpPacketSpec {
  source?: [number, number, number, number];
  destination?: [number, number, number, number];
  sourcePort: number;
  destinationPort: number;
  sequence: number;
  acknowledgment?: number;
  /** e.g. "S", "SA", "A", "PA", "FA", "R" */
  flags: string;
  window?: number;
  payload?: Uint8Array;
}

const FLAG_BITS: Record<string, number> = { F: 0x01, S: 0x02, R: 0x04, P: 0x08, A: 0x10 };

/** An IPv4 + TCP packet (no link header). Checksums are left zero: nothing here checks them. */
export function ipv4Tcp(spec: TcpPacketSpec): Uint8Array {
  const payload = spec.payload ?? new Uint8Array(0);
  const tcp = new Uint8Array(20);
  const tcpView = new DataView(tcp.buffer);
  tcpView.setUint16(0, spec.sourcePort);
  tcpView.setUint16(2, spec.destinationPort);
  tcpView.setUint32(4, spec.sequence >>> 0);
  tcpView.setUint32(8, (spec.acknowledgment ?? 0) >>> 0);
  tcp[12] = 5 << 4;
  tcp[13] = [...spec.flags].reduce((bits, flag) => bits | FLAG_BITS[flag]!, 0);
  tcpView.setUint16(14, spec.window ?? 65535);
  const ip = new Uint8Array(20);
  const ipView = new DataView(ip.buffer);
  ip[0] = 0x45;
  ipView.setUint16(2, 20 + 20 + payload.byteLength);
  ip[8] = 64;
  ip[9] = 6;
  ip.set(spec.source ?? [10, 0, 0, 1], 12);
  ip.set(spec.destination ?? [10, 0, 0, 2], 16);
  return concat(ip, tcp, payload);
}

/** Ethernet II header in front of `network`, with optional VLAN tags (TPID, VLAN id). */
export function ethernet(network: Uint8Array, etherType = 0x0800, vlanTags: Array<[number, number]> = []): Uint8Array {
  const macs = new Uint8Array(12).fill(0x02);
  const tags = vlanTags.map(([tpid, id]) => concat(u16(tpid), u16(id)));
  return concat(macs, ...tags, u16(etherType), network);
}

export interface PcapRecord {
  timeSeconds: number;
  /** Microseconds or nanoseconds, as the file says. */
  timeFraction: number;
  data: Uint8Array;
  originalLength?: number;
}

export function pcapFile(records: PcapRecord[], options: { linkType?: number; nanoseconds?: boolean; littleEndian?: boolean; snapLength?: number } = {}): Uint8Array {
  const littleEndian = options.littleEndian ?? true;
  const header = concat(
    u32(options.nanoseconds ? 0xa1b23c4d : 0xa1b2c3d4, littleEndian),
    u16(2, littleEndian),
    u16(4, littleEndian),
    u32(0, littleEndian),
    u32(0, littleEndian),
    u32(options.snapLength ?? 262144, littleEndian),
    u32(options.linkType ?? 1, littleEndian),
  );
  const body = records.map((record) => concat(
    u32(record.timeSeconds, littleEndian),
    u32(record.timeFraction, littleEndian),
    u32(record.data.byteLength, littleEndian),
    u32(record.originalLength ?? record.data.byteLength, littleEndian),
    record.data,
  ));
  return concat(header, ...body);
}
