// The code cache bin/h2scope.js hands V8 (made by scripts/code-cache.mjs at build time): used for
// the bundle it was made from, never for another one, and the command works without it.

import { spawnSync } from "node:child_process";
import { copyFileSync, cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { fixturePath, loadFixtureMetas } from "../support/fixtures.js";

const ROOT = join(import.meta.dirname, "..", "..");
const require = createRequire(import.meta.url);

describe("the code cache of the bundle", () => {
  // A copy of bin/ and dist/h2scope.cjs(.cache) to spoil; node_modules is linked for commander.
  const tree = mkdtempSync(join(tmpdir(), "h2scope-cache-"));
  afterAll(() => rmSync(tree, { recursive: true, force: true }));
  cpSync(join(ROOT, "bin"), join(tree, "bin"), { recursive: true });
  cpSync(join(ROOT, "dist", "h2scope.cjs"), join(tree, "dist", "h2scope.cjs"));
  symlinkSync(join(ROOT, "node_modules"), join(tree, "node_modules"));
  const cacheFile = join(tree, "dist", "h2scope.cjs.cache");
  const load = (): { rejected: boolean; offered: boolean } => {
    // A child process: each load must compile the bundle afresh.
    const script = `const { loadCli } = require(${JSON.stringify(join(tree, "bin", "h2scope.js"))}); const { script } = loadCli(true);` +
      "console.log(JSON.stringify({ rejected: script.cachedDataRejected === true, offered: script.cachedDataRejected !== undefined }));";
    const result = spawnSync(process.execPath, ["-e", script], { encoding: "utf8" });
    expect(result.stderr).toBe("");
    return JSON.parse(result.stdout) as { rejected: boolean; offered: boolean };
  };
  const capture = fixturePath(loadFixtureMetas().find((meta) => meta.name === "h2-get-post")!);
  const analyze = () => spawnSync(process.execPath, [join(tree, "bin", "h2scope.js"), "analyze", "--format", "json", capture], { encoding: "utf8" });
  const reference = spawnSync(process.execPath, [join(ROOT, "bin", "h2scope.js"), "analyze", "--format", "json", capture], { encoding: "utf8" });

  it("is made by the build and accepted by V8 for its bundle", () => {
    copyFileSync(join(ROOT, "dist", "h2scope.cjs.cache"), cacheFile);
    expect(readFileSync(cacheFile, "latin1").split("\n", 1)[0]).toMatch(/^[0-9a-f]{64} [0-9a-f]{64}$/);
    expect(load()).toEqual({ offered: true, rejected: false });
    expect(analyze().stdout).toBe(reference.stdout);
  });

  it("is not offered for another bundle, even one of the same length", () => {
    copyFileSync(join(ROOT, "dist", "h2scope.cjs.cache"), cacheFile);
    // Another build: one hex digit of the hash line changed, so the bundle's length stays the same
    // (V8's own check would pass such a cache, which could then run bytecode for other code).
    const bundle = readFileSync(join(ROOT, "dist", "h2scope.cjs"), "utf8");
    const lines = bundle.split("\n");
    lines[1] = lines[1]!.slice(0, -1) + (lines[1]!.endsWith("0") ? "1" : "0");
    writeFileSync(join(tree, "dist", "h2scope.cjs"), lines.join("\n"));
    expect(load()).toEqual({ offered: false, rejected: false });
    expect(analyze().stdout).toBe(reference.stdout);
    cpSync(join(ROOT, "dist", "h2scope.cjs"), join(tree, "dist", "h2scope.cjs"));
  });

  it("is not needed: without it, or with a damaged one, the command gives the same output", () => {
    rmSync(cacheFile, { force: true });
    expect(load()).toEqual({ offered: false, rejected: false });
    expect(analyze().stdout).toBe(reference.stdout);
    const cache = readFileSync(join(ROOT, "dist", "h2scope.cjs.cache"));
    const damaged = Buffer.from(cache);
    for (let index = cache.indexOf(0x0a) + 100; index < damaged.length; index += 97) damaged[index] ^= 0xff;
    writeFileSync(cacheFile, damaged);
    expect(load()).toEqual({ offered: false, rejected: false });
    const outcome = analyze();
    expect(outcome.status).toBe(0);
    expect(outcome.stdout).toBe(reference.stdout);
  });

  it("bin/h2scope.js loads as CommonJS and exports its loader when required", () => {
    expect(typeof require(join(ROOT, "bin", "h2scope.js")).loadCli).toBe("function");
  });
});
