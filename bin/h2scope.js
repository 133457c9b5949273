#!/usr/bin/env node
// The h2scope command: hand the arguments to the compiled CLI and exit with its code.
//
// It loads dist/h2scope.cjs, the compiled modules joined into one CommonJS file by
// scripts/bundle.mjs (npm run build): loading ~120 separate ES modules costs Node 20 about 60 ms
// at every start. It compiles that file itself, as require() would, so that it can hand V8 the
// code cache scripts/code-cache.mjs made at build time (dist/h2scope.cjs.cache: the bytecode of
// every function a small analysis runs), which saves parsing and compiling them at each start.
// The cache is used only when its first line names this very bundle (the hash on the bundle's
// second line) and the SHA-256 of the V8 data that follows: V8 checks only the version, flags and
// source length, and a damaged cache it accepts crashes the process. V8 itself refuses a cache
// made by another Node version or with other flags; the bundle then compiles as usual.
"use strict";
const { createHash } = require("node:crypto");
const { readFileSync } = require("node:fs");
const { createRequire, wrap } = require("node:module");
const { join } = require("node:path");
const { Script } = require("node:vm");

const BUNDLE = join(__dirname, "..", "dist", "h2scope.cjs");

/** The bundle's hash, from its second line ("// bundle <hash>"); "" when absent. */
function bundleId(source) {
  const start = source.indexOf("\n") + 1;
  const line = source.slice(start, source.indexOf("\n", start));
  return line.startsWith("// bundle ") ? line.slice("// bundle ".length) : "";
}

/** The first line of a code cache: the bundle it is for and the SHA-256 of its V8 data. */
function cacheHeader(id, data) {
  return `${id} ${createHash("sha256").update(data).digest("hex")}\n`;
}

/** The cache's V8 data when its first line names this bundle and the data is intact; undefined otherwise. */
function cacheFor(id, cache) {
  if (cache === undefined || id === "") return undefined;
  const newline = cache.indexOf(0x0a);
  if (newline < 0) return undefined;
  const data = cache.subarray(newline + 1);
  return cache.toString("latin1", 0, newline + 1) === cacheHeader(id, data) ? data : undefined;
}

/**
 * Compiles and runs the bundle as a CommonJS module. `useCache`: hand V8 the build's code cache.
 * Returns the bundle's exports, the compiled script, and the header a cache of it must start with
 * (scripts/code-cache.mjs asks the script for a cache).
 */
function loadCli(useCache) {
  let source;
  try {
    source = readFileSync(BUNDLE, "utf8");
  } catch {
    // Not built (a checkout without npm ci or npm run build): say so rather than show a trace.
    process.stderr.write(`h2scope: internal error: ${BUNDLE} is missing; run npm run build\n`);
    process.exit(70);
  }
  let cache;
  if (useCache) {
    try {
      cache = readFileSync(`${BUNDLE}.cache`);
    } catch {
      // No cache (a build without one): compile as usual.
    }
  }
  const script = new Script(wrap(source), { filename: BUNDLE, cachedData: cacheFor(bundleId(source), cache) });
  const module = { exports: {} };
  script.runInThisContext()(module.exports, createRequire(BUNDLE), module, BUNDLE, join(BUNDLE, ".."));
  return { cli: module.exports, script, cacheHeader: (data) => cacheHeader(bundleId(source), data) };
}

if (require.main === module) {
  const { cli } = loadCli(true);
  cli.main(process.argv.slice(2), cli.nodeIo()).then((code) => {
    process.exitCode = code;
  });
} else {
  module.exports = { loadCli };
}
