// The one place that knows the order of the stages: capture bytes → packets → link → IP → TCP.

import { addKeyLogText, emptyKeyLog, type KeyLog } from "./tls/keylog.js";
import { CaptureReader } from "./capture/capture-reader.js";
import type { CapturedPacket, CaptureSink, CaptureWarning, DecryptionSecrets } from "./capture/captured-packet.js";
import { IP_PROTOCOL_TCP, newIpPacket, type IpParseResult } from "./capture/ip/ip-packet.js";
import { parseIpv4 } from "./capture/ip/ipv4.js";
import { parseIpv6 } from "./capture/ip/ipv6.js";
import { newLinkFrame, parseLinkFrame } from "./capture/link/link-frame.js";
import { ETHERTYPE_IPV4, ETHERTYPE_IPV6, linkTypeName } from "./capture/link/link-types.js";
import { DEFAULT_LIMITS, type Limits } from "./limits.js";
import { ConnectionTracker } from "./tcp/connection-tracker.js";
import type { TcpEvent } from "./tcp/tcp-events.js";
import { Http2Analyzer } from "./http2/http2-analyzer.js";
import type { Http2Event } from "./http2/http2-events.js";
import { newTcpSegment, parseTcpSegment } from "./tcp/tcp-segment.js";

export type AnalysisEvent = CaptureWarning | TcpEvent | Http2Event;

/** Counts of what the capture held, including everything skipped and why. */
export interface CaptureSummary {
  format: string;
  /** Bytes of (decompressed) capture input read. */
  inputBytes: number;
  packets: number;
  /** Packets per link type. */
  packetsByLinkType: Record<number, number>;
  /** Packets on link types we cannot decode (named in a warning). */
  unknownLinkTypePackets: number;
  /** Decoded link frames that carry neither IPv4 nor IPv6 (ARP, LLDP, …). */
  nonIpPackets: number;
  /** IP packets that are not TCP (UDP, ICMP, …). */
  nonTcpPackets: number;
  /** IP fragments: counted and skipped, not reassembled (TCP over IP fragments is very rare). */
  ipFragments: number;
  /** Link, IP or TCP headers cut short by the snapshot length or malformed. */
  undecodablePackets: number;
  /** Packets whose captured length is below the original (snapshot length). */
  snaplenTruncatedPackets: number;
  tcpSegments: number;
  /** TCP connections no longer tracked because more than Limits.maxOpenConnections were open. */
  evictedConnections: number;
  firstTimeUs: number | undefined;
  lastTimeUs: number | undefined;
  /** pcapng Decryption Secrets Blocks, kept for TLS decryption. */
  decryptionSecrets: DecryptionSecrets[];
  /** Set when the capture came split into files (CaptureAnalyzer.nextPart): each part, in reading order. */
  parts?: CapturePart[];
}

/** One file of a capture split into several (tcpdump -C or -G, a dumpcap ring buffer). */
export interface CapturePart {
  /** The file it was read from, when the caller names it (the CLI does). */
  file?: string;
  format: string;
  /** Bytes of (decompressed) input in this part. */
  inputBytes: number;
  /** Packet records in this part (skipped ones included), numbered on from the part before. */
  firstPacketNumber: number;
  lastPacketNumber: number;
  firstTimeUs: number | undefined;
  lastTimeUs: number | undefined;
}

/** pcapng Decryption Secrets Block type "TLSK": an NSS key log. */
const TLS_KEY_LOG_SECRETS = 0x544c534b;

export interface AnalyzerOptions {
  limits?: Partial<Limits>;
  /** Ports whose TCP connections are decoded as cleartext HTTP/2 whatever their first bytes. */
  http2Ports?: number[];
  /**
   * Keep DATA frame payloads (default true). False skips them in place — their lengths,
   * padding and flow control are unchanged — which saves most of the HTTP/2 stage's copying.
   */
  keepDataPayloads?: boolean;
  /**
   * Pass `tcp.data` events to onEvent (default true). They are the most frequent event, and a
   * consumer that never reads payload bytes (the CLI) saves a chain of calls per segment.
   */
  tcpDataEvents?: boolean;
  /**
   * Pass `h2.window` events for the windows a DATA frame consumes (default true): two per DATA
   * frame (connection and stream), a third of all events in a bulk transfer. The DATA frame's own
   * event carries the same sizes after it (`windows`); a consumer that needs only WINDOW_UPDATE
   * and SETTINGS shifts (the CLI) skips building and dispatching them.
   */
  dataWindowEvents?: boolean;
  /**
   * The input is the files one capture was split into, with nextPart() between them: the
   * summary lists each (`summary.parts`), also when reading stops in the first.
   */
  parts?: boolean;
  /** NSS key log text (SSLKEYLOGFILE) for TLS; a pcapng's Decryption Secrets Blocks are added to it. */
  keyLogText?: string;
  /** Text appended to the key log since the last call (a log still being written), asked for when keys are missing. */
  moreKeyLogText?: () => string;
  /**
   * Receives every event in capture order. Byte arrays in an event (a `tcp.data` payload, a DATA
   * frame's data, a HEADERS fragment) may view the pushed chunk: copy them to keep them past
   * the call.
   */
  onEvent: (event: AnalysisEvent) => void;
}

