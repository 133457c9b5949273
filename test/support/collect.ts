// Runs the sans-I/O pipeline over bytes with a chosen chunking and collects what comes out.

import { CaptureAnalyzer, type AnalysisEvent } from "../../src/pipeline.js";
import { capturedData, type CapturedPacket, type CaptureSink, type CaptureWarning, type DecryptionSecrets } from "../../src/capture/captured-packet.js";
import type { TcpConnection } from "../../src/tcp/tcp-events.js";
import { H2scopeError } from "../../src/errors.js";
import type { Limits } from "../../src/limits.js";

/** Splits `bytes` into chunks of `size` (1 = one byte at a time). */
export function* chunksOf(bytes: Uint8Array, size: number): Iterable<Uint8Array> {
  for (let offset = 0; offset < bytes.byteLength; offset += size) yield bytes.subarray(offset, offset + size);
}

export interface CollectedCapture {
  packets: Array<Omit<CapturedPacket, "bytes" | "dataStart" | "dataEnd"> & { data: string }>;
  warnings: CaptureWarning[];
  secrets: DecryptionSecrets[];
  error: H2scopeError | undefined;
}

/** A capture sink that records packets (data as hex, so later pushes cannot change it). */
export function collectingSink(): CaptureSink & CollectedCapture {
  const collected: CollectedCapture = { packets: [], warnings: [], secrets: [], error: undefined };
  return Object.assign(collected, {
    packet(packet: CapturedPacket) {
      const { bytes: _bytes, dataStart: _start, dataEnd: _end, ...fields } = packet;
      collected.packets.push({ ...fields, data: Buffer.from(capturedData(packet)).toString("hex") });
    },
    warning(warning: CaptureWarning) {
      collected.warnings.push(warning);
    },
    secrets(secrets: DecryptionSecrets) {
      collected.secrets.push(secrets);
    },
  });
}

/**
 * An event as text at the moment it is delivered, for comparing two runs: bytes as hex (later
 * pushes cannot change them), connections by id (their objects go on changing).
 */
export function eventText(event: AnalysisEvent): string {
  return JSON.stringify(event, (key, value: unknown) => {
    if (value instanceof Uint8Array) return Buffer.from(value).toString("hex");
    if (key === "connection" && typeof value === "object" && value !== null) return (value as { id?: number }).id ?? "h2";
    return value;
  });
}

/** The length of a recorded tcp.data event's bytes (the bytes themselves are in `streams`). */
export function dataLength(event: AnalysisEvent): number {
  return (event as { byteLength?: number }).byteLength ?? 0;
}

export interface AnalysisResult {
  analyzer: CaptureAnalyzer;
  events: AnalysisEvent[];
  connections: TcpConnection[];
  /** Delivered bytes per connection id and direction, as hex strings joined in order. */
  streams: Map<number, [string[], string[]]>;
  error: H2scopeError | undefined;
}

/** Runs the whole pipeline over `bytes` pushed in chunks of `chunkSize`. */
export function analyzeBytes(bytes: Uint8Array, chunkSize = 1 << 20, options: { http2Ports?: number[]; keepDataPayloads?: boolean; tcpDataEvents?: boolean; dataWindowEvents?: boolean; keyLogText?: string; limits?: Partial<Limits> } = {}): AnalysisResult {
  const events: AnalysisEvent[] = [];
  const connections: TcpConnection[] = [];
  const streams = new Map<number, [string[], string[]]>();
  const analyzer = new CaptureAnalyzer({
    http2Ports: options.http2Ports,
    keepDataPayloads: options.keepDataPayloads,
    tcpDataEvents: options.tcpDataEvents,
    dataWindowEvents: options.dataWindowEvents,
    keyLogText: options.keyLogText,
    limits: options.limits,
    onEvent(event) {
      if (event.kind === "tcp.data") {
        let pair = streams.get(event.connection.id);
        if (pair === undefined) streams.set(event.connection.id, (pair = [[], []]));
        pair[event.direction].push(Buffer.from(event.bytes).toString("hex"));
        // Bytes are kept in `streams`; the event keeps only their length (JSON stays small).
        events.push({ ...event, bytes: new Uint8Array(0), byteLength: event.bytes.byteLength } as AnalysisEvent);
        return;
      }
      if (event.kind === "tcp.close") connections.push(event.connection);
      events.push(event);
    },
  });
  let error: H2scopeError | undefined;
  try {
    for (const chunk of chunksOf(bytes, chunkSize)) analyzer.push(chunk);
    analyzer.end();
  } catch (caught) {
    if (!(caught instanceof H2scopeError)) throw caught;
    error = caught;
    analyzer.stop();
  }
  connections.sort((left, right) => left.id - right.id);
  return { analyzer, events, connections, streams, error };
}
