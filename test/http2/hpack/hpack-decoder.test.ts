// HpackDecoder: representations, errors, size update rules and limits (RFC 7541 §4–§6).

import { describe, expect, it } from "vitest";
import { HpackDecoder } from "../../../src/http2/hpack/hpack-decoder.js";
import { concat, hex, huffman, indexed, integer, literal, pairs, sizeUpdate, stringLiteral } from "./hpack-bytes.js";

describe("HpackDecoder", () => {
  describe("representations (§6)", () => {
    it("adds only literals with incremental indexing to the table", () => {
      const decoder = new HpackDecoder();
      const result = decoder.decode(concat(
        literal("without-indexing", "x-a", "1"),
        literal("never-indexed", 23, "secret"),
        literal("incremental", "x-b", "2"),
        literal("incremental", 4, "/p"),
      ));
      expect(pairs(result.fields)).toEqual([["x-a", "1"], ["authorization", "secret"], ["x-b", "2"], [":path", "/p"]]);
      expect(decoder.tableSize).toBe(32 + 4 + 32 + 7);
      expect(pairs(decoder.decode(concat(indexed(62), indexed(63))).fields)).toEqual([[":path", "/p"], ["x-b", "2"]]);
    });

    it("gives every reference to one table entry the same [name, value] pair", () => {
      const decoder = new HpackDecoder();
      const first = decoder.decode(concat(indexed(2), literal("incremental", "x-id", "7"), literal("without-indexing", "x-once", "1")));
      const second = decoder.decode(concat(indexed(2), indexed(62), literal("without-indexing", "x-once", "1")));
      expect(first.fields.map((field) => field.pair)).toEqual([[":method", "GET"], ["x-id", "7"], ["x-once", "1"]]);
      // The static entry and the dynamic one: the same pair object in both lists.
      expect(second.fields[0]!.pair).toBe(first.fields[0]!.pair);
      expect(second.fields[1]!.pair).toBe(first.fields[1]!.pair);
      // A literal the table does not keep is a field of its own.
      expect(second.fields[2]!.pair).not.toBe(first.fields[2]!.pair);
      expect(second.fields[2]!.pair).toEqual(first.fields[2]!.pair);
    });

    it("decodes Huffman-coded names and values", () => {
      const result = new HpackDecoder().decode(literal("without-indexing", "x-custom", "some value", true));
      expect(pairs(result.fields)).toEqual([["x-custom", "some value"]]);
    });

    it("keeps every octet of a value, one character per octet", () => {
      const value = Buffer.from([0x00, 0x7f, 0x80, 0xe9, 0xff, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46]).toString("latin1");
      const result = new HpackDecoder().decode(concat(literal("without-indexing", "x-raw", value), literal("without-indexing", "x-huffman", value, true)));
      expect(result.fields.map((field) => field.value)).toEqual([value, value]);
    });

    it("decodes a block that is a view into a larger buffer", () => {
      const backing = concat([0xff, 0xff], hex("8286 8441 0f77 7777 2e65 7861 6d70 6c65 2e63 6f6d"), [0xff]);
      const block = new Uint8Array(backing.buffer, 2, backing.length - 3);
      expect(new HpackDecoder().decode(block).fields.length).toBe(4);
    });

    it("decodes an empty block to no fields", () => {
      expect(new HpackDecoder().decode(new Uint8Array(0))).toEqual({ fields: [], unknownFields: 0 });
    });
  });

  describe("errors stop the block and keep the fields before", () => {
    it("index 0 is invalid-index (§6.1)", () => {
      const result = new HpackDecoder().decode(concat(indexed(2), indexed(0)));
      expect(pairs(result.fields)).toEqual([[":method", "GET"]]);
      expect(result.error).toMatchObject({ code: "invalid-index", byteOffset: 1 });
    });

    it("a reference past the table of a synchronized decoder is invalid-index, and desynchronizes it", () => {
      const decoder = new HpackDecoder();
      decoder.decode(literal("incremental", "x-a", "1"));
      const result = decoder.decode(concat(indexed(62), indexed(63), indexed(2)));
      expect(pairs(result.fields)).toEqual([["x-a", "1"]]);
      expect(result.error).toMatchObject({ code: "invalid-index", byteOffset: 1 });
      expect(result.error!.detail).toContain("63");
      expect(decoder.synchronized).toBe(false);
    });

    it("a literal whose name index is past the table is invalid-index", () => {
      const result = new HpackDecoder().decode(literal("without-indexing", 62, "v"));
      expect(result.error).toMatchObject({ code: "invalid-index", byteOffset: 0 });
    });

    it("an index above 2^31-1 is integer-overflow (§5.1)", () => {
      const result = new HpackDecoder().decode(concat(indexed(2), [0xff, 0xff, 0xff, 0xff, 0xff, 0x0f]));
      expect(result.error).toMatchObject({ code: "integer-overflow", byteOffset: 1 });
      expect(result.fields.length).toBe(1);
    });

    it("a string length above 2^31-1 is integer-overflow", () => {
      const result = new HpackDecoder().decode(concat([0x00], integer(2 ** 31, 7)));
      expect(result.error).toMatchObject({ code: "integer-overflow" });
    });

    it("bad Huffman code is huffman-invalid (§5.2)", () => {
      const eos = new HpackDecoder().decode(concat(indexed(2), [0x04, 0x84, 0xff, 0xff, 0xff, 0xff]));
      expect(eos.error).toMatchObject({ code: "huffman-invalid", byteOffset: 1 });
      expect(eos.error!.detail).toContain("EOS");
      const padding = new HpackDecoder().decode(concat([0x04, 0x82], huffman("/"), [0xff]));
      expect(padding.error).toMatchObject({ code: "huffman-invalid" });
      expect(padding.error!.detail).toContain("padding");
    });

    it("a string longer than the rest of the block is string-truncated", () => {
      const result = new HpackDecoder().decode(concat(indexed(2), [0x04, 0x0a], Buffer.from("/short")));
      expect(result.error).toMatchObject({ code: "string-truncated", byteOffset: 1 });
    });

    it("a block ending inside a representation is block-truncated", () => {
      expect(new HpackDecoder().decode(hex("7f")).error).toMatchObject({ code: "block-truncated" }); // integer cut
      expect(new HpackDecoder().decode(concat([0x40], stringLiteral("x-name"))).error).toMatchObject({ code: "block-truncated" }); // no value
      expect(new HpackDecoder().decode(hex("00")).error).toMatchObject({ code: "block-truncated" }); // no name
    });

    it("every cut of a valid block either ends at a representation boundary or reports truncation", () => {
      const block = hex("8287 85bf 4088 25a8 49e9 5ba9 7d7f 8925 a849 e95b b8e8 b4bf");
      const boundaries = new Set([0, 1, 2, 3, 4, block.length]);
      for (let cut = 0; cut <= block.length; cut++) {
        const decoder = new HpackDecoder();
        decoder.decode(hex("8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff")); // C.4.1 and C.4.2 fill indices 62–63
        decoder.decode(hex("8286 84be 5886 a8eb 1064 9cbf"));
        const result = decoder.decode(block.subarray(0, cut));
        if (boundaries.has(cut)) expect(result.error, `cut ${cut}`).toBeUndefined();
        else expect(["block-truncated", "string-truncated"], `cut ${cut}`).toContain(result.error?.code);
      }
    });

    it("never throws on arbitrary bytes", () => {
      let seed = 11;
      const random = () => (seed = (seed * 1_103_515_245 + 12_345) >>> 0) >>> 16;
      const decoder = new HpackDecoder();
      for (let round = 0; round < 5000; round++) {
        const block = Uint8Array.from({ length: random() % 64 }, () => random() & 0xff);
        if (round % 7 === 0) decoder.desynchronize();
        expect(() => decoder.decode(block)).not.toThrow();
      }
    });
  });

  describe("dynamic table size updates (§4.2, §6.3)", () => {
    it("applies updates at the start of a block, evicting what no longer fits", () => {
      const decoder = new HpackDecoder();
      decoder.decode(concat(literal("incremental", "aaaa", "1234"), literal("incremental", "bbbb", "1234")));
      expect(decoder.tableSize).toBe(80);
      const result = decoder.decode(concat(sizeUpdate(40), indexed(62)));
      expect(pairs(result.fields)).toEqual([["bbbb", "1234"]]);
      expect(decoder.tableSize).toBe(40);
      expect(decoder.decode(indexed(63)).error).toMatchObject({ code: "invalid-index" });
    });

    it("accepts two updates at the start (the smallest, then the final size)", () => {
      const decoder = new HpackDecoder();
      decoder.decode(literal("incremental", "aaaa", "1234"));
      const result = decoder.decode(concat(sizeUpdate(0), sizeUpdate(4096), literal("incremental", "bbbb", "1234"), indexed(62)));
      expect(result.error).toBeUndefined();
      expect(pairs(result.fields)).toEqual([["bbbb", "1234"], ["bbbb", "1234"]]);
      expect(decoder.tableSize).toBe(40);
    });

    it("refuses an update after a field: table-size-update-misplaced", () => {
      const result = new HpackDecoder().decode(concat(indexed(2), sizeUpdate(100)));
      expect(result.error).toMatchObject({ code: "table-size-update-misplaced", byteOffset: 1 });
      expect(pairs(result.fields)).toEqual([[":method", "GET"]]);
    });

    it("refuses an update above the default limit of 4,096", () => {
      const decoder = new HpackDecoder();
      expect(decoder.decode(sizeUpdate(4096)).error).toBeUndefined();
      expect(decoder.decode(sizeUpdate(4097)).error).toMatchObject({ code: "table-size-update-too-large", byteOffset: 0 });
    });

    it("follows setTableSizeLimit: larger updates become allowed, then refused above the new limit", () => {
      const decoder = new HpackDecoder();
      decoder.setTableSizeLimit(16_384);
      expect(decoder.decode(concat(sizeUpdate(16_384), literal("incremental", "x", "y"))).error).toBeUndefined();
      expect(decoder.decode(sizeUpdate(16_385)).error).toMatchObject({ code: "table-size-update-too-large" });
    });

    it("after the limit drops below the table size, the next block must start with an update", () => {
      const decoder = new HpackDecoder();
      decoder.decode(concat(literal("incremental", "aaaa", "1234"), literal("incremental", "bbbb", "1234")));
      decoder.setTableSizeLimit(40);
      expect(decoder.tableSize).toBe(40); // the table may not be larger than the limit from now on
      const missing = decoder.decode(indexed(62));
      expect(missing.error).toMatchObject({ code: "table-size-update-misplaced", byteOffset: 0 });
      expect(missing.fields).toEqual([]);

      const compliant = new HpackDecoder();
      compliant.decode(concat(literal("incremental", "aaaa", "1234"), literal("incremental", "bbbb", "1234")));
      compliant.setTableSizeLimit(40);
      const result = compliant.decode(concat(sizeUpdate(40), indexed(62)));
      expect(result.error).toBeUndefined();
      expect(pairs(result.fields)).toEqual([["bbbb", "1234"]]);
      expect(compliant.decode(indexed(62)).error).toBeUndefined(); // required once only
    });

    it("does not require an update when the limit grows or stays", () => {
      const decoder = new HpackDecoder();
      decoder.setTableSizeLimit(4096);
      decoder.setTableSizeLimit(8192);
      expect(decoder.decode(indexed(2)).error).toBeUndefined();
    });
  });

  describe("limits", () => {
    it("stops collecting past maxFieldsPerBlock but keeps the table exact", () => {
      const decoder = new HpackDecoder({ maxFieldsPerBlock: 2 });
      const result = decoder.decode(concat(indexed(2), indexed(4), indexed(6), literal("incremental", "x-late", "kept"), literal("without-indexing", "x-skipped", "v")));
      expect(pairs(result.fields)).toEqual([[":method", "GET"], [":path", "/"]]);
      expect(result.error).toMatchObject({ code: "too-many-fields", byteOffset: 2 });
      expect(decoder.synchronized).toBe(true);
      expect(pairs(decoder.decode(indexed(62)).fields)).toEqual([["x-late", "kept"]]);
    });

    it("stops collecting past maxHeaderListBytes but keeps the table exact", () => {
      const decoder = new HpackDecoder({ maxHeaderListBytes: 50 });
      const result = decoder.decode(concat(literal("without-indexing", "x-a", "0123456789"), literal("incremental", "x-b", "0123456789"), literal("incremental", "x-c", "c")));
      expect(pairs(result.fields)).toEqual([["x-a", "0123456789"]]);
      expect(result.error).toMatchObject({ code: "header-list-too-large" });
      // The fields past the limit were still inserted: the table is exact.
      expect(pairs(decoder.decode(indexed(62)).fields)).toEqual([["x-c", "c"]]);
      expect(pairs(decoder.decode(indexed(63)).fields)).toEqual([["x-b", "0123456789"]]);
    });

    it("reports the first limit even when a later error stops the block", () => {
      const decoder = new HpackDecoder({ maxFieldsPerBlock: 1 });
      const result = decoder.decode(concat(indexed(2), indexed(3), indexed(0)));
      expect(result.error).toMatchObject({ code: "too-many-fields" });
      expect(decoder.synchronized).toBe(false);
    });

    it("refuses a string longer than maxStringBytes before decoding it", () => {
      const decoder = new HpackDecoder({ maxStringBytes: 8 });
      expect(decoder.decode(literal("without-indexing", "x-a", "12345678")).error).toBeUndefined();
      const result = decoder.decode(concat(indexed(2), literal("without-indexing", "x-a", "123456789")));
      expect(result.error).toMatchObject({ code: "header-list-too-large", byteOffset: 1 });
      expect(result.error!.detail).toContain("9 octets");
    });
  });
});
