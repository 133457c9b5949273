#!/usr/bin/env node
// Benchmark (npm run bench): throughput and peak memory of `h2scope analyze` beside tshark doing
// comparable work on the same captures, and whether cost stays linear in size. Prints figures;
// asserts nothing. Captures are made once with real peers (scripts/make-bench-capture.sh: h2load
// against nghttpd in a network namespace, MTU 1500, offloads off; needs root) and reused from
// bench-data/. Each command runs --runs times (default 3), the two tools alternating, and the
// median time is reported (this shared machine varies ±15% run to run), with the largest RSS.
// --churn adds a capture of connection churn (about 55 MB: 24,000 connections of one request
// each, 2,000 open at once; the `short` profile of make-bench-capture.sh), where the cost per
// connection rather than per byte decides.
// Usage: npm run bench [-- --sizes 200,1000] [--runs N] [--no-tshark] [--churn] [--capture FILE]
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);
const option = (name) => {
  const index = args.indexOf(name);
  return index >= 0 ? args[index + 1] : undefined;
};
const withTshark = !args.includes("--no-tshark");
const sizes = (option("--sizes") ?? "200,1000").split(",").map(Number);
const runs = Math.max(1, Number(option("--runs") ?? 3));
const H2_PORT = 8080;

/** The median run's time and the largest peak RSS of several runs (each from measure()). */
function summarise(measured) {
  const byTime = [...measured].sort((left, right) => left.seconds - right.seconds);
  const median = byTime[Math.floor((byTime.length - 1) / 2)];
  return { ...median, rssMb: Math.max(...measured.map((run) => run.rssMb)), all: measured.map((run) => run.seconds) };
}

/** Runs a command under GNU time; elapsed seconds, peak RSS (MiB: GNU time counts KiB) and stdout. */
function measure(command, commandArgs) {
  const result = spawnSync("/usr/bin/time", ["-f", "%e %M", command, ...commandArgs], { encoding: "utf8", maxBuffer: 1 << 30 });
  const lines = result.stderr.trim().split("\n");
  const [seconds, maxRssKb] = lines.at(-1).split(" ").map(Number);
  return { seconds, rssMb: maxRssKb / 1024, stdout: result.stdout, status: result.status };
}

function captureFor(sizeMb, profile = "bulk") {
  const file = join(root, "bench-data", profile === "bulk" ? `h2load-${sizeMb}mb.pcap` : `h2load-${profile}-${sizeMb}mb.pcap`);
  if (!existsSync(file)) {
    mkdirSync(dirname(file), { recursive: true });
    console.error(`making ${file} with h2load (needs root; about a minute per GB)…`);
    const made = spawnSync("bash", [join(root, "scripts", "make-bench-capture.sh"), file, String(sizeMb), profile], { stdio: ["ignore", "ignore", "inherit"] });
    if (made.status !== 0) throw new Error(`make-bench-capture.sh failed (${made.status})`);
  }
  return file;
}

function row(name, run, mb, packets, frames) {
  const cells = [
    name.padEnd(24),
    `${run.seconds.toFixed(2).padStart(7)} s`,
    `${(mb / run.seconds).toFixed(0).padStart(5)} MB/s`,
    `${Math.round(packets / run.seconds).toLocaleString("en-US").padStart(9)} packets/s`,
    `${Math.round(frames / run.seconds).toLocaleString("en-US").padStart(9)} frames/s`,
    `peak RSS ${run.rssMb.toFixed(0).padStart(5)} MiB`,
    run.all.length > 1 ? `(runs: ${run.all.map((seconds) => seconds.toFixed(2)).join(", ")} s)` : "",
  ];
  console.log(cells.join("  "));
}

const captures = option("--capture") ? [option("--capture")] : sizes.map((size) => captureFor(size));
const churnCapture = args.includes("--churn") ? captureFor(55, "short") : undefined;
const results = [];
const ourCommand = (capture) => ["node", [join(root, "bin", "h2scope.js"), "analyze", "--format", "json", "--fail-on", "none", "--h2-port", String(H2_PORT), capture]];
// Comparable work: decode every HTTP/2 frame and header (HPACK) and print them.
const tsharkCommand = (capture) => ["tshark", ["-r", capture, "-d", `tcp.port==${H2_PORT},http2`, "-Y", "http2", "-T", "fields",
  "-e", "http2.type", "-e", "http2.streamid", "-e", "http2.header.name", "-e", "http2.header.value"]];

