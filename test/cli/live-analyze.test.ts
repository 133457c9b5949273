// `tcpdump -U -w - | h2scope analyze --follow -`: a finding appears while the capture runs, and
// Ctrl-C (SIGINT) makes h2scope print the summary of what it saw and exit with its verdict; a
// finding about silence appears while the wire is silent.

import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { spawn, stopProcess, testPort, waitFor, waitForListening, waitForPort } from "../support/processes.js";

const ROOT = join(import.meta.dirname, "..", "..");
const CLI = join(ROOT, "bin", "h2scope.js");
const RAW_PEER = join(ROOT, "fixtures", "scripts", "peers", "h2-raw.py");
const FAILURE_PEER = join(ROOT, "fixtures", "scripts", "peers", "rules-fail-h2.py");

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

  it("reports a request left waiting while nothing is on the wire, before the answer comes", async () => {
    // A real server that answers /slow only after 20 s, and a client that waits for it: between
    // the request and the answer no packet passes. Capture time stands still with no packets;
    // on a live capture it runs on with the wall clock (QuietClock), so the 2 s limit is crossed
    // some 4.5 s after the request (2 s, then the 2 s grace, then the next check) while the
    // client still waits.
    const port = testPort();
    const latency = "20";
    const server = spawn("/usr/bin/python3", [FAILURE_PEER, "server", "slow", "--port", String(port), "--latency", latency, "--timeout", "40", "--out", join(directory, "slow-server.json")], { stdio: "ignore" });
    let tcpdump: ReturnType<typeof spawn> | undefined;
    let h2scope: ReturnType<typeof spawn> | undefined;
    let client: ReturnType<typeof spawn> | undefined;
    try {
      await waitForListening(port); // the server takes one connection: no probe connection
      tcpdump = spawn("tcpdump", ["-i", "lo", "-U", "-w", "-", `tcp port ${port}`], { stdio: ["ignore", "pipe", "pipe"] });
      let tcpdumpLog = "";
      tcpdump.stderr!.on("data", (chunk) => (tcpdumpLog += chunk));
      h2scope = spawn("node", [CLI, "analyze", "--follow", "--set", "stalled-connection.slowResponseSeconds=2", "-"], { stdio: ["pipe", "pipe", "pipe"] });
      const exit = new Promise<number | null>((resolve) => h2scope!.once("exit", (code) => resolve(code)));
      tcpdump.stdout!.pipe(h2scope.stdin!);
      let output = "";
      h2scope.stdout!.on("data", (chunk) => (output += chunk));
      await waitFor(() => tcpdumpLog.includes("listening on"), 10_000, "tcpdump to start");

      // One /slow request (no deadline within the wait), then, after the answer, a PING and a /fast.
      client = spawn("/usr/bin/python3", [FAILURE_PEER, "client", "timeouts", "--port", String(port), "--count", "1", "--deadline", "30", "--latency", latency,
        "--timeout", "40", "--out", join(directory, "slow-client.json")], { stdio: "ignore" });
      const clientExit = new Promise<number | null>((resolve) => client!.once("exit", (code) => resolve(code)));
      // Within 16 s of the client's start: before the answer, due some 20.2 s after it.
      await waitFor(() => output.includes("stalled-connection"), 16_000, "the slow-application finding");
      expect(output).toMatch(/warning stalled-connection \(conn 1 packet \d+ stream 3\): Application slow: 1 complete request has waited over 2\.00 s/);
      expect(await clientExit).toBe(0);

      process.kill(h2scope.pid!, "SIGINT");
      expect(await exit).toBe(0); // a warning: under the default --fail-on error
      // Reported once, though the wait went on after the finding.
      expect(output.match(/stalled-connection \(conn/g)).toHaveLength(1);
      expect(output).toMatch(/Findings: 0 error, 1 warning/);
    } finally {
      await stopProcess(client);
      await stopProcess(h2scope);
      await stopProcess(tcpdump, "SIGINT");
      await stopProcess(server);
    }
  }, 60_000);
});
