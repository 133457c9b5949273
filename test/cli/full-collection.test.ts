import { getHeapStatistics } from "node:v8";
import { describe, expect, it } from "vitest";
import { collectGarbage } from "../../src/cli/full-collection.js";

describe("collectGarbage", () => {
  it("runs a full collection: old-generation garbage is freed at once", () => {
    // 400,000 objects of ~100 bytes kept through one full collection (so they are old), then dropped.
    let kept: Array<{ id: number; text: string; list: number[] }> | undefined = Array.from({ length: 400_000 }, (_, id) => ({ id, text: `object ${id}`, list: [id, id + 1] }));
    collectGarbage();
    const withGarbage = getHeapStatistics().used_heap_size;
    expect(kept.length).toBe(400_000);
    kept = undefined;
    collectGarbage();
    const after = getHeapStatistics().used_heap_size;
    expect(withGarbage - after).toBeGreaterThan(20 * 1024 * 1024);
  });
});
