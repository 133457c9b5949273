// The installed command (bin/h2scope.js, which loads the one-file build dist/h2scope.cjs made by
// scripts/bundle.mjs, with the code cache of scripts/code-cache.mjs) against the CLI run in place from the sources: the same output and exit
// codes on real captures, read from a file, from a named pipe, gzip-compressed, and several at
// once (worker threads load the unbundled modules).

import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import { fixturePath, loadFixtureMetas } from "../support/fixtures.js";
import { runCli } from "../support/run-cli.js";

const CLI = join(import.meta.dirname, "..", "..", "bin", "h2scope.js");

interface Outcome {
  exitCode: number | null;
  stdout: string;
  stderr: string;
}

function runInstalled(args: string[]): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const child = spawn("node", [CLI, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    child.once("error", reject);
    child.once("exit", (exitCode) => {
      clearTimeout(timer);
      resolve({ exitCode, stdout, stderr });
    });
  });
}

const metas = new Map(loadFixtureMetas().map((meta) => [meta.name, meta] as const));
function capture(name: string): string {
  const meta = metas.get(name);
  if (meta === undefined) throw new Error(`fixture ${name} is missing: run fixtures/make-fixtures.sh`);
  return fixturePath(meta);
}

describe("the installed h2scope command", () => {
  const directory = mkdtempSync(join(tmpdir(), "h2scope-installed-"));
  afterAll(() => rmSync(directory, { recursive: true, force: true }));

  const commands = [
    ["analyze", "--format", "json", capture("rules-stream-timeout")],
    ["analyze", capture("rules-rst-internal-burst")],
    ["connections", "--format", "json", capture("h2load-many-connections")],
    ["frames", "--format", "ndjson", capture("nghttp-get-us")],
    // Two captures: worker threads.
    ["analyze", "--format", "json", capture("rules-flow-misaccounting"), capture("nghttp-get-us")],
    ["analyze", "/nonexistent/capture.pcap"],
    ["analyze", capture("bad-impossible-length")],
  ];
  it.each(commands.map((args) => [args.map((arg) => arg.replace(/^.*\//, "")).join(" "), args] as const))("prints what the in-place CLI prints: h2scope %s", async (_label, args) => {
    const installed = await runInstalled(args);
    const inPlace = await runCli(args);
    expect(installed.stdout).toBe(inPlace.stdout);
    expect(installed.stderr).toBe(inPlace.stderr);
    expect(installed.exitCode).toBe(inPlace.exitCode);
    expect(installed.stdout.length + installed.stderr.length).toBeGreaterThan(0);
  });

  it("reads a named pipe (a capture being written) and a gzip-compressed file the same as the plain file", async () => {
    const path = capture("rules-stream-timeout");
    const expected = await runInstalled(["analyze", "--format", "json", path]);
    expect(expected.exitCode).toBe(0);

    const compressed = join(directory, "capture.pcap.gz");
    writeFileSync(compressed, gzipSync(readFileSync(path)));
    const fromGzip = await runInstalled(["analyze", "--format", "json", compressed]);
    expect(JSON.parse(fromGzip.stdout).findings).toEqual(JSON.parse(expected.stdout).findings);
    expect(JSON.parse(fromGzip.stdout).capture.format).toMatch(/gzip-compressed/);

    const pipe = join(directory, "capture.fifo");
    execFileSync("mkfifo", [pipe]);
    const reading = runInstalled(["analyze", "--format", "json", pipe]);
    // Opening a pipe for writing waits for its reader: the command is reading when this returns.
    execFileSync("sh", ["-c", 'cat "$1" > "$2"', "sh", path, pipe], { timeout: 30_000 });
    const fromPipe = await reading;
    expect(fromPipe.exitCode).toBe(0);
    expect(JSON.parse(fromPipe.stdout)).toEqual(JSON.parse(expected.stdout));
  });
});
