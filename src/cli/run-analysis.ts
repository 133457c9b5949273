// Feeds a capture input through the analyzer, turning stopping errors into a result.

import { closeSync, openSync, readSync } from "node:fs";
import { H2scopeError } from "../errors.js";
import { CaptureAnalyzer, type AnalysisEvent } from "../pipeline.js";
import type { Limits } from "../limits.js";
import type { CliIo } from "./cli-io.js";
import { openCaptureInput } from "./capture-input.js";
import { collectGarbage, FULL_COLLECTION_EVERY_BYTES } from "./full-collection.js";
import { QuietClock } from "./quiet-clock.js";

/** How often a wait for input on a live pipe asks whether capture time has moved on (see QuietClock). */
const QUIET_CHECK_MS = 500;

/** A live input's clock, and who is told when capture time moves on while the input is quiet. */
interface QuietTicks {
  clock: QuietClock;
  onQuiet: (captureNowUs: number) => void;
}

/** Printed warnings per run; beyond it they are counted, so a corrupt file cannot flood stderr. */
const MAX_PRINTED_WARNINGS = 50;

export interface AnalysisRun {
  analyzer: CaptureAnalyzer;
  warnings: string[];
  /** Set when reading stopped early; what was decoded before it is in the analyzer's results. */
  stoppedBy: H2scopeError | undefined;
}

/**
 * Reads `path` to the end (or to the point where it cannot go on), sending events to `onEvent`
 * as they happen and warnings to stderr at once, so live input shows problems live.
 */
/**
 * `options.label` names the capture in every message when a run reads several (their messages
 * are printed together). `options.onQuiet`: while a live input is quiet, called every
 * QUIET_CHECK_MS with the capture time it has reached (see QuietClock).
 */
export async function runAnalysis(path: string, io: CliIo,
  options: { http2Ports?: number[]; keyLogFile?: string; limits?: Partial<Limits>; label?: string; onQuiet?: (captureNowUs: number) => void },
  onEvent: (event: AnalysisEvent) => void): Promise<AnalysisRun> {
  const warnings: string[] = [];
  const about = options.label === undefined ? "" : `${options.label}: `;
  const keyLog = options.keyLogFile === undefined ? undefined : openKeyLog(options.keyLogFile);
  const analyzer = new CaptureAnalyzer({
    http2Ports: options.http2Ports,
    limits: options.limits,
    keyLogText: keyLog?.more(),
    moreKeyLogText: keyLog?.more,
    // No command prints or judges DATA bytes: skip them rather than assemble them.
    keepDataPayloads: false,
    // Nor payload bytes: the HTTP/2 stage still gets them.
    tcpDataEvents: false,
    // Nor each DATA frame's window steps (a frame event carries the windows after it).
    dataWindowEvents: false,
    onEvent(event) {
      if (event.kind === "capture.warning") {
        warnings.push(event.message);
        if (warnings.length <= MAX_PRINTED_WARNINGS) io.stderr(`h2scope: warning: ${about}${event.message}\n`);
        return;
      }
      onEvent(event);
    },
  });
  if (analyzer.keyLog.badLines.length > 0) {
    const lines = analyzer.keyLog.badLines;
    io.stderr(`h2scope: warning: ${about}key log ${options.keyLogFile}: ${lines.length} line${lines.length === 1 ? "" : "s"} not understood (first: line ${lines[0]}); expected LABEL <64 hex client random> <hex secret>\n`);
  }
  const input = await openCaptureInput(path, io.stdin);
  const quiet: QuietTicks | undefined = options.onQuiet !== undefined && input.readsMayStall ? { clock: new QuietClock(), onQuiet: options.onQuiet } : undefined;
  let stoppedBy: H2scopeError | undefined;
  try {
    const showProgress = io.progress !== undefined && input.totalBytes !== undefined && input.totalBytes > 0;
    let collectAt = FULL_COLLECTION_EVERY_BYTES;
    for await (const chunk of untilStopped(input.chunks, io.stop, input.readsMayStall, quiet)) {
      analyzer.push(chunk);
      quiet?.clock.packetsRead(analyzer.summary.packets, analyzer.summary.lastTimeUs);
      if (analyzer.summary.inputBytes >= collectAt) {
        collectGarbage();
        collectAt = analyzer.summary.inputBytes + FULL_COLLECTION_EVERY_BYTES;
      }
      if (io.drained !== undefined) await io.drained();
      if (showProgress) io.progress!(input.bytesRead(), input.totalBytes!, false);
    }
    if (showProgress) io.progress!(input.bytesRead(), input.totalBytes!, true);
    if (io.stop?.aborted) {
      io.stderr(`h2scope: interrupted: ${about}reporting what was read so far\n`);
      analyzer.stop();
    } else {
      analyzer.end();
    }
  } catch (error) {
    // Only damage part-way leaves results worth reporting; an unreadable input has none.
    if (!(error instanceof H2scopeError) || error.code !== "capture-damaged") throw error;
    stoppedBy = error;
    analyzer.stop();
  }
  if (input.gzip()) analyzer.summary.format = `${analyzer.summary.format}, gzip-compressed`;
  if (warnings.length > MAX_PRINTED_WARNINGS) {
    io.stderr(`h2scope: warning: ${about}${warnings.length - MAX_PRINTED_WARNINGS} more warnings not shown (all are in --format json)\n`);
  }
  keyLog?.close();
  noteSkippedPackets(analyzer, io, about);
  return { analyzer, warnings, stoppedBy };
}

