// Opens the capture the user named (a path, or "-" for standard input) as a stream of byte
// chunks, decompressing gzip when the content (not the name) says so.

import { closeSync, createReadStream, openSync, readSync } from "node:fs";
import { stat } from "node:fs/promises";
import { lazyModule } from "../lazy-module.js";
import { isGzipMagic } from "../capture/capture-reader.js";
import { H2scopeError } from "../errors.js";
import { copyBytes } from "../bytes/concat.js";

/** 128 KiB reads: per-chunk costs are already negligible at this size (measured: no slower than 256 KiB). */
const READ_CHUNK_BYTES = 128 * 1024;

const zlib = lazyModule<typeof import("node:zlib")>("node:zlib");
// Only gzip input needs a stream (some 1.4 ms of every start otherwise).
const stream = lazyModule<typeof import("node:stream")>("node:stream");

export interface CaptureInput {
  chunks: AsyncIterable<Uint8Array>;
  /** Set once the first bytes are seen: whether the input was gzip-compressed. */
  readonly gzip: () => boolean;
  /** File size in bytes (undefined for standard input). */
  totalBytes: number | undefined;
  /** Whether a read may wait for data indefinitely: standard input or a named pipe, not a regular file. */
  readsMayStall: boolean;
  /** Bytes read from the file so far (before decompression). */
  readonly bytesRead: () => number;
}

export async function openCaptureInput(path: string, stdin: AsyncIterable<Uint8Array>): Promise<CaptureInput> {
  let source: AsyncIterable<Uint8Array>;
  let totalBytes: number | undefined;
  let bytesRead = 0;
  let regularFile = false;
  if (path === "-") {
    source = stdin;
  } else {
    try {
      const info = await stat(path);
      if (info.isDirectory()) throw new H2scopeError("input-unreadable", `${path} is a directory, not a capture file`);
      regularFile = info.isFile();
      totalBytes = regularFile ? info.size : undefined;
    } catch (error) {
      if (error instanceof H2scopeError) throw error;
      throw new H2scopeError("input-unreadable", `cannot open ${path}: ${describeFsError(error)}`);
    }
    const onRead = (length: number) => (bytesRead += length);
    // A named pipe or device (a live capture written to a FIFO) has no positions to read at.
    source = regularFile ? readRegularFile(path, onRead) : readStream(path, onRead);
  }
  let gzip = false;
  return {
    chunks: gunzipIfCompressed(source, (value) => (gzip = value)),
    gzip: () => gzip,
    totalBytes,
    readsMayStall: !regularFile,
    bytesRead: () => bytesRead,
  };
}

/**
 * A regular file, read with synchronous sequential reads. Measured on a cached 235 MB capture:
 * a read stream left the process idle a fifth of the time, and asynchronous reads one chunk
 * ahead still a tenth (the thread pool's read, and waking the loop for it, outlast decoding a
 * chunk on a busy machine); synchronous reads cost 5-8% less time in all. On a file not yet
 * cached the kernel's sequential read-ahead still fetches ahead of us. A macrotask after each
 * chunk keeps Ctrl-C, the progress bar and stdout draining live.
 *
 * Every chunk is read into the same buffer, so a chunk is good only until the next is asked
 * for: CaptureAnalyzer.push keeps nothing of its chunk (stages copy what they keep). A new
 * buffer per read left the dead ones to the garbage collector, 12-24 MiB of them at the peak
 * of a 1.3 GB capture (test/fixtures/reused-input.test.ts checks that reuse changes no result).
 */
async function* readRegularFile(path: string, onRead: (length: number) => void): AsyncIterable<Uint8Array> {
  let descriptor: number;
  try {
    descriptor = openSync(path, "r");
  } catch (error) {
    throw new H2scopeError("input-unreadable", `cannot read ${path}: ${describeFsError(error)}`);
  }
  try {
    const buffer = Buffer.allocUnsafeSlow(READ_CHUNK_BYTES);
    for (;;) {
      let length: number;
      try {
        length = readSync(descriptor, buffer, 0, READ_CHUNK_BYTES, null);
      } catch (error) {
        throw new H2scopeError("input-unreadable", `cannot read ${path}: ${describeFsError(error)}`);
      }
      if (length === 0) return;
      onRead(length);
      yield length === READ_CHUNK_BYTES ? buffer : buffer.subarray(0, length);
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  } finally {
    closeSync(descriptor);
  }
}

async function* readStream(path: string, onRead: (length: number) => void): AsyncIterable<Uint8Array> {
  const stream = createReadStream(path, { highWaterMark: READ_CHUNK_BYTES });
  try {
    for await (const chunk of stream) {
      onRead((chunk as Uint8Array).length);
      yield chunk as Uint8Array;
    }
  } catch (error) {
    throw new H2scopeError("input-unreadable", `cannot read ${path}: ${describeFsError(error)}`);
  }
}

async function* gunzipIfCompressed(source: AsyncIterable<Uint8Array>, setGzip: (gzip: boolean) => void): AsyncIterable<Uint8Array> {
  const iterator = source[Symbol.asyncIterator]();
  // Gather the two bytes that tell gzip apart (a pipe may deliver one byte first).
  const head: Uint8Array[] = [];
  let headLength = 0;
  let done = false;
  while (headLength < 2) {
    const next = await iterator.next();
    if (next.done) {
      done = true;
      break;
    }
    head.push(next.value);
    headLength += next.value.length;
  }
  const first = Buffer.concat(head);
  const rest: AsyncIterable<Uint8Array> = {
    [Symbol.asyncIterator]: () => (done ? emptyIterator() : iterator),
  };
  if (!isGzipMagic(first)) {
    setGzip(false);
    if (first.length > 0) yield first;
    yield* rest;
    return;
  }
  setGzip(true);
  // Z_SYNC_FLUSH at the end: a cut-short gzip file (a capture still being written) yields all
  // it holds instead of an "unexpected end of file" error; the capture layer reports the cut.
  const gunzip = zlib().createGunzip({ finishFlush: zlib().constants.Z_SYNC_FLUSH, chunkSize: READ_CHUNK_BYTES });
  // The stream reads ahead of decompression, and a file's chunks share one buffer: copies.
  const compressed = stream().Readable.from(prepend(first, copies(rest)));
  compressed.on("error", (error) => gunzip.destroy(error));
  compressed.pipe(gunzip);
  try {
    for await (const chunk of gunzip) yield chunk as Uint8Array;
  } catch (error) {
    if (error instanceof H2scopeError) throw error;
    throw new H2scopeError("capture-damaged", `the gzip-compressed input is corrupt: ${(error as Error).message}`);
  } finally {
    // Ends the source too when decompression stopped early (a corrupt stream): the file closes.
    compressed.destroy();
  }
}

async function* prepend(first: Uint8Array, rest: AsyncIterable<Uint8Array>): AsyncIterable<Uint8Array> {
  yield first;
  yield* rest;
}

/** Each chunk copied. */
async function* copies(chunks: AsyncIterable<Uint8Array>): AsyncIterable<Uint8Array> {
  for await (const chunk of chunks) yield copyBytes(chunk);
}

function emptyIterator(): AsyncIterator<Uint8Array> {
  return { next: async () => ({ done: true, value: undefined }) };
}

function describeFsError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  switch (code) {
    case "ENOENT":
      return "no such file";
    case "EACCES":
    case "EPERM":
      return "permission denied";
    case "EISDIR":
      return "it is a directory";
    default:
      return (error as Error).message ?? String(error);
  }
}
