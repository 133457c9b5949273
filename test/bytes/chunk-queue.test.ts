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

  it("detach() gives the unread bytes buffers of their own, copying each byte at most once", () => {
    const read = new Uint8Array(1000).map((_, index) => index & 0xff);
    const queue = new ChunkQueue();
    queue.push(read.subarray(0, 300));
    queue.push(read.subarray(300, 500));
    queue.skip(250);
    queue.detach();
    const own = queue.peek(queue.available)!;
    expect([...own]).toEqual([...read.subarray(250, 500)]);
    // Nothing left in the queue refers to the 1000-byte read.
    const first = queue.read(50)!;
    const second = queue.read(200)!;
    expect(first.buffer).not.toBe(read.buffer);
    expect(second.buffer).not.toBe(read.buffer);
    expect(first.byteLength === first.buffer.byteLength && second.byteLength === second.buffer.byteLength).toBe(true);
    // A whole buffer is copied too: the caller may refill it once its push returns.
    const whole = Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8, 9, 10);
    queue.push(whole);
    queue.detach();
    whole.fill(0xee);
    const kept = queue.read(10)!;
    expect(kept.buffer).not.toBe(whole.buffer);
    expect([...kept]).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it("keeps what detach() copied intact when the caller refills its chunk (one read buffer reused)", () => {
    const buffer = new Uint8Array(8);
    const queue = new ChunkQueue();
    const seen: number[] = [];
    for (let round = 0; round < 5; round++) {
      buffer.forEach((_, index) => (buffer[index] = round * 8 + index));
      queue.push(buffer);
      // Read 5 of every 8: the rest waits for the next push, as a record cut at a read's end.
      while (queue.available >= 5) seen.push(...queue.read(5)!);
      queue.detach();
    }
    while (queue.available > 0) seen.push(...queue.read(Math.min(5, queue.available))!);
    expect(seen).toEqual(Array.from({ length: 40 }, (_, index) => index));
  });

  it("detach() copies a piece once however many pieces follow (a record arriving in many segments)", () => {
    const read = new Uint8Array(4000).map((_, index) => index & 0xff);
    const queue = new ChunkQueue();
    queue.push(read.subarray(0, 100));
    queue.detach();
    const firstCopy = queue.peek(100)!.buffer;
    expect(firstCopy).not.toBe(read.buffer);
    for (let start = 100; start < 4000; start += 100) {
      queue.push(read.subarray(start, start + 100));
      queue.detach();
      // The earlier pieces are the same copies as before: not copied again.
      expect(queue.peek(100)!.buffer).toBe(firstCopy);
    }
    // Partly read, the first piece is still not copied again.
    queue.skip(50);
    queue.push(read.subarray(0, 10));
    queue.detach();
    expect(queue.peek(50)!.buffer).toBe(firstCopy);
    expect([...queue.read(3950)!]).toEqual([...read.subarray(50)]);
  });

  it("pushOwned() chunks are not copied by detach() when all before them are the queue's own", () => {
    const read = Uint8Array.of(1, 2, 3, 4);
    const queue = new ChunkQueue();
    queue.push(read.subarray(0, 2));
    queue.detach();
    const zeros = new Uint8Array(3);
    queue.pushOwned(zeros);
    queue.detach();
    queue.skip(2);
    expect(queue.peek(3)!.buffer).toBe(zeros.buffer);
    // After a view not yet detached, an owned chunk cannot be marked, and is copied with it.
    const later = new ChunkQueue();
    later.push(read.subarray(2));
    const more = new Uint8Array(2);
    later.pushOwned(more);
    later.detach();
    read.fill(0xee);
    later.skip(2);
    expect(later.peek(2)!.buffer).not.toBe(more.buffer);
    expect([...later.read(2)!]).toEqual([0, 0]);
  });

  it("byteAt() and inOneChunk() read ahead without consuming", () => {
    const queue = new ChunkQueue();
    queue.push(Uint8Array.of(1, 2, 3));
    queue.push(Uint8Array.of(4, 5));
    queue.skip(1);
    expect([0, 1, 2, 3].map((index) => queue.byteAt(index))).toEqual([2, 3, 4, 5]);
    expect(queue.byteAt(4)).toBeUndefined();
    expect(queue.inOneChunk(2)).toBeDefined();
    expect(queue.headOffset).toBe(1);
    expect(queue.inOneChunk(3)).toBeUndefined();
    expect(queue.available).toBe(4);
  });

  it("peekInPlace() gives the chunk itself when the bytes lie in one, else a joined copy at 0", () => {
    const first = Uint8Array.of(1, 2, 3);
    const queue = new ChunkQueue();
    queue.push(first);
    queue.push(Uint8Array.of(4, 5));
    queue.skip(1);
    const inPlace = queue.peekInPlace(2)!;
    expect(inPlace).toBe(first);
    expect(queue.peekedAt).toBe(1);
    const joined = queue.peekInPlace(3)!;
    expect(joined).not.toBe(first);
    expect(queue.peekedAt).toBe(0);
    expect([...joined.subarray(0, 3)]).toEqual([2, 3, 4]);
    expect(queue.peekInPlace(5)).toBeUndefined();
    expect(queue.available).toBe(4);
  });
});
