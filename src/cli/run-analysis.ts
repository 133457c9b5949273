// Feeds a capture input through the analyzer, turning stopping errors into a result.

import { closeSync, openSync, readSync } from "node:fs";
import { stat } from "node:fs/promises";
import { H2scopeError } from "../errors.js";
import { CaptureAnalyzer, type AnalysisEvent, type CapturePart } from "../pipeline.js";
import type { Limits } from "../limits.js";
import type { CliIo } from "./cli-io.js";
import { openCaptureInput, type CaptureInput } from "./capture-input.js";
import { PART_OVERLAP_ALLOWED_US } from "./capture-parts.js";
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
  /**
   * Damage in a part of a split capture that is not the last: reported when found, the rest of
   * that file skipped and the next part read (the exit status still says the capture is damaged).
   */
  skippedDamage: H2scopeError | undefined;
}

/**
 * Reads a capture to the end (or to the point where it cannot go on), sending events to
 * `onEvent` as they happen and warnings to stderr at once, so live input shows problems live.
 * `paths` is one file (or - for standard input), or the files one capture was split into, in
 * the order to read them (see orderCaptureParts): read as one capture, each warning naming its file.
 *
 * `options.label` names the capture in every message when a run reads several (their messages
 * are printed together). `options.onQuiet`: while a live input is quiet, called every
 * QUIET_CHECK_MS with the capture time it has reached (see QuietClock).
 */
export async function runAnalysis(paths: readonly string[], io: CliIo,
  options: { http2Ports?: number[]; keyLogFile?: string; limits?: Partial<Limits>; label?: string; onQuiet?: (captureNowUs: number) => void },
  onEvent: (event: AnalysisEvent) => void): Promise<AnalysisRun> {
  const warnings: string[] = [];
  const split = paths.length > 1;
  const labelled = options.label === undefined ? "" : `${options.label}: `;
  // A split capture's warnings name the file they come from (their byte offsets are in it).
  let partPrefix = "";
  const warn = (message: string) => {
    warnings.push(`${partPrefix}${message}`);
    if (warnings.length <= MAX_PRINTED_WARNINGS) io.stderr(`h2scope: warning: ${labelled}${partPrefix}${message}\n`);
  };
  const keyLog = options.keyLogFile === undefined ? undefined : openKeyLog(options.keyLogFile);
  const analyzer = new CaptureAnalyzer({
    http2Ports: options.http2Ports,
    limits: options.limits,
    parts: split,
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
        warn(event.message);
        return;
      }
      onEvent(event);
    },
  });
  if (analyzer.keyLog.badLines.length > 0) {
    const lines = analyzer.keyLog.badLines;
    io.stderr(`h2scope: warning: ${labelled}key log ${options.keyLogFile}: ${lines.length} line${lines.length === 1 ? "" : "s"} not understood (first: line ${lines[0]}); expected LABEL <64 hex client random> <hex secret>\n`);
  }
  // The progress bar counts every part's bytes against their total.
  const sizes = split ? await Promise.all(paths.map(fileSize)) : undefined;
  const progress: Progress | undefined = io.progress === undefined ? undefined
    : { show: io.progress, bytesBefore: 0, totalBytes: sizes?.every((size) => size !== undefined) ? sizes.reduce<number>((sum, size) => sum + size!, 0) : undefined, shown: false };
  let stoppedBy: H2scopeError | undefined;
  let skippedDamage: H2scopeError | undefined;
  /** The files read, and whether each was gzip-compressed (a part that could not be opened is not among them). */
  const read: Array<{ path: string; gzip: boolean }> = [];
  let abandonPrevious = false;
  let finished = false;
  let collectAt = FULL_COLLECTION_EVERY_BYTES;
  const interrupted = () => io.stop?.aborted === true;
  for (let index = 0; index < paths.length && !finished && !interrupted(); index++) {
    const path = paths[index]!;
    const last = index === paths.length - 1;
    let input: CaptureInput;
    try {
      input = await openCaptureInput(path, io.stdin);
    } catch (error) {
      // The command checked the parts before reading; one that went away since is skipped.
      if (read.length === 0 || !(error instanceof H2scopeError)) throw error;
      skippedDamage ??= error;
      io.stderr(`h2scope: error: ${labelled}${error.message}${last ? "" : "; reading goes on with the next part"}\n`);
      continue;
    }
    if (read.length > 0) {
      try {
        analyzer.nextPart(abandonPrevious);
      } catch (error) {
        // The part before ended unreadably (nothing in it): said, and reading goes on.
        if (!(error instanceof H2scopeError)) throw error;
        warn(error.message);
      }
      abandonPrevious = false;
    }
    if (split) partPrefix = `${path}: `;
    const quiet: QuietTicks | undefined = options.onQuiet !== undefined && input.readsMayStall ? { clock: new QuietClock(), onQuiet: options.onQuiet } : undefined;
    const totalBytes = progress?.totalBytes ?? input.totalBytes;
    try {
      for await (const chunk of untilStopped(input.chunks, io.stop, input.readsMayStall, quiet)) {
        analyzer.push(chunk);
        quiet?.clock.packetsRead(analyzer.summary.packets, analyzer.summary.lastTimeUs);
        if (analyzer.summary.inputBytes >= collectAt) {
          collectGarbage();
          collectAt = analyzer.summary.inputBytes + FULL_COLLECTION_EVERY_BYTES;
        }
        if (io.drained !== undefined) await io.drained();
        if (progress !== undefined && totalBytes !== undefined && totalBytes > 0) {
          progress.show(progress.bytesBefore + input.bytesRead(), totalBytes, false);
          progress.shown = true;
        }
      }
      if (last && !interrupted()) {
        analyzer.end();
        finished = true;
      }
    } catch (error) {
      // Only damage part-way leaves results worth reporting; an unreadable input has none.
      if (!(error instanceof H2scopeError)) throw error;
      const named = split ? new H2scopeError(error.code, `${path}: ${error.message}`, error.byteOffset) : error;
      if (error.code !== "capture-damaged") throw named;
      if (last) {
        stoppedBy = named;
        analyzer.stop();
        finished = true;
      } else {
        // The next file starts clean: its connections carry on as after lost packets.
        skippedDamage ??= named;
        abandonPrevious = true;
        io.stderr(`h2scope: error: ${labelled}${named.message}\nh2scope: the rest of ${path} is skipped; reading goes on with the next part\n`);
      }
    } finally {
      read.push({ path, gzip: input.gzip() });
      if (progress !== undefined) progress.bytesBefore += input.bytesRead();
    }
  }
  if (progress?.shown === true) progress.show(progress.bytesBefore, progress.totalBytes ?? progress.bytesBefore, true);
  if (!finished) {
    if (interrupted()) {
      io.stderr(`h2scope: interrupted: ${labelled}reporting what was read so far\n`);
      analyzer.stop();
    } else if (abandonPrevious) {
      analyzer.stop();
    } else {
      // The last part could not be opened: the one before it is the end of the capture.
      analyzer.end();
    }
  }
  partPrefix = "";
  if (split) describeParts(analyzer, read, warn);
  else if (read[0]?.gzip === true) analyzer.summary.format = `${analyzer.summary.format}, gzip-compressed`;
  if (warnings.length > MAX_PRINTED_WARNINGS) {
    io.stderr(`h2scope: warning: ${labelled}${warnings.length - MAX_PRINTED_WARNINGS} more warnings not shown (all are in --format json)\n`);
  }
  keyLog?.close();
  noteSkippedPackets(analyzer, io, labelled);
  return { analyzer, warnings, stoppedBy, skippedDamage };
}

