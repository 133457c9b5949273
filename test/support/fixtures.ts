// Loads the fixture captures and tshark's recorded view of each (see fixtures/CONTRACT.md).

import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";

export const FIXTURES_DIR = join(import.meta.dirname, "..", "..", "fixtures");
const ORACLE_DIR = join(FIXTURES_DIR, "oracle");

export interface FixtureMeta {
  name: string;
  file: string;
  format: string;
  gzip: boolean;
  linkTypes: number[];
  description: string;
  covers: string[];
  packets?: number;
  expect?: Record<string, unknown>;
}

export function loadFixtureMetas(): FixtureMeta[] {
  return readdirSync(ORACLE_DIR)
    .filter((file) => file.endsWith(".meta.json"))
    .sort()
    .map((file) => JSON.parse(readFileSync(join(ORACLE_DIR, file), "utf8")) as FixtureMeta);
}

export function fixturePath(meta: FixtureMeta): string {
  return join(FIXTURES_DIR, meta.file);
}

/** The capture's bytes, decompressed when gzip (the CLI does that; the pipeline does not). */
export function loadCaptureBytes(meta: FixtureMeta): Uint8Array {
  const raw = readFileSync(fixturePath(meta));
  return new Uint8Array(raw[0] === 0x1f && raw[1] === 0x8b ? gunzipSync(raw) : raw);
}

/** The ports a fixture's cleartext HTTP/2 is decoded on without a preface (meta.h2Port), if any. */
export function http2PortsOf(meta: FixtureMeta): number[] {
  const port = (meta as FixtureMeta & { h2Port?: number }).h2Port;
  return port === undefined ? [] : [port];
}

/** The key log a TLS fixture carries beside its capture (meta.keyLog), if any. */
export function loadKeyLogText(meta: FixtureMeta): string | undefined {
  const keyLog = (meta as FixtureMeta & { keyLog?: string }).keyLog;
  return keyLog === undefined ? undefined : readFileSync(join(FIXTURES_DIR, keyLog), "latin1");
}

export interface TsharkPacket {
  number: number;
  /** Microseconds since the epoch, from frame.time_epoch (exact, no float rounding). */
  timeUs: number;
  source: string;
  destination: string;
  stream: number | undefined;
  tcpLength: number;
  flags: number;
  retransmission: boolean;
  outOfOrder: boolean;
  lostSegment: boolean;
  zeroWindow: boolean;
  zeroWindowProbe: boolean;
}

export function hasTsharkView(meta: FixtureMeta): boolean {
  return existsSync(join(ORACLE_DIR, `${meta.name}.packets.tsv`));
}

export function loadTsharkPackets(meta: FixtureMeta): TsharkPacket[] {
  const lines = readFileSync(join(ORACLE_DIR, `${meta.name}.packets.tsv`), "utf8").split("\n").filter((line) => line.length > 0);
  const header = lines[0]!.split("\t");
  const column = (name: string) => {
    const index = header.indexOf(name);
    if (index < 0) throw new Error(`${meta.name}.packets.tsv has no ${name} column`);
    return index;
  };
  const columns = {
    number: column("frame.number"), time: column("frame.time_epoch"), ipSource: column("ip.src"), ipv6Source: column("ipv6.src"),
    ipDestination: column("ip.dst"), ipv6Destination: column("ipv6.dst"), sourcePort: column("tcp.srcport"),
    destinationPort: column("tcp.dstport"), stream: column("tcp.stream"), length: column("tcp.len"), flags: column("tcp.flags"),
    retransmission: column("tcp.analysis.retransmission"), outOfOrder: column("tcp.analysis.out_of_order"),
    lostSegment: column("tcp.analysis.lost_segment"), zeroWindow: column("tcp.analysis.zero_window"),
    zeroWindowProbe: column("tcp.analysis.zero_window_probe"),
  };
  return lines.slice(1).map((line) => {
    const fields = line.split("\t");
    const field = (index: number) => fields[index] ?? "";
    const source = field(columns.ipSource) || (field(columns.ipv6Source) ? `[${field(columns.ipv6Source)}]` : "");
    const destination = field(columns.ipDestination) || (field(columns.ipv6Destination) ? `[${field(columns.ipv6Destination)}]` : "");
    const streamText = field(columns.stream);
    return {
      number: Number(field(columns.number)),
      timeUs: epochToUs(field(columns.time)),
      source: streamText === "" ? source : `${source}:${field(columns.sourcePort)}`,
      destination: streamText === "" ? destination : `${destination}:${field(columns.destinationPort)}`,
      stream: streamText === "" ? undefined : Number(streamText),
      tcpLength: Number(field(columns.length) || 0),
      flags: Number(field(columns.flags) || 0),
      retransmission: field(columns.retransmission) !== "",
      outOfOrder: field(columns.outOfOrder) !== "",
      lostSegment: field(columns.lostSegment) !== "",
      zeroWindow: field(columns.zeroWindow) !== "",
      zeroWindowProbe: field(columns.zeroWindowProbe) !== "",
    };
  });
}

/** "1795260672.263713000" → 1795260672263713 (truncating below a microsecond, as h2scope does). */
function epochToUs(text: string): number {
  const [seconds, fraction = ""] = text.split(".");
  return Number(seconds) * 1_000_000 + Number(fraction.padEnd(6, "0").slice(0, 6));
}

export interface TsharkFollow {
  stream: number;
  a: string;
  b: string;
  /** Payload bytes tshark rebuilt (its missing-bytes markers removed), and bytes it marked missing. */
  aToB: { bytes: number; sha256: string; missingBytes: number };
  bToA: { bytes: number; sha256: string; missingBytes: number };
}

export function loadTsharkFollow(meta: FixtureMeta): TsharkFollow[] {
  const path = join(ORACLE_DIR, `${meta.name}.follow.json`);
  return existsSync(path) ? (JSON.parse(readFileSync(path, "utf8")) as TsharkFollow[]) : [];
}

export interface TsharkConversation {
  /** Endpoints as tshark's conv,tcp lists them (left, right). */
  left: string;
  right: string;
  /** Frames from right to left ("<-" column) and from left to right ("->"). */
  framesToLeft: number;
  framesToRight: number;
}

/** The rows of `tshark -q -z conv,tcp` (recorded as NAME.conv.txt). */
export function loadTsharkConversations(meta: FixtureMeta): TsharkConversation[] {
  const path = join(ORACLE_DIR, `${meta.name}.conv.txt`);
  if (!existsSync(path)) return [];
  const rows: TsharkConversation[] = [];
  for (const line of readFileSync(path, "utf8").split("\n")) {
    const match = /^(\S+)\s+<->\s+(\S+)\s+(\d+)\s+\S+(?: \S+)?\s+(\d+)\s/.exec(line);
    if (match === null) continue;
    rows.push({ left: bracketIpv6(match[1]!), right: bracketIpv6(match[2]!), framesToLeft: Number(match[3]), framesToRight: Number(match[4]) });
  }
  return rows;
}

/** tshark writes "::1:443"; h2scope writes "[::1]:443". */
function bracketIpv6(endpoint: string): string {
  if (endpoint.startsWith("[") || endpoint.indexOf(":") === endpoint.lastIndexOf(":")) return endpoint;
  const colon = endpoint.lastIndexOf(":");
  return `[${endpoint.slice(0, colon)}]${endpoint.slice(colon)}`;
}
