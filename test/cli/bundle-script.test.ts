// scripts/bundle.mjs on small module trees: what it joins behaves as the separate modules do, and
// what it cannot join faithfully it refuses (the build then fails instead of the CLI misbehaving).

import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const SCRIPT = join(import.meta.dirname, "..", "..", "scripts", "bundle.mjs");

describe("scripts/bundle.mjs", () => {
  const root = mkdtempSync(join(tmpdir(), "h2scope-bundle-"));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  let trees = 0;

  /** Writes the files into a fresh tree and bundles its entry.js (into `outputName`); the exit status and stderr. */
  function bundle(files: Record<string, string>, outputName = "bundle.js"): { status: number | null; stderr: string; output: string } {
    const tree = join(root, `tree${trees++}`);
    for (const [name, text] of Object.entries(files)) {
      mkdirSync(join(tree, name, ".."), { recursive: true });
      writeFileSync(join(tree, name), text);
    }
    const output = join(tree, outputName);
    const result = spawnSync(process.execPath, [SCRIPT, join(tree, "entry.js"), output], { encoding: "utf8", timeout: 30_000 });
    return { status: result.status, stderr: result.stderr, output };
  }

  it("joins named, aliased, namespace and side-effect imports, re-exports, packages and import.meta.url as the modules run", async () => {
    const files = {
      "package.json": '{"type":"module"}',
      "entry.js": [
        'import { add as plus, Counter } from "./lib/math.js";',
        'import * as words from "./words.js";',
        'import "./effect.js";',
        'import { basename } from "node:path";',
        'export { twice as double } from "./lib/math.js";',
        "export const sum = plus(2, 3);",
        "export function count() { const counter = new Counter(); counter.up(); counter.up(); return counter.value; }",
        "export const greeting = words.hello(\"bundle\");",
        "export const here = basename(new URL(import.meta.url).pathname);",
        "export const effects = globalThis.bundleEffects;",
      ].join("\n"),
      "lib/math.js": [
        "const hidden = 10;",
        "export function add(a, b) { return a + b; }",
        "export const twice = (x) => 2 * x;",
        "export class Counter { value = 0; up() { this.value++; } }",
        "export { hidden as ten };",
      ].join("\n"),
      // The same private name as in math.js: each module keeps its own scope.
      "words.js": 'const hidden = "hi"; export function hello(name) { return `${hidden} ${name}`; }',
      "effect.js": "globalThis.bundleEffects = (globalThis.bundleEffects ?? 0) + 1;",
    };
    const result = bundle(files);
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    const tree = join(root, `tree${trees - 1}`);
    const joined = await import(pathToFileURL(result.output).href);
    const modules = await import(pathToFileURL(join(tree, "entry.js")).href);
    // The same values as the separate modules give.
    expect(Object.keys(joined).sort()).toEqual(Object.keys(modules).sort());
    for (const name of ["sum", "greeting", "here"]) expect(joined[name]).toBe(modules[name]);
    expect(joined.count()).toBe(modules.count());
    expect(joined.sum).toBe(5);
    expect(joined.count()).toBe(2);
    expect(joined.greeting).toBe("hi bundle");
    expect(joined.double(21)).toBe(42);
    // import.meta.url still names the module's own file, not the bundle.
    expect(joined.here).toBe("entry.js");
    // The side-effect module ran once in the bundle (the separate modules then ran it again).
    expect(joined.effects).toBe(1);
    expect(modules.effects).toBe(2);
  });

  it("writes a strict CommonJS script for a .cjs output, with the same values", async () => {
    const files = {
      "package.json": '{"type":"module"}',
      "entry.js": [
        'import { add } from "./lib/math.js";',
        'import { basename } from "node:path";',
        'import * as path from "node:path";',
        "export const sum = add(2, 3);",
        "export const here = basename(new URL(import.meta.url).pathname);",
        "export const separator = path.sep;",
        // Strict mode, as in an ES module: a plain call has no `this`.
        "export const strict = (function () { return this === undefined; })();",
      ].join("\n"),
      "lib/math.js": "export function add(a, b) { return a + b; }",
    };
    const result = bundle(files, "bundle.cjs");
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    const text = readFileSync(result.output, "utf8");
    expect(text).not.toMatch(/^(import|export) /m);
    expect(text.split("\n")[1]).toMatch(/^\/\/ bundle [0-9a-f]{64}$/);
    const joined = createRequire(import.meta.url)(result.output) as Record<string, unknown>;
    const modules = await import(pathToFileURL(join(root, `tree${trees - 1}`, "entry.js")).href);
    expect(Object.keys(joined).sort()).toEqual(Object.keys(modules).sort());
    for (const name of Object.keys(modules)) expect(joined[name]).toBe(modules[name]);
    expect(joined.here).toBe("entry.js");
    expect(joined.strict).toBe(true);
  });

  it.each([
    ["an import cycle", { "entry.js": 'import { b } from "./b.js"; export const a = 1;', "b.js": 'import { a } from "./entry.js"; export const b = 2;' }, /import cycle: entry\.js → b\.js → entry\.js/],
    ["a name the module does not export", { "entry.js": 'import { missing } from "./b.js"; export const a = missing;', "b.js": "export const b = 2;" }, /imports missing, which b\.js does not export/],
    ["a re-export of a missing name", { "entry.js": 'export { missing } from "./b.js";', "b.js": "export const b = 2;" }, /re-exports missing/],
    ["export *", { "entry.js": 'export * from "./b.js";', "b.js": "export const b = 2;" }, /export \* from a module/],
    ["a let export (a live binding)", { "entry.js": "export let a = 1; a = 2;" }, /a let or var export/],
    ["export default", { "entry.js": "export default 1;" }, /export default/],
    ["a name exported twice", { "entry.js": 'const a = 1; export { a }; export { a as b, a as b };' }, /exports b twice/],
    ["top-level await", { "entry.js": "await Promise.resolve(); export const a = 1;" }, /top-level await/],
    ["top-level for await", { "entry.js": "for await (const x of []) {} export const a = 1;" }, /top-level await/],
  ] as const)("refuses %s", (_what, files, message) => {
    const result = bundle({ "package.json": '{"type":"module"}', ...files });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(message);
  });
});