/**
 * Sans-I/O analysis of one capture: push its bytes in any chunking, then call end(). Events
 * arrive through onEvent as soon as the packets that cause them are complete.
 */
export class CaptureAnalyzer {
  readonly summary: CaptureSummary = {
    format: "unknown", inputBytes: 0, packets: 0, packetsByLinkType: {}, unknownLinkTypePackets: 0,
    nonIpPackets: 0, nonTcpPackets: 0, ipFragments: 0, undecodablePackets: 0, snaplenTruncatedPackets: 0,
    tcpSegments: 0, evictedConnections: 0, firstTimeUs: undefined, lastTimeUs: undefined, decryptionSecrets: [],
  };
  /** TLS secrets from the options and the capture; lines it could not read are in `badLines`. */
  readonly keyLog: KeyLog;
  readonly #onEvent: (event: AnalysisEvent) => void;
  readonly #limits: Limits;
  readonly #captureSink: CaptureSink;
  #reader: CaptureReader;
  /** Where the current part began (see nextPart), and its first packet's time once it has one. */
  #partStart = { inputBytes: 0, lastPacketNumber: 0 };
  #partFirstTimeUs: number | undefined;
  readonly #tracker: ConnectionTracker;
  readonly #linkFrame = newLinkFrame();
  readonly #ipPacket = newIpPacket();
  readonly #tcpSegment = newTcpSegment();
  readonly #warnedLinkTypes = new Set<number>();
  #ended = false;

