// A capture split into files (tcpdump -C or -G, a dumpcap ring buffer) read as one with --parts.
// The fixtures are the real rules-stream-timeout capture cut into four parts by editcap
// (fixtures/README.md); the whole capture is the oracle: its parts read as one must give its report.

import { execFileSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { fixturePath, loadFixtureMetas, type FixtureMeta } from "../support/fixtures.js";
import { runCli } from "../support/run-cli.js";

const metas = loadFixtureMetas();
const byName = new Map(metas.map((meta) => [meta.name, meta] as const));
const splitOf = (meta: FixtureMeta) => meta.expect?.splitCapture as { whole: string; part: number; parts: number } | undefined;
/** The parts in capture order (part 1 first). */
const parts = metas.filter((meta) => splitOf(meta) !== undefined).sort((a, b) => splitOf(a)!.part - splitOf(b)!.part).map(fixturePath);
const whole = fixturePath(byName.get("rules-stream-timeout")!);
/** The order a shell or a hurried user might give them in. */
const shuffled = [parts[2]!, parts[0]!, parts[3]!, parts[1]!];

interface AnalysisJson {
  capture: { packets: number; parts?: Array<{ file: string; format: string; firstPacketNumber: number; lastPacketNumber: number; firstTime: number | null; lastTime: number | null }> };
  connections: unknown[];
  findings: Array<{ rule: string; packet: number }>;
}

const analyzeJson = async (...args: string[]) => {
  const result = await runCli(["analyze", "--format", "json", "--fail-on", "none", ...args]);
  return { ...result, report: result.stdout === "" ? undefined : (JSON.parse(result.stdout) as AnalysisJson) };
};

describe("a capture split into files, read with --parts", () => {
  it("has four parts in the fixtures, from the real capture", () => {
    expect(parts).toHaveLength(4);
    expect(splitOf(byName.get("parts-stream-timeout-1")!)!.whole).toBe("captures/rules-stream-timeout.pcap");
  });

  it("gives the whole capture's connections and findings, whatever order the parts are named in", async () => {
    const expected = (await analyzeJson(whole)).report!;
    const joined = await analyzeJson("--parts", ...shuffled);
    expect(joined.exitCode).toBe(0);
    expect(joined.report!.connections).toEqual(expected.connections);
    expect(joined.report!.findings).toEqual(expected.findings);
    expect(joined.report!.findings.map((finding) => finding.rule)).toContain("stream-timeout-pattern");
    expect(joined.report!.capture.packets).toBe(expected.capture.packets);
    // Reordered by their first packets, and said so.
    expect(joined.stderr).toContain(`reading the parts in the order of their first packets: ${parts.join(", ")}`);
  });

  it("lists each file with the packet numbers it holds, one range after the other, and their formats", async () => {
    const report = (await analyzeJson("--parts", ...parts)).report!;
    const listed = report.capture.parts!;
    expect(listed.map((part) => part.file)).toEqual(parts);
    expect(listed[0]!.firstPacketNumber).toBe(1);
    for (let index = 1; index < listed.length; index++) {
      expect(listed[index]!.firstPacketNumber).toBe(listed[index - 1]!.lastPacketNumber + 1);
      expect(listed[index]!.firstTime!).toBeGreaterThanOrEqual(listed[index - 1]!.lastTime!);
    }
    expect(listed.at(-1)!.lastPacketNumber).toBe(report.capture.packets);
    expect(listed.map((part) => part.format)).toEqual([
      "pcap (microsecond, little-endian)", "pcapng (1 section, little-endian)", "pcap (microsecond, little-endian), gzip-compressed", "pcap (microsecond, little-endian)",
    ]);
    expect((report.capture as { format?: string }).format).toBe("pcap (microsecond, little-endian); pcapng (1 section, little-endian); pcap (microsecond, little-endian), gzip-compressed");
    // A finding's packet number is the joined capture's, as in the whole file.
    const table = await runCli(["analyze", "--parts", ...parts]);
    expect(table.stdout).toContain("Parts: 4 files read as one capture, in order");
    expect(table.stdout).toContain(`${parts[1]}: packets 17–32 (1–16 in the file)`);
  });

  it("without --parts reports each file alone, misses what spans the cuts, and suggests --parts", async () => {
    const separate = await runCli(["analyze", "--format", "json", "--fail-on", "none", ...parts]);
    const documents = (JSON.parse(separate.stdout) as { captures: AnalysisJson[] }).captures;
    expect(documents).toHaveLength(4);
    expect(documents.flatMap((document) => document.findings.map((finding) => finding.rule))).not.toContain("stream-timeout-pattern");
    expect(separate.stderr).toMatch(/note: these captures look like the files of one capture split up .* --parts reads them as one capture/);
    // Separate captures taken at other times get no such note.
    const unrelated = await runCli(["analyze", "--fail-on", "none", whole, fixturePath(byName.get("nghttp-get-us")!)]);
    expect(unrelated.stderr).not.toContain("--parts");
  });

  it("works for connections and frames as for analyze", async () => {
    const connections = await runCli(["connections", "--format", "json", "--parts", ...shuffled]);
    const wholeConnections = await runCli(["connections", "--format", "json", whole]);
    expect(connections.exitCode).toBe(0);
    expect(JSON.parse(connections.stdout).connections).toEqual(JSON.parse(wholeConnections.stdout).connections);
    const frames = await runCli(["frames", "--format", "ndjson", "--parts", ...shuffled]);
    expect(frames.exitCode).toBe(0);
    expect(frames.stdout).toBe((await runCli(["frames", "--format", "ndjson", whole])).stdout);
    // One capture per command otherwise.
    const two = await runCli(["connections", ...parts.slice(0, 2)]);
    expect(two.exitCode).toBe(2);
    expect(two.stderr).toContain("--parts");
  });

  it("counts the progress bar over every part's bytes", async () => {
    const total = parts.reduce((sum, part) => sum + statSync(part).size, 0);
    const seen: Array<[number, number, boolean]> = [];
    const exitCode = await main(["analyze", "-f", "json", "--fail-on", "none", "--parts", ...parts], {
      stdout: () => undefined, stderr: () => undefined, stdin: (async function* () {})(),
      progress: (bytesRead, totalBytes, done) => seen.push([bytesRead, totalBytes, done]),
    });
    expect(exitCode).toBe(0);
    expect(seen.every(([, totalBytes]) => totalBytes === total)).toBe(true);
    expect(seen.map(([bytesRead]) => bytesRead)).toEqual([...seen.map(([bytesRead]) => bytesRead)].sort((a, b) => a - b));
    expect(seen.at(-1)).toEqual([total, total, true]);
    expect(seen.filter(([, , done]) => done)).toHaveLength(1);
  });

  it("skips the rest of a damaged part, reads the next ones, and exits 4", async () => {
    const dir = mkdtempSync(join(tmpdir(), "h2scope-parts-"));
    // Part 1 with its 6th record's captured length made impossible (a corrupt record).
    const bytes = new Uint8Array(readFileSync(parts[0]!));
    const view = new DataView(bytes.buffer, bytes.byteOffset);
    let offset = 24;
    for (let record = 1; record < 6; record++) offset += 16 + view.getUint32(offset + 8, true);
    view.setUint32(offset + 8, 0x7fff_fff0, true);
    const damaged = join(dir, "damaged-part-1.pcap");
    writeFileSync(damaged, bytes);
    const result = await analyzeJson("--parts", damaged, ...parts.slice(1));
    expect(result.exitCode).toBe(4);
    expect(result.stderr).toContain(`h2scope: error: ${damaged}: impossible record length`);
    expect(result.stderr).toContain(`the rest of ${damaged} is skipped; reading goes on with the next part`);
    const listed = result.report!.capture.parts!;
    expect(listed[0]!.lastPacketNumber).toBe(5);
    // The later parts are read whole, numbered on from what part 1 gave.
    expect(listed.slice(1).map((part) => part.lastPacketNumber - part.firstPacketNumber + 1)).toEqual([16, 16, 14]);
    expect(result.report!.capture.packets).toBe(5 + 16 + 16 + 14);
  });

  it("refuses standard input, a file named twice and a file that is not a capture, before reading any", async () => {
    const stdin = await runCli(["analyze", "--parts", parts[0]!, "-"]);
    expect(stdin.exitCode).toBe(2);
    expect(stdin.stderr).toContain("standard input (-) cannot be one of them");
    const twice = await runCli(["analyze", "--parts", parts[0]!, parts[1]!, parts[0]!]);
    expect(twice.exitCode).toBe(2);
    expect(twice.stderr).toContain(`${parts[0]} is the same file as ${parts[0]}`);
    const notCapture = fixturePath(byName.get("bad-not-capture")!);
    const wrong = await runCli(["analyze", "--parts", parts[0]!, notCapture]);
    expect(wrong.exitCode).toBe(3);
    expect(wrong.stdout).toBe("");
    expect(wrong.stderr).toContain(`${notCapture}: not a capture file`);
    const missing = await runCli(["analyze", "--parts", parts[0]!, join(tmpdir(), "h2scope-no-such-part.pcap")]);
    expect(missing.exitCode).toBe(3);
    expect(missing.stdout).toBe("");
  });

  it("reports a corrupt gzip part as damage (exit 4), not as an empty file", async () => {
    const dir = mkdtempSync(join(tmpdir(), "h2scope-parts-"));
    const gz = new Uint8Array(readFileSync(parts[2]!));
    for (let index = 12; index < 40; index++) gz[index]! ^= 0xff;
    const corrupt = join(dir, "corrupt-3.pcap.gz");
    writeFileSync(corrupt, gz);
    const result = await analyzeJson("--parts", parts[0]!, parts[1]!, corrupt, parts[3]!);
    expect(result.exitCode).toBe(4);
    expect(result.stderr).not.toContain("is empty");
    expect(result.stderr).toContain(`${corrupt}: the gzip-compressed input is corrupt`);
    // Nothing of it could be read, not even a first packet to order it by: it is read last.
    expect(result.report!.capture.parts!.map((part) => part.file)).toEqual([parts[0], parts[1], parts[3], corrupt]);
    expect(result.report!.capture.parts!.at(-1)!.lastPacketNumber).toBe(result.report!.capture.packets);
  });

  it("refuses a part too short to be a capture, and a pipe, before reading any", async () => {
    const dir = mkdtempSync(join(tmpdir(), "h2scope-parts-"));
    const short = join(dir, "short.pcap");
    writeFileSync(short, readFileSync(parts[0]!).subarray(0, 10));
    const result = await runCli(["analyze", "--parts", ...parts, short]);
    expect(result.exitCode).toBe(3);
    expect(result.stdout).toBe("");
    expect(result.stderr).toContain(`error: ${short}: `);
    const fifo = join(dir, "live.fifo");
    execFileSync("mkfifo", [fifo]);
    const pipe = await runCli(["analyze", "--parts", parts[0]!, fifo]);
    expect(pipe.exitCode).toBe(2);
    expect(pipe.stderr).toContain(`${fifo} is not a regular file`);
  });

  it("keeps the summary's format and parts when reading stops in the first part (Ctrl-C)", async () => {
    const stop = new AbortController();
    let stdout = "";
    const exitCode = await main(["analyze", "-f", "json", "--fail-on", "none", "--parts", ...parts], {
      stdout: (text) => (stdout += text), stderr: () => undefined, stdin: (async function* () {})(), stop: stop.signal,
      progress: () => stop.abort(),
    });
    expect(exitCode).toBe(0);
    const report = JSON.parse(stdout) as AnalysisJson & { capture: { format: string } };
    expect(report.capture.format).toBe("pcap (microsecond, little-endian)");
    expect(report.capture.parts!.map((part) => part.file)).toEqual([parts[0]]);
    expect(report.capture.packets).toBe(16);
  });

  it("leaves an empty file out with a warning", async () => {
    const dir = mkdtempSync(join(tmpdir(), "h2scope-parts-"));
    const empty = join(dir, "empty.pcap");
    writeFileSync(empty, new Uint8Array(0));
    const result = await analyzeJson("--parts", ...parts, empty);
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toContain(`warning: ${empty} is empty; left out of the parts`);
    expect(result.report!.capture.parts!.map((part) => part.file)).toEqual(parts);
    const onlyEmpty = await runCli(["analyze", "--parts", empty]);
    expect(onlyEmpty.exitCode).toBe(3);
  });

  it("warns when a part starts before the one before it ends (captures taken side by side are not parts)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "h2scope-parts-"));
    // The last part again under another name: its packets lie inside the whole capture's time.
    const again = join(dir, `again-${basename(parts[3]!)}`);
    copyFileSync(parts[3]!, again);
    const result = await analyzeJson("--parts", whole, again);
    expect(result.stderr).toMatch(new RegExp(`warning: ${again.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} starts \\d+\\.\\d{3} s before ${whole.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} ends`));
    const joined = await analyzeJson("--parts", ...parts);
    expect(joined.stderr).not.toContain("starts");
  });
});
