// HpackDecoder after a mid-way join or lost bytes: placeholders for entries never seen, exact fields for the rest.

import { readdirSync, readFileSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { HpackDecoder, UNKNOWN_VALUE, unknownEntryName } from "../../../src/http2/hpack/hpack-decoder.js";
import { concat, indexed, literal, pairs, sizeUpdate } from "./hpack-bytes.js";

const placeholder = (index: number) => ({ name: unknownEntryName(index), value: UNKNOWN_VALUE, unknown: true });

describe("HpackDecoder, desynchronized", () => {
  it("decodes references to entries it never saw as placeholders and goes on", () => {
    const decoder = new HpackDecoder();
    decoder.desynchronize();
    expect(decoder.synchronized).toBe(false);
    const result = decoder.decode(concat(indexed(2), indexed(62), indexed(70), literal("without-indexing", "x-a", "1")));
    expect(result.error).toBeUndefined();
    expect(result.fields).toEqual([{ name: ":method", value: "GET" }, placeholder(62), placeholder(70), { name: "x-a", value: "1" }]);
    expect(result.unknownFields).toBe(2);
  });

  it("keeps entries added since exact, in front of the unknown ones", () => {
    const decoder = new HpackDecoder();
    decoder.desynchronize();
    decoder.decode(concat(literal("incremental", "x-first", "1"), literal("incremental", "x-second", "2")));
    const result = decoder.decode(concat(indexed(62), indexed(63), indexed(64)));
    expect(result.fields).toEqual([{ name: "x-second", value: "2" }, { name: "x-first", value: "1" }, placeholder(64)]);
    expect(result.unknownFields).toBe(1);

    decoder.decode(literal("incremental", "x-third", "3"));
    expect(pairs(decoder.decode(concat(indexed(62), indexed(63), indexed(64))).fields)).toEqual([["x-third", "3"], ["x-second", "2"], ["x-first", "1"]]);
  });

  it("adds an entry whose name it never saw, counting only the value's size", () => {
    const decoder = new HpackDecoder();
    decoder.desynchronize();
    const added = decoder.decode(literal("incremental", 65, "value"));
    expect(added.fields).toEqual([{ name: unknownEntryName(65), value: "value", unknown: true }]);
    expect(added.unknownFields).toBe(1);
    expect(decoder.tableSize).toBe(32 + 5); // a lower bound: the real name has some length
    const referenced = decoder.decode(concat(indexed(62), literal("without-indexing", 62, "other")));
    expect(referenced.fields).toEqual([
      { name: unknownEntryName(65), value: "value", unknown: true },
      { name: unknownEntryName(65), value: "other", unknown: true },
    ]);
    expect(referenced.unknownFields).toBe(2);
  });

  it("applies size updates, and an update to 0 makes it synchronized again", () => {
    const decoder = new HpackDecoder();
    decoder.desynchronize();
    decoder.decode(concat(sizeUpdate(100), literal("incremental", "aaaa", "1234")));
    expect(decoder.synchronized).toBe(false);
    expect(decoder.decode(sizeUpdate(4097)).error).toMatchObject({ code: "table-size-update-too-large" });
    decoder.decode(concat(sizeUpdate(0), sizeUpdate(4096), literal("incremental", "bbbb", "1234")));
    expect(decoder.synchronized).toBe(true);
    expect(pairs(decoder.decode(indexed(62)).fields)).toEqual([["bbbb", "1234"]]);
    expect(decoder.decode(indexed(63)).error).toMatchObject({ code: "invalid-index" });
  });

  it("becomes synchronized again once the known entries leave no room for an unknown one", () => {
    const decoder = new HpackDecoder();
    decoder.desynchronize();
    // 32 + 4 + 60 = 96 octets each: 42 of them make 4,032, and 4,032 + 32 still fits in 4,096.
    for (let i = 0; i < 43; i++) decoder.decode(literal("incremental", `x${String(i).padStart(3, "0")}`, "v".repeat(60)));
    expect(decoder.tableSize).toBe(4032); // the 43rd evicted the oldest known one
    expect(decoder.synchronized).toBe(false);
    decoder.decode(literal("incremental", "y", "v".repeat(31))); // 64 octets: 4,096, no room for any other entry
    expect(decoder.tableSize).toBe(4096);
    expect(decoder.synchronized).toBe(true);
    expect(decoder.decode(indexed(62 + 43)).error).toMatchObject({ code: "invalid-index" });
  });

  it("stays unsynchronized while an entry whose name it never saw is in the table", () => {
    const decoder = new HpackDecoder();
    decoder.desynchronize();
    decoder.decode(sizeUpdate(80));
    decoder.decode(literal("incremental", 70, "v".repeat(20))); // 52 octets: no room left for an older entry
    expect(decoder.synchronized).toBe(false);
    expect(decoder.decode(indexed(62)).unknownFields).toBe(1);
    decoder.decode(literal("incremental", "x", "v".repeat(27))); // 60 octets: evicts it
    expect(decoder.synchronized).toBe(true);
    expect(pairs(decoder.decode(indexed(62)).fields)).toEqual([["x", "v".repeat(27)]]);
  });

  it("after an error that stops a block, treats the same reference as an entry it never saw", () => {
    const decoder = new HpackDecoder();
    expect(decoder.decode(indexed(62)).error).toMatchObject({ code: "invalid-index" });
    expect(decoder.synchronized).toBe(false);
    const result = decoder.decode(indexed(62));
    expect(result.error).toBeUndefined();
    expect(result.fields).toEqual([placeholder(62)]);
  });

  it("forgets what it knew when desynchronized again", () => {
    const decoder = new HpackDecoder();
    decoder.decode(literal("incremental", "x-a", "1"));
    decoder.desynchronize();
    expect(decoder.tableSize).toBe(0);
    expect(decoder.decode(indexed(62)).fields).toEqual([placeholder(62)]);
  });

  it("no longer expects a required size update after a gap", () => {
    const decoder = new HpackDecoder();
    decoder.decode(literal("incremental", "x-a", "1"));
    decoder.setTableSizeLimit(0);
    decoder.desynchronize();
    expect(decoder.decode(indexed(2)).error).toBeUndefined();
  });
});

describe("HpackDecoder joining the corpus stories mid-way", () => {
  const require = createRequire(import.meta.url);
  const corpusDirectory = join(dirname(require.resolve("hpack/package.json")), "test", "hpack-test-case");
  // The RFC 7541 folders (see hpack-corpus.test.ts for why the others are left out).
  const folders = readdirSync(corpusDirectory).filter((name) => statSync(join(corpusDirectory, name)).isDirectory()).filter((name) => {
    const first = join(corpusDirectory, name, "story_00.json");
    try {
      return (JSON.parse(readFileSync(first, "utf8")) as { draft?: number }).draft! >= 9;
    } catch {
      return false;
    }
  });

  it("never decodes a field wrongly: every field is exact or a placeholder, and exact again once synchronized", () => {
    let exact = 0;
    let unknown = 0;
    let resynchronized = 0;
    let stories = 0;
    const problems: string[] = [];
    for (const folder of folders) {
      for (const file of readdirSync(join(corpusDirectory, folder)).filter((name) => /^story_\d+\.json$/.test(name))) {
        const story = JSON.parse(readFileSync(join(corpusDirectory, folder, file), "utf8")) as { cases: Array<{ wire: string; header_table_size?: number }> };
        const joinAt = Math.floor(story.cases.length / 3);
        const full = new HpackDecoder();
        const late = new HpackDecoder();
        late.desynchronize();
        story.cases.forEach((storyCase, index) => {
          const wire = Buffer.from(storyCase.wire, "hex");
          if (storyCase.header_table_size !== undefined) full.setTableSizeLimit(storyCase.header_table_size);
          const expected = full.decode(wire).fields;
          if (index < joinAt) return;
          if (storyCase.header_table_size !== undefined) late.setTableSizeLimit(storyCase.header_table_size);
          const wasSynchronized = late.synchronized;
          const result = late.decode(wire);
          const where = `${folder}/${file} case ${index}`;
          if (result.error !== undefined || result.fields.length !== expected.length) problems.push(`${where}: ${result.error?.code ?? "field count"}`);
          result.fields.forEach((field, position) => {
            const truth = expected[position];
            if (!field.unknown) {
              exact++;
              if (field.name !== truth?.name || field.value !== truth.value) problems.push(`${where}: wrong field ${position}`);
              return;
            }
            unknown++;
            if (wasSynchronized) problems.push(`${where}: placeholder while synchronized`);
            if (field.value !== UNKNOWN_VALUE && field.value !== truth?.value) problems.push(`${where}: wrong value ${position}`);
          });
        });
        stories++;
        if (late.synchronized) resynchronized++;
      }
    }
    console.log(`mid-way join: ${stories} stories, ${exact} fields exact, ${unknown} placeholders, ${resynchronized} stories synchronized again by the end`);
    expect(problems).toEqual([]);
    expect(stories).toBe(350);
    expect(unknown).toBeGreaterThan(0);
    expect(resynchronized).toBeGreaterThan(0);
  });
});
