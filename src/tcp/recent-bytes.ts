// The most recently delivered bytes of one TCP direction, in a fixed ring, so a retransmission
// can be compared with the original without allocating per segment or pinning input buffers.

export class RecentBytes {
  readonly #capacity: number;
  #ring: Uint8Array | undefined;
  /** Stream offset just past the last byte written. */
  #end = 0;
  /** Smallest stream offset the ring still holds (raised by gaps and by overwriting). */
  #start = 0;

  constructor(capacity: number) {
    this.#capacity = capacity;
  }

  /** Records bytes delivered at `offset` (contiguous with earlier ones unless a gap intervened). */
  write(offset: number, bytes: Uint8Array): void {
    if (this.#capacity === 0 || bytes.length === 0) return;
    // Allocated on first use: directions that never carry data cost nothing.
    this.#ring ??= new Uint8Array(this.#capacity);
    if (offset !== this.#end) this.#start = offset; // a gap: what came before is not adjacent
    let source = bytes;
    if (source.length > this.#capacity) source = source.subarray(source.length - this.#capacity);
    const sourceOffset = offset + bytes.length - source.length;
    const at = sourceOffset % this.#capacity;
    // Once per delivered segment: the whole copy when it fits before the ring's end (no views).
    if (at + source.length <= this.#capacity) this.#ring.set(source, at);
    else {
      const first = this.#capacity - at;
      this.#ring.set(source.subarray(0, first), at);
      this.#ring.set(source.subarray(first), 0);
    }
    this.#end = offset + bytes.length;
    this.#start = Math.max(this.#start, this.#end - this.#capacity);
  }

  /**
   * Compares `bytes` (claimed to sit at `offset`) with what was delivered there: true when some
   * kept byte differs, false when every byte was kept and matches, undefined when not all were kept.
   */
  differs(offset: number, bytes: Uint8Array): boolean | undefined {
    const ring = this.#ring;
    if (ring === undefined || bytes.length === 0) return undefined;
    const from = Math.max(offset, this.#start);
    const to = Math.min(offset + bytes.length, this.#end);
    for (let position = from; position < to; position++) {
      if (ring[position % this.#capacity] !== bytes[position - offset]) return true;
    }
    return from === offset && to === offset + bytes.length ? false : undefined;
  }

  /** Frees the ring (idle or finished direction); it is allocated again on the next write. */
  release(): void {
    this.#ring = undefined;
    this.#start = this.#end;
  }
}