/** LABEL, a client random, and a secret of a length TLS uses (32 or 48 octets; 64 for SHA-512). */
const WHOLE_KEY_LOG_ENTRY = /^\S+ [0-9a-fA-F]{64} (?:[0-9a-fA-F]{64}|[0-9a-fA-F]{96}|[0-9a-fA-F]{128})\s*$/;

/**
 * A key log read as it grows: a client running with SSLKEYLOGFILE during a live capture appends
 * a session's secrets around its handshake, so `more` reads whole lines added since the last call.
 */
function openKeyLog(file: string): { more: () => string; close: () => void } {
  let descriptor: number;
  try {
    descriptor = openSync(file, "r");
  } catch (error) {
    throw new H2scopeError("input-unreadable", `cannot read key log ${file}: ${(error as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (error as Error).message}`);
  }
  let offset = 0;
  let partial = "";
  let readBefore = false;
  const buffer = Buffer.alloc(64 * 1024);
  return {
    more: () => {
      let text = partial;
      for (let read = readSync(descriptor, buffer, 0, buffer.length, offset); read > 0; read = readSync(descriptor, buffer, 0, buffer.length, offset)) {
        offset += read;
        text += buffer.toString("latin1", 0, read);
      }
      // A line still being written waits for its newline. At the first read only, a last line
      // that is a whole entry is taken as it is (a finished file without a final newline); later
      // a line may be cut exactly where it still looks whole.
      const end = text.lastIndexOf("\n") + 1;
      partial = text.slice(end);
      const first = !readBefore;
      readBefore = true;
      if (first && WHOLE_KEY_LOG_ENTRY.test(partial)) {
        partial = "";
        return text;
      }
      return text.slice(0, end);
    },
    close: () => closeSync(descriptor),
  };
}

function noteSkippedPackets(analyzer: CaptureAnalyzer, io: CliIo, about: string): void {
  const summary = analyzer.summary;
  if (summary.ipFragments > 0) {
    io.stderr(`h2scope: note: ${about}${summary.ipFragments} IP fragment${summary.ipFragments === 1 ? " was" : "s were"} counted and skipped (h2scope does not reassemble IP fragments)\n`);
  }
  if (summary.undecodablePackets > 0) {
    io.stderr(`h2scope: note: ${about}${summary.undecodablePackets} packet${summary.undecodablePackets === 1 ? " has" : "s have"} link, IP or TCP headers cut short or malformed; skipped\n`);
  }
  if (summary.evictedConnections > 0) {
    io.stderr(`h2scope: note: ${about}${summary.evictedConnections} TCP connection${summary.evictedConnections === 1 ? " was" : "s were"} evicted: more were open at once than --limit maxOpenConnections allows\n`);
  }
  if (summary.unknownLinkTypePackets > 0) {
    io.stderr(`h2scope: note: ${about}${summary.unknownLinkTypePackets} packet${summary.unknownLinkTypePackets === 1 ? " is" : "s are"} on link types h2scope cannot decode; skipped\n`);
  }
}

/**
 * The chunks until `stop` aborts, even while waiting for the next one when reads may stall (a
 * quiet live pipe); while such a wait lasts on a live input, `quiet.onQuiet` gets the capture time
 * every QUIET_CHECK_MS. Each wait adds an abort listener and removes it again: racing every read
 * against one long-lived promise would pile reactions on it and keep every chunk alive. A regular
 * file's reads always finish, so there a look at the flag between chunks is enough: the listener
 * and promises per chunk took 10-25 ms of reading the 235 MB bench capture's 1,791 chunks (about
 * 1% of the whole command).
 */
async function* untilStopped(chunks: AsyncIterable<Uint8Array>, stop: AbortSignal | undefined, readsMayStall: boolean,
  quiet: QuietTicks | undefined): AsyncIterable<Uint8Array> {
  if (!readsMayStall || (stop === undefined && quiet === undefined)) {
    for await (const chunk of chunks) {
      if (stop?.aborted) return;
      yield chunk;
    }
    return;
  }
  const iterator = chunks[Symbol.asyncIterator]();
  try {
    while (stop?.aborted !== true) {
      const read = iterator.next();
      const next = await new Promise<IteratorResult<Uint8Array> | "stopped">((resolve, reject) => {
        // Only on a live input (a replay through a pipe needs no timer per read). What the rules
        // throw at a tick ends the read as a failed read would, not as an uncaught error.
        const timer = quiet === undefined || !quiet.clock.live ? undefined : setInterval(() => {
          try {
            const nowUs = quiet.clock.captureNowUs();
            if (nowUs !== undefined) quiet.onQuiet(nowUs);
          } catch (error) {
            release();
            reject(error);
          }
        }, QUIET_CHECK_MS);
        timer?.unref();
        const onAbort = () => {
          release();
          resolve("stopped");
        };
        const release = () => {
          stop?.removeEventListener("abort", onAbort);
          if (timer !== undefined) clearInterval(timer);
        };
        stop?.addEventListener("abort", onAbort, { once: true });
        read.then(
          (result) => {
            release();
            resolve(result);
          },
          (error: unknown) => {
            release();
            reject(error);
          },
        );
      });
      if (next === "stopped" || next.done) break;
      yield next.value;
    }
  } finally {
    // Not awaited: with a read still pending on a quiet pipe it would wait for data that may
    // never come. The CLI releases standard input when the command ends.
    void iterator.return?.()?.catch(() => undefined);
  }
}
