// The files one capture was split into (tcpdump -C or -G, a dumpcap ring buffer), put in the
// order they were written before they are read as one capture.

import { realpath, stat } from "node:fs/promises";
import { CaptureReader } from "../capture/capture-reader.js";
import { H2scopeError } from "../errors.js";
import type { CaptureSummary } from "../pipeline.js";
import type { ConnectionView } from "../report/connection-view.js";
import { NO_STDIN, type CliIo } from "./cli-io.js";
import { openCaptureInput } from "./capture-input.js";

/** Thrown by the sink once the first packet is seen: nothing more of the file is needed. */
const FIRST_PACKET_SEEN = Symbol("first packet seen");

/**
 * The parts in capture time order: by each file's first packet, which needs the first records of
 * each (a shell lists `trace.pcap10` before `trace.pcap2`, and tcpdump -C names its first file
 * without a number). Parts with no packet go last; an empty file is left out with a warning.
 * Throws a usage error for standard input or a file named twice, and the file's own error
 * (exit 3) for one that cannot be read or is not a capture, before anything is analysed.
 */
export async function orderCaptureParts(paths: readonly string[], io: CliIo): Promise<string[]> {
  if (paths.includes("-")) throw new H2scopeError("usage", "--parts reads the files one capture was split into; standard input (-) cannot be one of them");
  const seen = new Map<string, string>();
  const parts: Array<{ path: string; firstTimeUs: number | undefined }> = [];
  for (const path of paths) {
    const real = await realpath(path).catch(() => path);
    const earlier = seen.get(real);
    if (earlier !== undefined) throw new H2scopeError("usage", `--parts: ${path} is the same file as ${earlier}`);
    seen.set(real, path);
    // The order is found by reading each file's start, so a pipe would be read twice.
    const info = await stat(path).catch(() => undefined);
    if (info !== undefined && !info.isFile()) throw new H2scopeError("usage", `--parts reads files; ${path} is ${info.isDirectory() ? "a directory" : "not a regular file (a pipe?)"}`);
    const start = await firstPacketTime(path);
    if (start === "empty") {
      io.stderr(`h2scope: warning: ${path} is empty; left out of the parts\n`);
      continue;
    }
    parts.push({ path, firstTimeUs: start });
  }
  if (parts.length === 0) throw new H2scopeError("not-a-capture", "every part is empty");
  const ordered = parts.slice().sort((a, b) => (a.firstTimeUs ?? Infinity) - (b.firstTimeUs ?? Infinity));
  if (ordered.some((part, index) => part !== parts[index])) {
    io.stderr(`h2scope: note: reading the parts in the order of their first packets: ${ordered.map((part) => part.path).join(", ")}\n`);
  }
  return ordered.map((part) => part.path);
}

/**
 * The capture time of a file's first packet; undefined when it has none (or is damaged before
 * one: the read proper reports that). Throws, naming the file, when it is not a capture or too
 * short to be one.
 */
async function firstPacketTime(path: string): Promise<number | undefined | "empty"> {
  let firstTimeUs: number | undefined;
  const reader = new CaptureReader({
    packet: (packet) => {
      firstTimeUs = packet.timeUs;
      throw FIRST_PACKET_SEEN;
    },
    warning: () => undefined,
    secrets: () => undefined,
  });
  const input = await openCaptureInput(path, NO_STDIN);
  try {
    for await (const chunk of input.chunks) reader.push(chunk);
    // No packet: an empty file, a file header alone, or one cut short (end() says which).
    if (input.bytesRead() === 0) return "empty";
    reader.end();
  } catch (error) {
    if (error === FIRST_PACKET_SEEN) return firstTimeUs;
    if (error instanceof H2scopeError && error.code === "not-a-capture") throw new H2scopeError(error.code, `${path}: ${error.message}`, error.byteOffset);
    // Damage (a corrupt record, corrupt gzip) before the first packet: the read proper reports it.
    if (!(error instanceof H2scopeError)) throw error;
  }
  return firstTimeUs;
}

export const PARTS_HELP = "the captures are the files one capture was split into (tcpdump -C or -G, a dumpcap ring buffer): read as one, in the order of their first packets";

/**
 * The files a command that reads one capture reads: the one named, or with --parts the parts in
 * order. Several files without --parts are a usage error (only `analyze` reports on separate captures).
 */
export async function captureFiles(captures: readonly string[], parts: boolean, io: CliIo): Promise<string[]> {
  if (parts) return orderCaptureParts(captures, io);
  if (captures.length > 1) {
    throw new H2scopeError("usage", `one capture only (got ${captures.length}); --parts reads the files one capture was split into as one, and \`h2scope analyze\` reports on separate captures`);
  }
  return [...captures];
}

/** What the split-capture hint reads of one analysed capture. */
export interface AnalysedCapture {
  summary: CaptureSummary;
  connections: readonly ConnectionView[];
}

/**
 * Separate captures that look like the files of one capture split up (read without --parts):
 * one ends before the next begins, and a connection still open at the end of one carries on,
 * without its handshake, at the start of the next. Then the hint names them; as separate
 * captures, each such connection is cut in two (and HPACK state lost at the cut).
 */
export function splitCaptureHint(captures: readonly AnalysedCapture[]): string | undefined {
  const timed = captures.filter((capture) => capture.summary.firstTimeUs !== undefined && capture.summary.lastTimeUs !== undefined)
    .sort((a, b) => a.summary.firstTimeUs! - b.summary.firstTimeUs!);
  if (timed.length < 2) return undefined;
  const endpoints = (view: ConnectionView) => [view.client, view.server].sort().join(" ");
  let carried = 0;
  for (let index = 1; index < timed.length; index++) {
    const before = timed[index - 1]!;
    const after = timed[index]!;
    if (after.summary.firstTimeUs! < before.summary.lastTimeUs! - PART_OVERLAP_ALLOWED_US) return undefined;
    const openAtEnd = new Set(before.connections.filter((view) => view.closeReason === "end-of-capture").map(endpoints));
    const carriedHere = after.connections.filter((view) => !view.handshakeSeen && openAtEnd.has(endpoints(view))).length;
    if (carriedHere === 0) return undefined;
    carried += carriedHere;
  }
  return `these captures look like the files of one capture split up (each begins after the one before ends, and ${carried} connection${carried === 1 ? "" : "s"} open at the end of one carr${carried === 1 ? "ies" : "y"} on in the next): `
    + `--parts reads them as one capture, so connections are not cut at the file boundaries`;
}

/**
 * How far a part may start before the one before it ends and still follow it: a capture on
 * several interfaces or CPUs stamps some packets slightly out of order.
 */
export const PART_OVERLAP_ALLOWED_US = 1_000_000;
