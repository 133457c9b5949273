// Every story of every implementation in the hpack-test-case corpus, decoded and compared exactly.

import { readdirSync, readFileSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { HpackDecoder } from "../../../src/http2/hpack/hpack-decoder.js";
import { pairs } from "./hpack-bytes.js";

interface StoryCase {
  seqno?: number;
  /** SETTINGS_HEADER_TABLE_SIZE sent and ACKed just before this case (corpus README); absent: unchanged. */
  header_table_size?: number;
  wire?: string;
  headers: Array<Record<string, string>>;
}

interface Story {
  draft?: number;
  cases: StoryCase[];
}

const require = createRequire(import.meta.url);
const corpusDirectory = join(dirname(require.resolve("hpack/package.json")), "test", "hpack-test-case");

/**
 * Oldest HPACK draft whose encoders in this corpus produce RFC 7541 bytes. The folders written by
 * drafts 5, 7 and 8 (node-http2-protocol, twitter-hpack, hyper-hpack) use wire formats RFC 7541
 * replaced: fields emitted implicitly from a reference set (hyper-hpack's first block holds one
 * representation for four fields), another static table layout and Huffman code (":authority
 * yahoo.co.jp" decodes as ":method ktp4PkiDyT"). No RFC 7541 decoder can read them.
 */
const FIRST_RFC_COMPATIBLE_DRAFT = 9;

/** Implementation folders with wire data; raw-data holds only the header lists the encoders started from. */
function foldersWithWireData(): string[] {
  return readdirSync(corpusDirectory)
    .filter((name) => statSync(join(corpusDirectory, name)).isDirectory())
    .filter((name) => storyFiles(name).some((file) => readStory(name, file).cases.some((storyCase) => storyCase.wire !== undefined)))
    .sort();
}

function draftOf(implementation: string): number {
  return readStory(implementation, storyFiles(implementation)[0]!).draft ?? 0;
}

function storyFiles(implementation: string): string[] {
  return readdirSync(join(corpusDirectory, implementation)).filter((file) => /^story_\d+\.json$/.test(file)).sort();
}

function readStory(implementation: string, file: string): Story {
  return JSON.parse(readFileSync(join(corpusDirectory, implementation, file), "utf8")) as Story;
}

describe("hpack-test-case corpus", () => {
  const withWireData = foldersWithWireData();
  const folders = withWireData.filter((name) => draftOf(name) >= FIRST_RFC_COMPATIBLE_DRAFT);
  let stories = 0;
  let cases = 0;

  it("checks every folder with wire data except the pre-RFC drafts", () => {
    expect(withWireData).not.toContain("raw-data");
    expect(withWireData.filter((name) => !folders.includes(name)).map((name) => [name, draftOf(name)])).toEqual([
      ["hyper-hpack", 8],
      ["node-http2-protocol", 5],
      ["twitter-hpack", 7],
    ]);
    expect(folders.length).toBe(11);
  });

  for (const implementation of folders) {
    it(`decodes every story of ${implementation}`, () => {
      for (const file of storyFiles(implementation)) {
        const story = readStory(implementation, file);
        const decoder = new HpackDecoder();
        story.cases.forEach((storyCase, index) => {
          if (storyCase.header_table_size !== undefined) decoder.setTableSizeLimit(storyCase.header_table_size);
          const result = decoder.decode(Buffer.from(storyCase.wire!, "hex"));
          const where = `${implementation}/${file} case ${storyCase.seqno ?? index}`;
          expect(result.error, where).toBeUndefined();
          expect(result.unknownFields, where).toBe(0);
          expect(pairs(result.fields), where).toEqual(storyCase.headers.map((header) => Object.entries(header)[0]!));
          expect(decoder.synchronized, where).toBe(true);
          cases++;
        });
        stories++;
      }
    });
  }

  it("checked every story and case", () => {
    // Printed for the README; the counts are fixed by the installed corpus.
    console.log(`hpack-test-case: ${stories} stories, ${cases} cases in ${folders.length} implementations`);
    expect(stories).toBe(350);
    expect(cases).toBe(36_990);
  });
});
