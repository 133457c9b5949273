#!/usr/bin/env node
// Benchmark: throughput and peak memory of `h2scope connections` on a capture, beside
// `tshark -q -z conv,tcp`, and of our classic-pcap reader beside the pcap-parser package.
// Prints figures; asserts nothing. Usage: node scripts/bench.mjs CAPTURE.pcap [--no-tshark]
// Make a capture with scripts/make-bench-capture.sh (root; >= 1 GB by default).
import { spawnSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const capture = process.argv[2];
if (!capture || !existsSync(capture)) {
  console.error("usage: node scripts/bench.mjs CAPTURE.pcap [--no-tshark]");
  process.exit(2);
}
const withTshark = !process.argv.includes("--no-tshark");
const bytes = statSync(capture).size;
const mb = bytes / 1e6;

/** Runs a command under GNU time; returns elapsed seconds, peak RSS (MB) and stdout. */
function measure(command, args) {
  const result = spawnSync("/usr/bin/time", ["-f", "%e %M", command, ...args], { encoding: "utf8", maxBuffer: 1 << 30 });
  const lines = result.stderr.trim().split("\n");
  const [elapsed, maxRssKb] = lines.at(-1).split(" ").map(Number);
  if (result.status !== 0) console.error(`${command} exited ${result.status}: ${lines.slice(0, -1).join("\n")}`);
  return { seconds: elapsed, rssMb: maxRssKb / 1024, stdout: result.stdout };
}

function report(name, run, packets) {
  const rate = `${(mb / run.seconds).toFixed(0).padStart(5)} MB/s`;
  const packetRate = packets ? `${Math.round(packets / run.seconds).toLocaleString("en-US").padStart(10)} packets/s` : "";
  console.log(`${name.padEnd(34)} ${run.seconds.toFixed(2).padStart(7)} s  ${rate}  ${packetRate}  peak RSS ${run.rssMb.toFixed(0)} MB`);
}

console.log(`capture: ${capture} (${mb.toFixed(0)} MB)`);
const ours = measure("node", [join(root, "bin", "h2scope.js"), "connections", "--format", "json", capture]);
const document = JSON.parse(ours.stdout);
const packets = document.capture.packets;
console.log(`packets: ${packets.toLocaleString("en-US")}, TCP connections: ${document.connections.length}`);
report("h2scope connections", ours, packets);

const readerScript = `
  const { PcapDecoder } = await import(${JSON.stringify(join(root, "dist", "capture", "pcap-decoder.js"))});
  const { createReadStream } = await import("node:fs");
  let count = 0;
  const decoder = new PcapDecoder({ packet() { count++; }, warning() {}, secrets() {} });
  for await (const chunk of createReadStream(process.argv[1], { highWaterMark: 1 << 20 })) decoder.push(chunk);
  decoder.end();
  console.log(count);`;
const reader = measure("node", ["--input-type=module", "-e", readerScript, capture]);
report("h2scope pcap reader alone", reader, Number(reader.stdout));

const parserScript = `
  const parser = require("pcap-parser").parse(process.argv[1]);
  let count = 0;
  parser.on("packet", () => count++);
  parser.on("end", () => console.log(count));`;
const parser = measure("node", ["--no-deprecation", "-e", parserScript, capture]);
report("pcap-parser package alone", parser, Number(parser.stdout));

if (withTshark) {
  const tshark = measure("tshark", ["-q", "-r", capture, "-z", "conv,tcp"]);
  report("tshark -q -z conv,tcp", tshark, packets);
}
