import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { fixturePath, loadFixtureMetas } from "../support/fixtures.js";
import { main } from "../../src/cli/main.js";
import { runCli } from "../support/run-cli.js";

const metas = new Map(loadFixtureMetas().map((meta) => [meta.name, meta] as const));
const capture = (name: string) => fixturePath(metas.get(name)!);

describe("h2scope analyze", () => {
  it("reports findings by connection with a summary and health lines, exiting 1 on errors", async () => {
    const result = await runCli(["analyze", capture("h2-window-overflow")]);
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toMatch(/^Capture: pcap \(microsecond, little-endian\), \d+ packets over/);
    expect(result.stdout).toContain("Findings: 2 error");
    expect(result.stdout).toContain("flow-control-window-overflow");
    expect(result.stdout).toMatch(/Health\n {2}conn 1 .* — 2 errors/);
    // Readable at 80 columns, no colour when not a terminal.
    expect(Math.max(...result.stdout.split("\n").map((line) => line.length))).toBeLessThanOrEqual(80);
    expect(result.stdout).not.toContain("\u001b[");
  });

  it("exits 0 on a healthy capture and says so", async () => {
    const result = await runCli(["analyze", capture("nghttp-get-us")]);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain("No findings.");
    expect(result.stdout).toMatch(/conn 1 .* HTTP\/2, 2 streams, fin — healthy/);
  });

  it("honours --fail-on: warnings fail with --fail-on warning, nothing fails with none", async () => {
    const overflow = capture("h2-window-overflow");
    expect((await runCli(["analyze", "--fail-on", "none", overflow])).exitCode).toBe(0);
    const warningsOnly = await runCli(["analyze", "--set", "flow-control-window-overflow.enabled=false", "--fail-on", "error", overflow]);
    expect(warningsOnly.stdout).toContain("goaway-error");
    expect(warningsOnly.exitCode).toBe(0);
    expect((await runCli(["analyze", "--set", "flow-control-window-overflow.enabled=false", "--fail-on", "warning", overflow])).exitCode).toBe(1);
  });

  it("prints JSON with capture, connections and findings, and NDJSON with kinds", async () => {
    const json = JSON.parse((await runCli(["analyze", "-f", "json", capture("h2-window-overflow")])).stdout);
    expect(Object.keys(json)).toEqual(["capture", "connections", "findings"]);
    expect(json.findings[0]).toMatchObject({ rule: "flow-control-window-overflow", severity: "error", connection: 1, sender: "client", stream: 1 });
    expect(json.findings[0].evidence[0].values.windowAfter).toBe(2 ** 31);
    const lines = (await runCli(["analyze", "-f", "ndjson", capture("h2-window-overflow")])).stdout.trim().split("\n").map((line) => JSON.parse(line));
    expect(lines.map((line) => line.kind)).toContain("finding");
    expect(lines.map((line) => line.kind)).toContain("connection");
    expect(lines.at(-1).kind).toBe("summary");
  });

  it("--max-connections lists the first connections and every one with findings, and counts the rest", async () => {
    const rotation = capture("rules-benign-rotation");
    const full = JSON.parse((await runCli(["analyze", "-f", "json", "--fail-on", "none", rotation])).stdout);
    const withFindings = new Set<number>(full.findings.map((finding: { connection: number }) => finding.connection));
    const allIds: number[] = full.connections.map((view: { id: number }) => view.id);
    expect(full.capture.connectionsOmitted).toBe(0);

    const limited = JSON.parse((await runCli(["analyze", "-f", "json", "--fail-on", "none", "--max-connections", "1", rotation])).stdout);
    const expectedIds = allIds.filter((id, index) => index === 0 || withFindings.has(id));
    // The case the limit is for: a connection with findings past the limit is kept, one without is not.
    expect(expectedIds.length).toBeGreaterThan(1);
    expect(expectedIds.length).toBeLessThan(allIds.length);
    expect(limited.connections.map((view: { id: number }) => view.id)).toEqual(expectedIds);
    expect(limited.capture.connectionsOmitted).toBe(allIds.length - expectedIds.length);
    expect(limited.findings).toEqual(full.findings);

    const table = await runCli(["analyze", "--fail-on", "none", "--max-connections", "1", rotation]);
    expect(table.stdout).toContain(`Connections: ${allIds.length} TCP, ${allIds.length} HTTP/2`);
    expect(table.stdout).toContain(`(${allIds.length - expectedIds.length} without findings not listed: --max-connections)`);

    // NDJSON streams every connection, listed in the report or not.
    const ndjson = (await runCli(["analyze", "-f", "ndjson", "--fail-on", "none", "--max-connections", "1", rotation])).stdout.trim().split("\n").map((line) => JSON.parse(line));
    expect(ndjson.filter((line) => line.kind === "connection").map((line) => line.id).sort((left: number, right: number) => left - right)).toEqual(allIds);
  });

  it("counts connections past --max-connections by what they carried (TLS not read as HTTP/2)", async () => {
    const tls = capture("tls13-one-key-missing");
    const countsLine = (stdout: string) => stdout.split("\n").find((line) => line.startsWith("Connections:"));
    const full = countsLine((await runCli(["analyze", "--fail-on", "none", tls])).stdout);
    expect(full).toMatch(/^Connections: 2 TCP, 0 HTTP\/2, 2 TLS not read as HTTP\/2;/);
    expect(countsLine((await runCli(["analyze", "--fail-on", "none", "--max-connections", "1", tls])).stdout)).toBe(`${full} (1 without findings not listed: --max-connections)`);
  });

  it("--max-findings-per-rule keeps the first findings of each rule and counts the rest everywhere it counts", async () => {
    const violations = capture("rules-protocol-violations");
    const full = JSON.parse((await runCli(["analyze", "-f", "json", violations])).stdout);
    const perRule = new Map<string, number>();
    for (const finding of full.findings as Array<{ rule: string }>) perRule.set(finding.rule, (perRule.get(finding.rule) ?? 0) + 1);
    // The case the limit is for: some rules fire more often than it, some not.
    expect([...perRule.values()].some((count) => count > 2)).toBe(true);
    expect(full.capture.findingsOmitted).toEqual({});

    const result = await runCli(["analyze", "-f", "json", "--max-findings-per-rule", "2", "--max-connections", "1", violations]);
    expect(result.exitCode).toBe(1);
    const limited = JSON.parse(result.stdout);
    const firstOfEach = (full.findings as Array<{ rule: string }>).filter((finding, index, all) => all.slice(0, index).filter((other) => other.rule === finding.rule).length < 2);
    expect(limited.findings).toEqual(firstOfEach);
    expect(limited.capture.findingsOmitted).toEqual(Object.fromEntries([...perRule].filter(([, count]) => count > 2).map(([rule, count]) => [rule, count - 2])));
    // Listed: the first connection and those with listed findings; each view counts all its findings.
    const listedIds = new Set<number>([1, ...limited.findings.map((finding: { connection: number }) => finding.connection)]);
    expect(limited.connections.map((view: { id: number }) => view.id)).toEqual([...listedIds].sort((x, y) => x - y));
    for (const view of [...full.connections, ...limited.connections] as Array<{ id: number; findingCounts: Record<string, number> }>) {
      const own = (full.findings as Array<{ connection: number; severity: string }>).filter((finding) => finding.connection === view.id);
      expect(view.findingCounts).toEqual({ error: 0, warning: 0, info: 0, ...Object.fromEntries(["error", "warning", "info"].map((severity) => [severity, own.filter((finding) => finding.severity === severity).length])) });
    }

    const table = await runCli(["analyze", "--max-findings-per-rule", "2", violations]);
    const counts = { error: 0, warning: 0, info: 0 } as Record<string, number>;
    for (const finding of full.findings as Array<{ severity: string }>) counts[finding.severity]!++;
    const omitted = full.findings.length - limited.findings.length;
    expect(table.stdout).toContain(`Findings: ${counts.error} error, ${counts.warning} warning, ${counts.info} info (${omitted} not listed: `);
    const ndjson = (await runCli(["analyze", "-f", "ndjson", "--max-findings-per-rule", "2", violations])).stdout.trim().split("\n").map((line) => JSON.parse(line));
    expect(ndjson.filter((line) => line.kind === "finding")).toHaveLength(full.findings.length);
    expect(ndjson.at(-1).findings).toEqual(counts);
    // --fail-on counts findings past the limit too: here the one graceful-shutdown warning comes
    // after its info findings, so with one listed per rule it is not listed.
    const shutdowns = ["--set", "protocol-violation.enabled=false", "--set", "goaway-protocol-error.enabled=false"];
    const shutdownFindings = JSON.parse((await runCli(["analyze", "-f", "json", ...shutdowns, "--max-findings-per-rule", "1", violations])).stdout).findings;
    expect(shutdownFindings.map((finding: { severity: string }) => finding.severity)).toEqual(["info"]);
    expect((await runCli(["analyze", ...shutdowns, "--max-findings-per-rule", "1", "--fail-on", "warning", violations])).exitCode).toBe(1);
    expect((await runCli(["analyze", ...shutdowns, "--max-findings-per-rule", "1", "--fail-on", "error", violations])).exitCode).toBe(0);
  });

  it("rejects a --max-connections that is not a whole number of 1 or more (exit 2)", async () => {
    for (const bad of ["0", "-3", "1.5", "many"]) {
      const result = await runCli(["analyze", "--max-connections", bad, capture("nghttp-get-us")]);
      expect(result.exitCode).toBe(2);
      expect(result.stderr).toContain("--max-connections");
    }
  });

  it("writes a markdown report for postmortems", async () => {
    const result = await runCli(["analyze", "-f", "markdown", capture("h2-window-overflow")]);
    expect(result.stdout).toMatch(/^# h2scope analysis\n/);
    expect(result.stdout).toContain("| Severity | Rule | Packet | Stream | Finding |");
    expect(result.stdout).toContain("**flow-control-window-overflow** (packet");
  });

  it("takes rule settings from a file and from --set, and rejects unknown rules and parameters", async () => {
    const directory = mkdtempSync(join(tmpdir(), "h2scope-rules-"));
    const file = join(directory, "rules.json");
    writeFileSync(file, JSON.stringify({ rules: { "flow-control-window-overflow": { severity: "warning" } } }));
    const downgraded = await runCli(["analyze", "--rules", file, "-f", "json", capture("h2-window-overflow")]);
    expect(downgraded.exitCode).toBe(0);
    expect(JSON.parse(downgraded.stdout).findings[0].severity).toBe("warning");
    const unknownRule = await runCli(["analyze", "--set", "no-such-rule.count=3", capture("h2-window-overflow")]);
    expect(unknownRule.exitCode).toBe(2);
    expect(unknownRule.stderr).toContain("unknown rule no-such-rule");
    const unknownParameter = await runCli(["analyze", "--set", "rst-internal-error-burst.rate=3", capture("h2-window-overflow")]);
    expect(unknownParameter.exitCode).toBe(2);
    expect(unknownParameter.stderr).toContain("rst-internal-error-burst has no parameter rate (it has count, windowSeconds, enabled, severity)");
    writeFileSync(file, "{ not json");
    expect((await runCli(["analyze", "--rules", file, capture("h2-window-overflow")])).stderr).toContain("is not valid JSON");
  });

  it("analyses several captures in one run, labelling findings by capture; the worst outcome sets the exit code", async () => {
    const healthy = capture("nghttp-get-us");
    const timeouts = capture("rules-stream-timeout");
    const json = JSON.parse((await runCli(["analyze", "-f", "json", healthy, timeouts])).stdout);
    expect(json.captures.map((document: { file: string }) => document.file)).toEqual([healthy, timeouts]);
    expect(json.captures[1].findings[0]).toMatchObject({ capture: timeouts, rule: "stream-timeout-pattern" });
    const lines = (await runCli(["analyze", "-f", "ndjson", healthy, timeouts])).stdout.trim().split("\n").map((line) => JSON.parse(line));
    expect(lines.filter((line) => line.kind === "summary").map((line) => line.capture)).toEqual([healthy, timeouts]);
    const table = await runCli(["analyze", healthy, timeouts]);
    expect(table.stdout).toContain(`== ${timeouts} ==`);
    expect(table.exitCode).toBe(0);
    const mixed = await runCli(["analyze", capture("h2-window-overflow"), "/nonexistent.pcap"]);
    expect(mixed.exitCode).toBe(1);
    expect(mixed.stderr).toContain("/nonexistent.pcap: cannot open");
    expect((await runCli(["analyze", healthy, "/nonexistent.pcap"])).exitCode).toBe(3);
    // Warnings and notes name their capture: several captures' messages are printed together.
    const truncated = capture("bad-truncated-record");
    const warned = await runCli(["analyze", healthy, truncated]);
    expect(warned.stderr).toMatch(new RegExp(`^h2scope: warning: ${truncated.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: the capture ends inside packet \\d+'s record`, "m"));
    expect((await runCli(["analyze", truncated])).stderr).toMatch(/^h2scope: warning: the capture ends inside packet/);
  });

  it("reads standard input among several captures (run in turn: a worker thread has no stdin)", async () => {
    const pingFlood = capture("rules-ping-flood");
    const healthy = capture("nghttp-get-us");
    const alone = await runCli(["analyze", "-f", "json", pingFlood]);
    const fromStdin = await runCli(["analyze", "-f", "json", "-", healthy], [new Uint8Array(readFileSync(pingFlood))]);
    expect(fromStdin.exitCode).toBe(alone.exitCode);
    const documents = JSON.parse(fromStdin.stdout).captures;
    expect(documents.map((document: { file: string }) => document.file)).toEqual(["-", healthy]);
    const rulesOf = (findings: Array<{ rule: string }>) => findings.map((finding) => finding.rule);
    expect(rulesOf(documents[0].findings)).toEqual(rulesOf(JSON.parse(alone.stdout).findings));
    expect(rulesOf(documents[0].findings)).toContain("ping-flood");
  });

  it("stops several captures on Ctrl-C, reporting what was read and starting no new one", async () => {
    const files = [capture("rules-ping-flood"), capture("rules-stream-timeout"), capture("nghttp-get-us")];
    const full = JSON.parse((await runCli(["analyze", "-f", "json", "--fail-on", "none", ...files])).stdout);
    const packetsOf = (document: { captures: Array<{ capture: { packets: number } }> }) =>
      document.captures.reduce((sum, entry) => sum + entry.capture.packets, 0);
    const stop = new AbortController();
    let stdout = "";
    let stderr = "";
    const running = main(["analyze", "-f", "json", "--fail-on", "none", ...files], {
      stdout: (text) => (stdout += text),
      stderr: (text) => (stderr += text),
      stdin: (async function* () {})(),
      stop: stop.signal,
    });
    // Sooner than any capture can be read (in turn) or a worker thread can load (in parallel).
    setTimeout(() => stop.abort(), 0);
    expect(await running).toBe(0);
    // Named by capture, as every message of a run over several captures.
    expect(stderr).toMatch(/^h2scope: interrupted: \S+\.pcap: reporting what was read so far$/m);
    const interrupted = JSON.parse(stdout);
    expect(interrupted.captures.length).toBeLessThan(files.length);
    expect(packetsOf(interrupted)).toBeLessThan(packetsOf(full));
  });

  it("stops a file at the chunk during which Ctrl-C came, reporting the packets read", async () => {
    // Larger than one read, so that the stop falls between two chunks of one regular file.
    const file = capture("h2-initial-window-change");
    const full = JSON.parse((await runCli(["analyze", "-f", "json", "--fail-on", "none", file])).stdout);
    const stop = new AbortController();
    const reads: number[] = [];
    let stdout = "";
    let stderr = "";
    const exitCode = await main(["analyze", "-f", "json", "--fail-on", "none", file], {
      stdout: (text) => (stdout += text),
      stderr: (text) => (stderr += text),
      stdin: (async function* () {})(),
      stop: stop.signal,
      // Called after each chunk is analysed: the first one stops the run.
      progress: (bytesRead, _total, done) => {
        if (done) return;
        reads.push(bytesRead);
        stop.abort();
      },
    });
    expect(exitCode).toBe(0);
    expect(stderr).toContain("interrupted: reporting what was read so far");
    expect(reads).toHaveLength(1);
    const interrupted = JSON.parse(stdout);
    expect(interrupted.capture.packets).toBeGreaterThan(0);
    expect(interrupted.capture.packets).toBeLessThan(full.capture.packets);
  });

  it("exits 3 on unreadable input", async () => {
    const result = await runCli(["analyze", "/nonexistent.pcap"]);
    expect(result.exitCode).toBe(3);
  });
});

describe("h2scope rules", () => {
  it("lists every rule with its severity, parameters and defaults", async () => {
    const text = (await runCli(["rules"])).stdout;
    expect(text).toContain("rst-internal-error-burst (error)");
    expect(text).toContain("--set rst-internal-error-burst.count=5");
    const json = JSON.parse((await runCli(["rules", "-f", "json"])).stdout);
    const ids = json.map((rule: { id: string }) => rule.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const rule of json) {
      expect(rule.description.length).toBeGreaterThan(20);
      for (const parameter of Object.values(rule.parameters) as Array<{ default: number; description: string }>) {
        expect(typeof parameter.default).toBe("number");
        expect(parameter.description.length).toBeGreaterThan(20);
      }
    }
  });
});
