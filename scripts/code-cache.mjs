// Makes dist/h2scope.cjs.cache, the V8 code cache bin/h2scope.js hands V8 when it loads the
// bundle: the bytecode of every function that a few small analyses run, so a start does not
// parse and compile them again (measured: 15-25 ms less per start on this project's machine).
//
// It loads the bundle exactly as the command does, analyses bundled fixture captures with the
// output thrown away (JSON and the table, a capture with findings among them), then asks V8 for
// the cache. The cache's first line names the bundle (its hash) and the data (SHA-256):
// bin/h2scope.js uses it only for that bundle, and only intact. V8 refuses a cache made by another V8 version or with other flags, and then the
// command just compiles as usual. Without the fixtures (an installed package) no cache is made.
//
// Usage: node scripts/code-cache.mjs   (run by npm run build, prepare and pretest after the bundle)

import { existsSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const CACHE = join(root, "dist", "h2scope.cjs.cache");
const TRAINING = [
  ["analyze", "--format", "json", "--fail-on", "none", "fixtures/captures/h2load-many-streams.pcap"],
  ["analyze", "fixtures/captures/rules-stream-timeout.pcap"],
].map((argv) => argv.map((arg) => (arg.startsWith("fixtures/") ? join(root, arg) : arg)));

rmSync(CACHE, { force: true });
if (!TRAINING.every((argv) => existsSync(argv.at(-1)))) {
  console.log("code-cache: fixtures not present; no code cache (the command compiles as usual)");
} else {
  const { loadCli } = createRequire(import.meta.url)(join(root, "bin", "h2scope.js"));
  const { cli, script, cacheHeader } = loadCli(false);
  const io = { stdout() {}, stderr() {}, stdin: { [Symbol.asyncIterator]: () => ({ next: async () => ({ done: true, value: undefined }) }) } };
  for (const argv of TRAINING) await cli.main(argv, io);
  const data = script.createCachedData();
  writeFileSync(CACHE, Buffer.concat([Buffer.from(cacheHeader(data), "latin1"), data]));
  console.log(`code-cache: ${join("dist", "h2scope.cjs.cache")}, ${data.length} bytes`);
}
