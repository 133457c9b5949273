// The CLI entry: parses arguments, runs a command, and maps every failure to an exit code.

import { Command, CommanderError } from "commander";
import { H2scopeError } from "../errors.js";
import type { CliIo } from "./cli-io.js";
import { connectionsCommand } from "./commands/connections-command.js";
import { framesCommand } from "./commands/frames-command.js";
import { analyzeCommand } from "./commands/analyze-command.js";
import { rulesCommand } from "./commands/rules-command.js";
import { exitCodeFor, EXIT_INTERNAL_ERROR, EXIT_OK, EXIT_USAGE } from "./exit-codes.js";

export type { CliIo } from "./cli-io.js";

/** Runs h2scope with `argv` (without node and script) and returns the exit code. */
export async function main(argv: string[], io: CliIo): Promise<number> {
  let exitCode = EXIT_OK;
  const program = new Command("h2scope")
    .description("Reads packet captures and explains what went wrong in HTTP/2 traffic")
    .version(VERSION, "-V, --version")
    .addHelpText("after", "\nStart with: h2scope analyze capture.pcap (or - for standard input). Exit codes are listed in\neach command's help and in the README.");
  // analyze first: it is what users come for; the others show the layers it stands on.
  program.addCommand(analyzeCommand(io, (code) => (exitCode = code)));
  program.addCommand(connectionsCommand(io, (code) => (exitCode = code)));
  program.addCommand(framesCommand(io, (code) => (exitCode = code)));
  program.addCommand(rulesCommand(io, (code) => (exitCode = code)));
  // exitOverride and output settings are not inherited by addCommand(): set them on each.
  for (const command of [program, ...program.commands]) {
    command.exitOverride();
    command.configureOutput({
      writeOut: (text) => io.stdout(text),
      writeErr: (text) => io.stderr(text),
    });
  }
  try {
    await program.parseAsync(argv, { from: "user" });
    return exitCode;
  } catch (error) {
    return reportError(error, io);
  } finally {
    io.release?.();
  }
}

/** Every failure becomes a message and an exit code here, and only here. */
function reportError(error: unknown, io: CliIo): number {
  if (error instanceof CommanderError) {
    // --help and --version "fail" with exit code 0; real usage errors were already printed.
    return error.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
  }
  if (error instanceof H2scopeError) {
    io.stderr(`h2scope: error: ${error.message}\n`);
    return exitCodeFor(error.code);
  }
  io.stderr(`h2scope: internal error: ${(error as Error)?.message ?? String(error)}\n`);
  io.stderr(`h2scope: this is a bug; please report it with the capture if you can${process.env.H2SCOPE_DEBUG ? "" : " (set H2SCOPE_DEBUG=1 for a stack trace)"}\n`);
  if (process.env.H2SCOPE_DEBUG) io.stderr(`${(error as Error)?.stack}\n`);
  return EXIT_INTERNAL_ERROR;
}

const VERSION = "0.1.0";

/**
 * A one-line progress bar on standard error: bytes read of the file's size and the rate. Here
 * the wall clock serves only this display (redraws are limited to five a second); results use
 * capture time (and, on a live capture gone quiet, the clock: see quiet-clock.ts).
 */
function progressBar(): (bytesRead: number, totalBytes: number, done: boolean) => void {
  const started = Date.now();
  let lastDraw = 0;
  return (bytesRead, totalBytes, done) => {
    if (done) {
      if (lastDraw > 0) process.stderr.write("\r\u001b[K");
      return;
    }
    const now = Date.now();
    if (now - lastDraw < 200) return;
    lastDraw = now;
    const fraction = Math.min(1, bytesRead / totalBytes);
    const width = 30;
    const filled = Math.round(fraction * width);
    const rate = bytesRead / 1e6 / Math.max((now - started) / 1000, 0.001);
    process.stderr.write(`\r[${"#".repeat(filled)}${".".repeat(width - filled)}] ${(fraction * 100).toFixed(0).padStart(3)}% ` +
      `${(bytesRead / 1e6).toFixed(0)} / ${(totalBytes / 1e6).toFixed(0)} MB, ${rate.toFixed(0)} MB/s\u001b[K`);
  };
}

/** The real process's streams. */
export function nodeIo(): CliIo {
  // A reader that stops early (`| head`) closes the pipe: that ends the output, not an error.
  process.stdout.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") process.exit(EXIT_OK);
    throw error;
  });
  // The first Ctrl-C or SIGTERM stops reading so the report covers what was seen; a second
  // one ends the process at once.
  const stop = new AbortController();
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.on(signal, () => {
      if (stop.signal.aborted) process.exit(130);
      stop.abort();
    });
  }
  let stdinUsed = false;
  return {
    progress: process.stderr.isTTY ? progressBar() : undefined,
    stop: stop.signal,
    stdout: (text) => void process.stdout.write(text),
    stderr: (text) => void process.stderr.write(text),
    // Touch process.stdin only when a command reads it: creating it opens fd 0.
    stdin: {
      [Symbol.asyncIterator]: () => {
        stdinUsed = true;
        return process.stdin[Symbol.asyncIterator]() as AsyncIterator<Uint8Array>;
      },
    },
    release: () => {
      if (stdinUsed) process.stdin.destroy();
    },
    colour: process.stdout.isTTY === true && process.env.NO_COLOR === undefined,
    drained: () =>
      process.stdout.writableNeedDrain ? new Promise((resolve) => process.stdout.once("drain", () => resolve())) : Promise.resolve(),
  };
}
