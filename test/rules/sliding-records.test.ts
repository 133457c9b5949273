import { describe, expect, it } from "vitest";
import { SlidingRecords } from "../../src/rules/support/sliding-records.js";

describe("sliding records", () => {
  it("keeps the records less than the window older than the newest, oldest first", () => {
    const records = new SlidingRecords<{ id: number; timeUs: number }>();
    expect(records.add({ id: 1, timeUs: 0 }, 100)).toBe(1);
    expect(records.add({ id: 2, timeUs: 50 }, 100)).toBe(2);
    // Exactly a window older drops out.
    expect(records.add({ id: 3, timeUs: 100 }, 100)).toBe(2);
    expect(records.inWindow().map((record) => record.id)).toEqual([2, 3]);
    records.clear();
    expect(records.inWindow()).toEqual([]);
    expect(records.add({ id: 4, timeUs: 101 }, 100)).toBe(1);
  });

  it("counts and lists the same across its compactions of a long run", () => {
    const records = new SlidingRecords<{ id: number; timeUs: number }>();
    let count = 0;
    for (let id = 0; id < 5000; id++) count = records.add({ id, timeUs: id * 10 }, 1000);
    expect(count).toBe(100);
    expect(records.inWindow().map((record) => record.id)).toEqual(Array.from({ length: 100 }, (_, index) => 4900 + index));
  });
});
