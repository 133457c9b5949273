import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import { STATIC_TABLE, STATIC_TABLE_LENGTH } from "../../../src/http2/hpack/static-table.js";

const require = createRequire(import.meta.url);
const referenceTable = require("hpack/lib/static_table.js") as { length: number; get(index: number): [string, string] };

describe("STATIC_TABLE (RFC 7541 Appendix A)", () => {
  it("has 61 entries from index 1", () => {
    expect(STATIC_TABLE_LENGTH).toBe(61);
    expect(STATIC_TABLE.length).toBe(62);
    expect(STATIC_TABLE[0]).toBeUndefined();
    expect(STATIC_TABLE[1]).toEqual({ name: ":authority", value: "" });
    expect(STATIC_TABLE[2]).toEqual({ name: ":method", value: "GET" });
    expect(STATIC_TABLE[16]).toEqual({ name: "accept-encoding", value: "gzip, deflate" });
    expect(STATIC_TABLE[61]).toEqual({ name: "www-authenticate", value: "" });
  });

  it("matches the hpack package's table entry by entry", () => {
    expect(referenceTable.length).toBe(STATIC_TABLE_LENGTH);
    for (let index = 1; index <= STATIC_TABLE_LENGTH; index++) {
      const [name, value] = referenceTable.get(index);
      expect(STATIC_TABLE[index], `index ${index}`).toEqual({ name, value });
    }
  });

  it("cannot be changed through a decoded field", () => {
    expect(Object.isFrozen(STATIC_TABLE[2])).toBe(true);
  });
});