  constructor(options: AnalyzerOptions) {
    const limits: Limits = { ...DEFAULT_LIMITS, ...options.limits };
    this.#limits = limits;
    if (options.parts === true) this.summary.parts = [];
    this.#onEvent = options.onEvent;
    this.keyLog = addKeyLogText(emptyKeyLog(), options.keyLogText ?? "");
    this.keyLog.more = options.moreKeyLogText;
    const http2 = new Http2Analyzer({
      forcedPorts: new Set(options.http2Ports ?? []),
      limits: { maxHeaderBlockBytes: limits.maxHeaderBlockBytes, maxStreamsPerConnection: limits.maxStreamsPerConnection },
      emit: options.onEvent,
      discardDataPayload: options.keepDataPayloads === false,
      dataWindowEvents: options.dataWindowEvents ?? true,
      keyLog: this.keyLog,
    });
    // Each TCP event goes out first, then whatever HTTP/2 makes of it: one ordered log. A close
    // goes out last, so whoever reports the connection then sees its HTTP/2 side finished.
    // Without tcp.data events, delivered bytes go straight to the HTTP/2 stage (no event object).
    const tcpDataEvents = options.tcpDataEvents ?? true;
    this.#tracker = new ConnectionTracker((event) => {
      if (event.kind === "tcp.close") {
        if (event.reason === "evicted") this.#evicted(event.packetNumber, limits.maxOpenConnections);
        http2.tcpEvent(event);
        options.onEvent(event);
        return;
      }
      options.onEvent(event);
      http2.tcpEvent(event);
    }, limits, tcpDataEvents ? undefined : (connection, direction, _streamOffset, bytes, packetNumber, timeUs) => http2.data(connection, direction, bytes, packetNumber, timeUs));
    this.#captureSink = {
      packet: (packet) => this.#packet(packet),
      warning: (warning) => this.#onEvent(warning),
      secrets: (secrets) => {
        this.summary.decryptionSecrets.push(secrets);
        if (secrets.secretsType === TLS_KEY_LOG_SECRETS) addKeyLogText(this.keyLog, new TextDecoder("latin1").decode(secrets.data));
      },
    };
    this.#reader = new CaptureReader(this.#captureSink, limits);
  }

  /**
   * Feeds capture bytes. Nothing keeps `chunk` once this returns (each stage copies what it keeps
   * for later), so the caller may read the next bytes into the same buffer. Throws H2scopeError
   * when the input cannot be read on; call stop() then.
   */
  push(chunk: Uint8Array): void {
    this.summary.inputBytes += chunk.length;
    // A plain Uint8Array view: every later subarray of a Node Buffer would build a Buffer
    // object, a measurable cost when it happens several times per packet.
    const view = Object.getPrototypeOf(chunk) === Uint8Array.prototype ? chunk : new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length);
    try {
      this.#reader.push(view);
    } finally {
      // Also when the chunk was found damaged: the format was known before the damage.
      this.summary.format = this.#reader.formatName;
    }
  }

  /** End of input: reports a cut-short final record and finishes every connection. */
  end(): void {
    if (this.#ended) return;
    try {
      this.#reader.end();
    } finally {
      this.summary.format = this.#reader.formatName;
      this.stop();
    }
  }

  /**
   * The bytes pushed so far were one file of a capture split into several (tcpdump -C or -G, a
   * dumpcap ring buffer); what is pushed next is the following file, read as the same capture:
   * connections carry on across the cut and packet numbers go on. Ends the current file as
   * end() would (a cut-short final record is a warning), or, with `abandon`, drops what is
   * left of it unread (push threw: it is damaged). The next file is read even when ending this
   * one throws. Every part is listed in `summary.parts`.
   */
  nextPart(abandon = false): void {
    if (this.#ended) return;
    try {
      if (!abandon) this.#reader.end();
    } finally {
      this.#closePart();
      this.#reader = new CaptureReader(this.#captureSink, this.#limits, this.#partStart.lastPacketNumber);
    }
  }

  /** Finishes every connection without reading more (after an error, keeps what was decoded). */
  stop(): void {
    if (this.#ended) return;
    this.#ended = true;
    if (this.summary.parts !== undefined) this.#closePart();
    this.#tracker.finish();
  }

  /** Adds the part read since the last cut to `summary.parts`, and starts the next one. */
  #closePart(): void {
    const summary = this.summary;
    const lastPacketNumber = this.#reader.lastPacketNumber;
    (summary.parts ??= []).push({
      format: this.#reader.formatName,
      inputBytes: summary.inputBytes - this.#partStart.inputBytes,
      firstPacketNumber: this.#partStart.lastPacketNumber + 1,
      lastPacketNumber,
      firstTimeUs: this.#partFirstTimeUs,
      lastTimeUs: this.#partFirstTimeUs === undefined ? undefined : summary.lastTimeUs,
    });
    this.#partStart = { inputBytes: summary.inputBytes, lastPacketNumber };
    this.#partFirstTimeUs = undefined;
  }

  /** Counts an evicted connection; the first one is also a warning, since results change from there. */
  #evicted(packetNumber: number, maxOpenConnections: number): void {
    if (this.summary.evictedConnections++ > 0) return;
    this.#onEvent({
      kind: "capture.warning",
      code: "connections-evicted",
      message: `packet ${packetNumber}: more than ${maxOpenConnections} TCP connections open at once; the least recently active are no longer tracked `
        + `(closed as "evicted"; their later packets start new connections joined mid-way). Raise the limit with --limit maxOpenConnections=N`,
      packetNumber,
    });
  }

  #packet(packet: CapturedPacket): void {
    const summary = this.summary;
    summary.packets++;
    if (this.#partFirstTimeUs === undefined) {
      this.#partFirstTimeUs = packet.timeUs;
      summary.firstTimeUs ??= packet.timeUs;
    }
    summary.lastTimeUs = packet.timeUs;
    summary.packetsByLinkType[packet.linkType] = (summary.packetsByLinkType[packet.linkType] ?? 0) + 1;
    const data = packet.bytes;
    const end = packet.dataEnd;
    if (end - packet.dataStart < packet.originalLength) summary.snaplenTruncatedPackets++;

    const frame = this.#linkFrame;
    if (!parseLinkFrame(packet.linkType, data, frame, packet.dataStart, end)) {
      summary.unknownLinkTypePackets++;
      if (!this.#warnedLinkTypes.has(packet.linkType)) {
        this.#warnedLinkTypes.add(packet.linkType);
        this.#onEvent({
          kind: "capture.warning",
          code: "unknown-link-type",
          message: `packet ${packet.packetNumber} (interface ${packet.interfaceId}) uses ${linkTypeName(packet.linkType)}, which h2scope cannot decode; packets on it are counted and skipped`,
          packetNumber: packet.packetNumber,
          byteOffset: packet.recordOffset,
        });
      }
      return;
    }
    const ip = this.#ipPacket;
    let result: IpParseResult;
    if (frame.etherType === ETHERTYPE_IPV4) result = parseIpv4(data, frame.networkOffset, ip, end);
    else if (frame.etherType === ETHERTYPE_IPV6) result = parseIpv6(data, frame.networkOffset, ip, end);
    else {
      if (frame.etherType < 0) summary.undecodablePackets++;
      else summary.nonIpPackets++;
      return;
    }
    if (result !== "ok") {
      summary.undecodablePackets++;
      return;
    }
    if (ip.fragment) {
      summary.ipFragments++;
      return;
    }
    if (ip.protocol !== IP_PROTOCOL_TCP) {
      summary.nonTcpPackets++;
      return;
    }
    const segment = this.#tcpSegment;
    if (!parseTcpSegment(data, ip.payloadOffset, ip.payloadLength, segment, end)) {
      summary.undecodablePackets++;
      return;
    }
    summary.tcpSegments++;
    this.#tracker.segment(ip, segment, packet.packetNumber, packet.timeUs);
  }
}
