// A convention of the sources, checked because breaking it costs speed silently: the size of a
// byte array is read with `.length`, never `.byteLength`. On Node 20 (V8 11.3) the optimizing
// compiler inlines a typed array's `length` but leaves `byteLength` (and `byteOffset`) as a
// generic property load, a call on every read; on the per-packet path that was about 5% of the
// main thread's time (README, Design). For a Uint8Array or a Buffer the two are the same number.

import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const SOURCES = join(import.meta.dirname, "..", "..", "src");

function sourceFiles(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith(".ts") ? [path] : [];
  });
}

describe("byte array sizes in src/", () => {
  it("are read with .length, not .byteLength", () => {
    const offenders = sourceFiles(SOURCES).flatMap((file) =>
      readFileSync(file, "utf8").split("\n").flatMap((line, index) =>
        /\.byteLength\b/.test(line) ? [`${file.slice(SOURCES.length + 1)}:${index + 1}: ${line.trim()}`] : []));
    expect(offenders).toEqual([]);
  });

  it("finds the files it checks", () => {
    // Guards the check above against passing because it read nothing.
    const files = sourceFiles(SOURCES);
    expect(files.length).toBeGreaterThan(50);
    expect(files.some((file) => file.endsWith(join("tcp", "reassembler.ts")))).toBe(true);
  });
});
