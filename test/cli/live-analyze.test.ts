// `tcpdump -U -w - | h2scope analyze --follow -`: a finding appears while the capture runs, and
// Ctrl-C (SIGINT) makes h2scope print the summary of what it saw and exit with its verdict.

import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { spawn, stopProcess, testPort, waitFor, waitForPort } from "../support/processes.js";

const ROOT = join(import.meta.dirname, "..", "..");
const CLI = join(ROOT, "bin", "h2scope.js");
const RAW_PEER = join(ROOT, "fixtures", "scripts", "peers", "h2-raw.py");

describe("live analysis on standard input", () => {
  const directory = mkdtempSync(join(tmpdir(), "h2scope-live-analyze-"));
  afterAll(() => rmSync(directory, { recursive: true, force: true }));

  it("prints a finding while tcpdump runs, then the summary on SIGINT, exiting 1", async () => {
    writeFileSync(join(directory, "index.html"), "<p>hello</p>\n".repeat(50));
    writeFileSync(join(directory, "a.txt"), "a\n".repeat(100));
    const port = testPort();
    const server = spawn("nghttpd", ["--no-tls", "-d", directory, String(port)], { stdio: "ignore" });
    let tcpdump: ReturnType<typeof spawn> | undefined;
    let h2scope: ReturnType<typeof spawn> | undefined;
    try {
      await waitForPort(port);
      tcpdump = spawn("tcpdump", ["-i", "lo", "-U", "-w", "-", `tcp port ${port}`], { stdio: ["ignore", "pipe", "pipe"] });
      let tcpdumpLog = "";
      tcpdump.stderr!.on("data", (chunk) => (tcpdumpLog += chunk));
      h2scope = spawn("node", [CLI, "analyze", "--follow", "-"], { stdio: ["pipe", "pipe", "pipe"] });
      tcpdump.stdout!.pipe(h2scope.stdin!);
      let output = "";
      h2scope.stdout!.on("data", (chunk) => (output += chunk));
      await waitFor(() => tcpdumpLog.includes("listening on"), 10_000, "tcpdump to start");

      // A real misbehaving peer: it pushes a stream window past 2^31-1, then the connection window.
      const peer = spawnSync("/usr/bin/python3", [RAW_PEER, "client", "window-overflow", "--port", String(port), "--timeout", "10"], { timeout: 20_000 });
      expect(peer.status, String(peer.stderr)).toBe(0);

      await waitFor(() => output.includes("flow-control-window-overflow"), 15_000, "the finding");
      expect(tcpdump.exitCode).toBeNull(); // still capturing: the finding came from streaming
      expect(output).toMatch(/^\[\+\d+\.\d{3} s\] error flow-control-window-overflow \(conn 1 packet \d+ stream 1\)/);
      expect(output).not.toContain("Health");

      const exit = new Promise<number | null>((resolve) => h2scope!.once("exit", (code) => resolve(code)));
      process.kill(h2scope.pid!, "SIGINT");
      expect(await exit).toBe(1);
      expect(output).toMatch(/Findings: \d+ error/);
      expect(output).toMatch(/Health\n {2}conn 1 /);
    } finally {
      await stopProcess(h2scope);
      await stopProcess(tcpdump, "SIGINT");
      await stopProcess(server);
    }
  });
});
