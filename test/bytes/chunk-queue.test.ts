import { describe, expect, it } from "vitest";
import { ChunkQueue } from "../../src/bytes/chunk-queue.js";

describe("ChunkQueue", () => {
  it("reads across chunk seams and tracks the input offset", () => {
    const queue = new ChunkQueue();
    queue.push(Uint8Array.of(1, 2, 3));
    queue.push(Uint8Array.of(4));
    queue.push(Uint8Array.of(5, 6, 7, 8));
    expect(queue.available).toBe(8);
    expect([...queue.read(2)!]).toEqual([1, 2]);
    expect([...queue.read(4)!]).toEqual([3, 4, 5, 6]);
    expect(queue.offset).toBe(6);
    expect(queue.read(3)).toBeUndefined();
    expect(queue.offset).toBe(6);
    expect([...queue.peek(2)!]).toEqual([7, 8]);
    queue.skip(2);
    expect(queue.available).toBe(0);
    expect(queue.offset).toBe(8);
  });

  it("returns a zero-copy view when the bytes lie in one chunk", () => {
    const chunk = Uint8Array.of(9, 8, 7, 6);
    const queue = new ChunkQueue();
    queue.push(chunk);
    queue.skip(1);
    const view = queue.peek(2)!;
    expect(view.buffer).toBe(chunk.buffer);
    expect([...view]).toEqual([8, 7]);
  });

  it("keeps earlier views intact after later pushes and reads", () => {
    const queue = new ChunkQueue();
    queue.push(Uint8Array.of(1, 2));
    queue.push(Uint8Array.of(3, 4));
    const joined = queue.read(3)!;
    for (let i = 0; i < 100; i++) queue.push(Uint8Array.of(i));
    queue.skip(50);
    expect([...joined]).toEqual([1, 2, 3]);
  });
});
