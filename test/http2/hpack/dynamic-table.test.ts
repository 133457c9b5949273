import { describe, expect, it } from "vitest";
import { DynamicTable, ENTRY_OVERHEAD } from "../../../src/http2/hpack/dynamic-table.js";

function entry(name: string, value: string): [{ name: string; value: string }, number] {
  return [{ name, value }, ENTRY_OVERHEAD + name.length + value.length];
}

function names(table: DynamicTable): string[] {
  return Array.from({ length: table.length }, (_, i) => table.get(i + 1)!.name);
}

describe("DynamicTable (RFC 7541 §2.3.2, §4)", () => {
  it("indexes from the newest entry and accounts 32 + name + value octets (§4.1)", () => {
    const table = new DynamicTable(4096, 65536);
    table.add(...entry("custom-key", "custom-header"));
    table.add(...entry(":authority", "www.example.com"));
    expect(table.size).toBe(55 + 57);
    expect(table.get(1)).toEqual({ name: ":authority", value: "www.example.com" });
    expect(table.get(2)).toEqual({ name: "custom-key", value: "custom-header" });
    expect(table.get(0)).toBeUndefined();
    expect(table.get(3)).toBeUndefined();
  });

  it("evicts from the oldest end until a new entry fits (§4.4)", () => {
    const table = new DynamicTable(3 * 40, 65536);
    for (const name of ["aaaa", "bbbb", "cccc"]) table.add(...entry(name, "1234")); // 40 octets each
    expect(names(table)).toEqual(["cccc", "bbbb", "aaaa"]);
    table.add(...entry("dddd", "1234"));
    expect(names(table)).toEqual(["dddd", "cccc", "bbbb"]);
    table.add(...entry("eeeeeeeeeeee", "1234")); // 48 octets: two must go
    expect(names(table)).toEqual(["eeeeeeeeeeee", "dddd"]);
    expect(table.size).toBe(88);
  });

  it("empties itself for an entry larger than the maximum size (§4.4)", () => {
    const table = new DynamicTable(100, 65536);
    table.add(...entry("a", "b"));
    table.add(...entry("x".repeat(40), "y".repeat(40)));
    expect(table.length).toBe(0);
    expect(table.size).toBe(0);
  });

  it("evicts on a smaller maximum size, and a size of 0 clears it (§4.3)", () => {
    const table = new DynamicTable(4096, 65536);
    for (const name of ["aaaa", "bbbb", "cccc"]) table.add(...entry(name, "1234"));
    table.setMaxSize(80);
    expect(names(table)).toEqual(["cccc", "bbbb"]);
    table.setMaxSize(4096);
    expect(names(table)).toEqual(["cccc", "bbbb"]);
    table.setMaxSize(0);
    expect(table.length).toBe(0);
  });

  it("keeps order while its ring grows and wraps", () => {
    const table = new DynamicTable(50 * 34, 65536);
    for (let i = 0; i < 500; i++) {
      table.add(...entry(String(i % 10), String(Math.floor(i / 10) % 10))); // 34 octets each
      expect(table.get(1)!.name).toBe(String(i % 10));
    }
    expect(table.length).toBe(50);
    expect(table.get(50)).toEqual({ name: "0", value: "5" }); // entry 450
  });

  it("counts entries it drops for its memory bound as older entries it never saw", () => {
    const table = new DynamicTable(4096, 100);
    table.add(...entry("aaaa", "1234"));
    table.add(...entry("bbbb", "1234"));
    expect(table.olderEntriesUnknown).toBe(false);
    table.add(...entry("cccc", "1234"));
    expect(names(table)).toEqual(["cccc", "bbbb"]);
    expect(table.olderEntriesUnknown).toBe(true);
  });

  it("knows all of itself again once no unknown entry can fit beside the known ones", () => {
    const table = new DynamicTable(120, 65536);
    table.forgetAll();
    expect(table.olderEntriesUnknown).toBe(true);
    table.add(...entry("aaaa", "1234"));
    table.add(...entry("bbbb", "1234")); // 80 known: an unknown entry (>= 32) could still fit
    expect(table.olderEntriesUnknown).toBe(true);
    table.add(...entry("cccccc", "1234")); // 122 > 120: "aaaa" goes, 82 + 32 = 114 still fits
    expect(table.olderEntriesUnknown).toBe(true);
    table.add(...entry("dd", "1234")); // 82 + 38 = 120: no room for anything older
    expect(table.olderEntriesUnknown).toBe(false);
    expect(names(table)).toEqual(["dd", "cccccc", "bbbb"]);
  });

  it("knows all of itself again after a size update to 0", () => {
    const table = new DynamicTable(4096, 65536);
    table.forgetAll();
    table.setMaxSize(0);
    expect(table.olderEntriesUnknown).toBe(false);
    table.setMaxSize(4096);
    expect(table.olderEntriesUnknown).toBe(false);
  });
});