interface Progress {
  show: (bytesRead: number, totalBytes: number, done: boolean) => void;
  /** Bytes of the parts read before the current one. */
  bytesBefore: number;
  /** All parts' bytes, when every one is a file of known size. */
  totalBytes: number | undefined;
  /** The bar was drawn: it is cleared at the end. */
  shown: boolean;
}

async function fileSize(path: string): Promise<number | undefined> {
  try {
    const info = await stat(path);
    return info.isFile() ? info.size : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Names each part of a split capture in the summary, with its format, and warns where a part
 * starts before the one read before it ended: parts of one capture follow one another in time,
 * and captures taken side by side (one per host) are separate captures.
 */
function describeParts(analyzer: CaptureAnalyzer, read: ReadonlyArray<{ path: string; gzip: boolean }>, warn: (message: string) => void): void {
  const summary = analyzer.summary;
  const parts = summary.parts ?? [];
  parts.forEach((part, index) => {
    part.file = read[index]!.path;
    if (read[index]!.gzip) part.format = `${part.format}, gzip-compressed`;
  });
  summary.format = [...new Set(parts.map((part) => part.format))].join("; ");
  let previous: CapturePart | undefined;
  for (const part of parts) {
    if (part.firstTimeUs === undefined) continue;
    if (previous?.lastTimeUs !== undefined && part.firstTimeUs < previous.lastTimeUs - PART_OVERLAP_ALLOWED_US) {
      warn(`${part.file} starts ${((previous.lastTimeUs - part.firstTimeUs) / 1e6).toFixed(3)} s before ${previous.file} ends: `
        + "parts of one capture follow one another; captures taken at the same time (one per host) are analysed as separate captures, without --parts");
    }
    previous = part;
  }
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
