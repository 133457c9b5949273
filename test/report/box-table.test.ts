import Table from "cli-table3";
import { describe, expect, it } from "vitest";
import { displayWidth, formatBoxTable } from "../../src/report/box-table.js";

describe("formatBoxTable", () => {
  it("draws what cli-table3 draws for one-line cells (numbers, arrows, IPv6, wide characters, empty cells)", () => {
    const head = ["#", "Client", "C→S bytes", "Protocol", "GOAWAY"];
    const rows: Array<Array<string | number>> = [
      [1, "127.0.0.1:33184", "212 B", "HTTP/2 (prior knowledge)", ""],
      [22, "[2001:db8::1]:443", "1.5 MiB", "TLSv1.3 (offers h2,http/1.1)", "NO_ERROR by client"],
      [333, "10.0.0.1:1", "0 B", "例え.jp", "ENHANCE_YOUR_CALM×2 by server"],
    ];
    const reference = new Table({ head, style: { head: [], border: [] } });
    for (const row of rows) reference.push(row);
    expect(formatBoxTable(head, rows)).toBe(reference.toString());
  });

  it("draws a table without rows as its head alone", () => {
    const reference = new Table({ head: ["a", "bb"], style: { head: [], border: [] } });
    expect(formatBoxTable(["a", "bb"], [])).toBe(reference.toString());
  });

  it("counts terminal columns: two for wide characters, none for combining and control characters", () => {
    expect(displayWidth("abc")).toBe(3);
    expect(displayWidth("→")).toBe(1);
    expect(displayWidth("例え")).toBe(4);
    expect(displayWidth("e\u0301")).toBe(1);
    expect(displayWidth("a\u0007b")).toBe(2);
  });
});
