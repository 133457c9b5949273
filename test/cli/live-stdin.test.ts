// `tcpdump -U -w - | h2scope connections --format ndjson -` reports connections while the
// capture is still running, with real peers on loopback.

import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { spawn, stopProcess, testPort, waitFor, waitForPort } from "../support/processes.js";

const CLI = join(import.meta.dirname, "..", "..", "bin", "h2scope.js");

describe("live capture on standard input", () => {
  const directory = mkdtempSync(join(tmpdir(), "h2scope-live-"));
  afterAll(() => rmSync(directory, { recursive: true, force: true }));

  it("prints a finished connection while tcpdump is still capturing", async () => {
    writeFileSync(join(directory, "hello.txt"), "hello from a live capture\n".repeat(100));
    const port = testPort();
    const server = spawn("nghttpd", ["--no-tls", "-d", directory, String(port)], { stdio: "ignore" });
    let tcpdump: ReturnType<typeof spawn> | undefined;
    let h2scope: ReturnType<typeof spawn> | undefined;
    try {
      await waitForPort(port);
      tcpdump = spawn("tcpdump", ["-i", "lo", "-U", "-w", "-", `tcp port ${port}`], { stdio: ["ignore", "pipe", "pipe"] });
      let tcpdumpLog = "";
      tcpdump.stderr!.on("data", (chunk) => (tcpdumpLog += chunk));
      h2scope = spawn("node", [CLI, "connections", "--format", "ndjson", "-"], { stdio: ["pipe", "pipe", "pipe"] });
      tcpdump.stdout!.pipe(h2scope.stdin!);
      let output = "";
      let errors = "";
      h2scope.stdout!.on("data", (chunk) => (output += chunk));
      h2scope.stderr!.on("data", (chunk) => (errors += chunk));
      await waitFor(() => tcpdumpLog.includes("listening on"), 10_000, "tcpdump to start");

      const request = spawnSync("nghttp", [`http://127.0.0.1:${port}/hello.txt`], { timeout: 10_000 });
      expect(request.status).toBe(0);

      await waitFor(() => output.includes("\n"), 15_000, "h2scope to report the connection");
      // The capture is still running: the report came from streaming, not from end of input.
      expect(tcpdump.exitCode).toBeNull();
      const connection = JSON.parse(output.split("\n")[0]!);
      expect(connection.server).toBe(`127.0.0.1:${port}`);
      expect(connection.closeReason).toBe("fin");
      expect(connection.rolesDecidedBy).toBe("syn");
      expect(connection.serverToClient.deliveredBytes).toBeGreaterThan(2600);

      const h2scopeExit = new Promise<number | null>((resolve) => h2scope!.once("exit", (code) => resolve(code)));
      await stopProcess(tcpdump, "SIGINT");
      expect(await h2scopeExit).toBe(0);
      expect(errors).toBe("");
    } finally {
      await stopProcess(tcpdump, "SIGINT");
      await stopProcess(h2scope);
      await stopProcess(server);
    }
  });
});
