// A queue of input chunks read as one contiguous byte sequence, copying only across chunk seams.

import { copyBytes, EMPTY_BYTES } from "./concat.js";

/**
 * Bytes arrive in chunks of any size (a file read, a pipe read). Decoders ask for "the next n
 * bytes"; when those lie inside one chunk they get a zero-copy view, and only a record that
 * straddles a seam is joined into a fresh buffer. A view is only as good as the chunk it looks
 * into: the pipeline's caller may refill a chunk once its push returns (the CLI reads a file
 * into one buffer, over and over), so a decoder that keeps unread bytes past its push calls
 * detach(), and a consumer that keeps a view past its callback copies it.
 */
export class ChunkQueue {
  #chunks: Uint8Array[] = [];
  /** Index of the first chunk still holding unread bytes. */
  #head = 0;
  /** Read position inside `#chunks[#head]`. */
  #headOffset = 0;
  #available = 0;
  #consumed = 0;
  /** Chunks at indexes below this one have buffers of their own (see detach()). */
  #detachedBefore = 0;
  /** Where the bytes the last peekInPlace() returned start. */
  #peekedAt = 0;

  /** Bytes pushed but not yet read. */
  get available(): number {
    return this.#available;
  }

  /** Bytes read (or skipped) since the start: the offset of the next byte in the whole input. */
  get offset(): number {
    return this.#consumed;
  }

  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.#chunks.push(chunk);
    this.#available += chunk.length;
  }

  /**
   * Pushes a chunk the caller made for the queue and will not touch again (bytes standing in for
   * a gap): detach() need not copy it, when everything before it is already the queue's own.
   */
  pushOwned(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    const allDetached = this.#detachedBefore === this.#chunks.length;
    this.push(chunk);
    if (allDetached) this.#detachedBefore = this.#chunks.length;
  }

  /** The next `length` bytes without consuming them; undefined when fewer are available. */
  peek(length: number): Uint8Array | undefined {
    if (length > this.#available) return undefined;
    const first = this.#chunks[this.#head];
    if (first !== undefined && first.length - this.#headOffset >= length) {
      return first.subarray(this.#headOffset, this.#headOffset + length);
    }
    if (length === 0) return new Uint8Array(0);
    return this.#join(length);
  }

  /**
   * The chunk holding the next `length` bytes when they are all in one, with `headOffset` telling
   * where they start there; undefined when they straddle a seam or are not all in. For fixed-size
   * headers read once per record: reading in place creates no view.
   */
  inOneChunk(length: number): Uint8Array | undefined {
    const first = this.#chunks[this.#head];
    return first !== undefined && first.length - this.#headOffset >= length ? first : undefined;
  }

  /** Where the next byte is in the chunk inOneChunk() returned. */
  get headOffset(): number {
    return this.#headOffset;
  }

  /**
   * The next `length` bytes without consuming them, read in place: the chunk that holds them all
   * (they start at `peekedAt` there), or a joined copy when they straddle a seam (`peekedAt` 0);
   * undefined when fewer are available. For records read once each: no view per record.
   */
  peekInPlace(length: number): Uint8Array | undefined {
    const chunk = this.inOneChunk(length);
    if (chunk !== undefined) {
      this.#peekedAt = this.#headOffset;
      return chunk;
    }
    this.#peekedAt = 0;
    return this.peek(length);
  }

  /** Where the bytes peekInPlace() returned start. */
  get peekedAt(): number {
    return this.#peekedAt;
  }

  /**
   * Gives the unread bytes buffers of their own, for a decoder that keeps a partial record
   * between pushes: the chunks it was pushed may be refilled by the caller once the push
   * returns, and where they are not, one view left in a queue keeps a whole read (128 KiB) alive
   * (freed only by the next full GC once promoted). Only chunks pushed since the last call are
   * copied, so a record arriving in many pieces costs each piece one copy, not a pass over all.
   */
  detach(): void {
    for (let index = Math.max(this.#head, this.#detachedBefore); index < this.#chunks.length; index++) {
      let chunk = this.#chunks[index]!;
      if (index === this.#head && this.#headOffset > 0) {
        chunk = chunk.subarray(this.#headOffset);
        this.#headOffset = 0;
      }
      this.#chunks[index] = copyBytes(chunk);
    }
    this.#detachedBefore = this.#chunks.length;
  }

  /** The byte `index` bytes ahead of the read position (not consumed); undefined when not yet pushed. */
  byteAt(index: number): number | undefined {
    if (index >= this.#available) return undefined;
    let position = this.#headOffset + index;
    for (let chunkIndex = this.#head; ; chunkIndex++) {
      const chunk = this.#chunks[chunkIndex]!;
      if (position < chunk.length) return chunk[position];
      position -= chunk.length;
    }
  }

  /** Copies the next `length` bytes into `target` without consuming them; false when fewer are available. */
  copyTo(target: Uint8Array, length: number): boolean {
    if (length > this.#available) return false;
    let index = this.#head;
    let chunk = this.#chunks[index]!;
    let offset = this.#headOffset;
    for (let written = 0; written < length; written++) {
      while (offset >= chunk.length) {
        chunk = this.#chunks[++index]!;
        offset = 0;
      }
      target[written] = chunk[offset++]!;
    }
    return true;
  }

  /** The next `length` bytes, consumed; undefined (and nothing consumed) when fewer are available. */
  read(length: number): Uint8Array | undefined {
    const bytes = this.peek(length);
    if (bytes !== undefined) this.skip(length);
    return bytes;
  }

  /** Consume `length` bytes (at most what is available). */
  skip(length: number): void {
    let remaining = Math.min(length, this.#available);
    this.#available -= remaining;
    this.#consumed += remaining;
    while (remaining > 0) {
      const chunk = this.#chunks[this.#head]!;
      const left = chunk.length - this.#headOffset;
      if (remaining < left) {
        this.#headOffset += remaining;
        remaining = 0;
      } else {
        remaining -= left;
        // Release the consumed chunk at once: holding it would pin up to a read's worth of memory.
        this.#chunks[this.#head] = EMPTY_BYTES;
        this.#head++;
        this.#headOffset = 0;
      }
    }
    // Compact the array in batches so it does not grow without bound.
    if (this.#head > 64 || this.#head === this.#chunks.length) {
      this.#chunks = this.#chunks.slice(this.#head);
      this.#detachedBefore = Math.max(0, this.#detachedBefore - this.#head);
      this.#head = 0;
    }
  }

  #join(length: number): Uint8Array {
    const joined = new Uint8Array(length);
    let written = 0;
    let index = this.#head;
    let offset = this.#headOffset;
    while (written < length) {
      const chunk = this.#chunks[index]!;
      const take = Math.min(chunk.length - offset, length - written);
      joined.set(chunk.subarray(offset, offset + take), written);
      written += take;
      index++;
      offset = 0;
    }
    return joined;
  }
}
