import { describe, expect, it } from "vitest";
import { EpisodeWindow } from "../../src/rules/support/episode-window.js";
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

  it("holds just the newest record in a zero window (a user may set windowSeconds to 0)", () => {
    const records = new SlidingRecords<{ id: number; timeUs: number }>();
    expect(records.add({ id: 1, timeUs: 10 }, 0)).toBe(1);
    expect(records.add({ id: 2, timeUs: 10 }, 0)).toBe(1);
    expect(records.add({ id: 3, timeUs: 20 }, 0)).toBe(1);
    expect(records.inWindow().map((record) => record.id)).toEqual([3]);
  });
});

describe("episode window", () => {
  it("reports the crossing once per episode, and again after a whole window without events", () => {
    const window = new EpisodeWindow();
    expect(window.add(0, 1, 100, 3)).toBeUndefined();
    expect(window.add(10, 2, 100, 3)).toBeUndefined();
    expect(window.add(20, 3, 100, 3)).toEqual({ count: 3, windowStartUs: 0 });
    expect(window.add(30, 4, 100, 3)).toBeUndefined(); // the same episode
    expect(window.episodes).toBe(1);
    for (const [timeUs, packet] of [[200, 5], [210, 6]]) expect(window.add(timeUs!, packet!, 100, 3)).toBeUndefined();
    expect(window.add(220, 7, 100, 3)).toEqual({ count: 3, windowStartUs: 200 });
    expect(window.episodes).toBe(2);
    expect(window.firstPacket).toBe(5);
  });

  it("counts just the event in a zero window: a threshold of 1 crosses, 2 never does", () => {
    const ones = new EpisodeWindow();
    expect(ones.add(5, 1, 0, 1)).toEqual({ count: 1, windowStartUs: 5 });
    const twos = new EpisodeWindow();
    for (let i = 0; i < 5; i++) expect(twos.add(5 + i, i, 0, 2)).toBeUndefined();
  });
});