// The fixed cost of every run: Node, the CLI's module, and a report, on a capture of one connection.
const startup = summarise(Array.from({ length: 5 }, () => measure(...ourCommand(join(root, "fixtures", "captures", "nghttp-get-us.pcap")))));
console.log(`h2scope start-up (node, modules, a report of one small capture): ${startup.seconds.toFixed(2)} s, peak RSS ${startup.rssMb.toFixed(0)} MiB`);
// Node's own start, part of every figure above and below, depends on the machine: with
// NODE_EXTRA_CA_CERTS set, Node reads and parses that certificate bundle at every start, though
// h2scope never opens a TLS connection. Shown apart so the ratios can be read with it in mind.
const nodeAlone = (env) => summarise(Array.from({ length: 5 }, () => measure("env", [...env, "node", "-e", "0"]))).seconds;
const extraCaCerts = process.env.NODE_EXTRA_CA_CERTS;
console.log(`node start-up alone (node -e 0): ${nodeAlone([]).toFixed(2)} s` +
  (extraCaCerts ? `; NODE_EXTRA_CA_CERTS is set (${extraCaCerts}), without it ${nodeAlone(["-u", "NODE_EXTRA_CA_CERTS"]).toFixed(2)} s` : ""));

for (const capture of churnCapture === undefined ? captures : [...captures, churnCapture]) {
  const mb = statSync(capture).size / 1e6;
  const oursRuns = [];
  const tsharkRuns = [];
  for (let run = 0; run < runs; run++) {
    oursRuns.push(measure(...ourCommand(capture)));
    if (withTshark) tsharkRuns.push(measure(...tsharkCommand(capture)));
  }
  const ours = summarise(oursRuns);
  const report = JSON.parse(ours.stdout);
  const packets = report.capture.packets;
  const frames = report.capture.http2Frames;
  const connections = report.connections.length + report.capture.connectionsOmitted;
  console.log(`\n${capture}: ${mb.toFixed(0)} MB, ${packets.toLocaleString("en-US")} packets, ${frames.toLocaleString("en-US")} HTTP/2 frames, ${connections.toLocaleString("en-US")} connections`);
  row("h2scope analyze", ours, mb, packets, frames);
  const result = { mb, ours };
  if (withTshark) {
    const tshark = summarise(tsharkRuns);
    row("tshark (http2 fields)", tshark, mb, packets, frames);
    console.log(`ratio: h2scope is ${(tshark.seconds / ours.seconds).toFixed(1)}x tshark's speed, with ${(ours.rssMb / tshark.rssMb * 100).toFixed(0)}% of its memory`);
    result.tshark = tshark;
  }
  if (capture !== churnCapture) results.push(result);
}
if (results.length >= 2) {
  const [small, large] = [results[0], results.at(-1)];
  const sizeRatio = large.mb / small.mb;
  const timeRatio = large.ours.seconds / small.ours.seconds;
  console.log(`\nlinearity: ${large.mb.toFixed(0)} MB took ${timeRatio.toFixed(1)}x the time of ${small.mb.toFixed(0)} MB (size ratio ${sizeRatio.toFixed(1)}x)`);
  if (withTshark) {
    // Each tool's cost per byte once its fixed costs are paid (Node's start and V8's warm-up;
    // tshark's dissector registration): the extra megabytes over the extra seconds. A difference
    // of medians, so as noisy as both; shown beside the whole-run ratios above, not instead.
    const extraMb = large.mb - small.mb;
    const perByte = (tool) => {
      const extraSeconds = large[tool].seconds - small[tool].seconds;
      return extraSeconds > 0 ? extraMb / extraSeconds : undefined;
    };
    const [ours, tshark] = [perByte("ours"), perByte("tshark")];
    console.log(ours === undefined || tshark === undefined
      ? "throughput past fixed costs: not measurable (a larger capture did not take longer)"
      : `throughput past fixed costs (the ${extraMb.toFixed(0)} MB between the two captures): h2scope ${ours.toFixed(0)} MB/s, ` +
        `tshark ${tshark.toFixed(0)} MB/s: ${(ours / tshark).toFixed(1)}x`);
  }
}
