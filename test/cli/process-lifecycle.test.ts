// How the real h2scope process starts and stops around its input and output: SIGTERM during a
// live capture (as a service manager or `timeout` sends it), a reader that closes the pipe early
// (`| head`), and the progress bar, drawn only when standard error is a terminal.
//
// The input is a real capture written into a pipe that stays open, as tcpdump's would while it
// runs: h2scope cannot tell it from a live capture, and the test needs no capture privileges.

import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { spawn, stopProcess, waitFor } from "../support/processes.js";

const ROOT = join(import.meta.dirname, "..", "..");
const CLI = join(ROOT, "bin", "h2scope.js");
const CAPTURES = join(ROOT, "fixtures", "captures");

/** Resolves with the exit code (or signal name) of a child once it exits. */
function exited(child: ReturnType<typeof spawn>): Promise<number | string | null> {
  return new Promise((resolve) => child.once("exit", (code, signal) => resolve(code ?? signal)));
}

describe("the h2scope process", () => {
  it("on SIGTERM during a live capture stops reading, prints the summary of what it saw and exits with its verdict", async () => {
    const h2scope = spawn("node", [CLI, "analyze", "--follow", "--format", "ndjson", "-"], { stdio: ["pipe", "pipe", "pipe"] });
    try {
      let output = "";
      let errors = "";
      h2scope.stdout!.on("data", (chunk) => (output += chunk));
      h2scope.stderr!.on("data", (chunk) => (errors += chunk));
      const exit = exited(h2scope);
      // The whole capture, but the pipe stays open: to h2scope the capture is still running.
      h2scope.stdin!.write(readFileSync(join(CAPTURES, "h2-window-overflow.pcap")));

      await waitFor(() => output.includes('"flow-control-window-overflow"'), 15_000, "the finding");
      expect(output).not.toContain('"kind":"summary"'); // the finding came before any end of input
      process.kill(h2scope.pid!, "SIGTERM");

      expect(await exit).toBe(1); // --fail-on error, and the finding is an error
      const lines = output.trim().split("\n").map((line) => JSON.parse(line) as { kind: string; findings?: Record<string, number> });
      const summary = lines.at(-1)!;
      expect(summary.kind).toBe("summary");
      expect(summary.findings!.error).toBeGreaterThanOrEqual(1);
      expect(lines.filter((line) => line.kind === "finding").length).toBe(summary.findings!.error! + summary.findings!.warning! + summary.findings!.info!);
      expect(errors).toBe("h2scope: interrupted: reporting what was read so far\n"); // one line saying why it stopped
    } finally {
      await stopProcess(h2scope, "SIGKILL");
    }
  });

  it("ends quietly with exit 0 when the reader of its output goes away (| head)", async () => {
    // About a megabyte of frame lines: far more than a pipe holds, so writes continue after the close.
    const h2scope = spawn("node", [CLI, "frames", "--format", "ndjson", join(CAPTURES, "h2-large-download.pcap.gz")], { stdio: ["ignore", "pipe", "pipe"] });
    try {
      let errors = "";
      h2scope.stderr!.on("data", (chunk) => (errors += chunk));
      const exit = exited(h2scope);
      let firstLine = "";
      await new Promise<void>((resolve) => {
        h2scope.stdout!.once("data", (chunk: Buffer) => {
          firstLine = chunk.toString().split("\n")[0]!;
          h2scope.stdout!.destroy(); // what head does after its lines: close its end of the pipe
          resolve();
        });
      });
      expect(JSON.parse(firstLine)).toMatchObject({ kind: "frame" });
      expect(await exit).toBe(0);
      expect(errors).toBe("");
    } finally {
      await stopProcess(h2scope, "SIGKILL");
    }
  });

  it("draws a progress bar on standard error when it is a terminal, and nothing when it is not", () => {
    const capture = join(CAPTURES, "h2-large-download.pcap.gz");
    // script(1) gives the command a terminal; only standard error is left on it.
    const onTerminal = spawnSync("script", ["-q", "-e", "-c", `node ${CLI} analyze ${capture} > /dev/null`, "/dev/null"], { encoding: "utf8", timeout: 30_000 });
    expect(onTerminal.status, onTerminal.stderr).toBe(0);
    expect(onTerminal.stdout).toMatch(/\r\[#+\.*\] +\d+% \d+ \/ \d+ MB, \d+ MB\/s\u001b\[K/);
    expect(onTerminal.stdout.endsWith("\r\u001b[K")).toBe(true); // the bar is cleared when the file is done

    const piped = spawnSync("node", [CLI, "analyze", capture], { encoding: "utf8", timeout: 30_000 });
    expect(piped.status).toBe(0);
    expect(piped.stdout).toContain("Findings:");
    expect(piped.stderr).toBe("");
  });
});
