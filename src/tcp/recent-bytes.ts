// The most recently delivered bytes of one TCP direction, in a ring, so a retransmission can be
// compared with the original without allocating per segment or pinning input buffers.

/** The ring's first size (bytes); it doubles as a direction carries more, up to its capacity. */
const FIRST_RING_BYTES = 512;

/**
 * Rings given back by directions that ended or grew, for the next ones to take. On a capture of
 * many short connections every direction needs a ring or two, and each new one is a buffer
 * outside V8's heap: slow to allocate, and freed only when V8 collects the ring's owner. A
 * ring's stale bytes are never read: a direction reads only offsets it wrote itself. Holds at
 * most `maxBytes`.
 */
export class RingPool {
  readonly #maxBytes: number;
  /** Free rings by size. */
  readonly #free = new Map<number, Uint8Array[]>();
  #bytes = 0;

  constructor(maxBytes: number) {
    this.#maxBytes = maxBytes;
  }

  /** A ring of `size` bytes, from the pool when one is free. */
  take(size: number): Uint8Array {
    const ring = this.#free.get(size)?.pop();
    if (ring === undefined) return new Uint8Array(size);
    this.#bytes -= size;
    return ring;
  }

  give(ring: Uint8Array): void {
    // Full-size rings belong to long bulk directions, which start seldom: kept, they would only
    // add to resident memory on captures of long connections.
    if (ring.length > MAX_POOLED_RING || this.#bytes + ring.length > this.#maxBytes) return;
    const free = this.#free.get(ring.length);
    if (free === undefined) this.#free.set(ring.length, [ring]);
    else free.push(ring);
    this.#bytes += ring.length;
  }
}

/**
 * Bytes of free rings kept for reuse (some thousands of the small rings short connections use).
 * Connections from a load generator or a client pool open and close in waves: 2,000 one-request
 * connections hand back some 5 MB of 512 B and 2 KiB rings at once, and the next wave takes
 * them. With 4 MiB the pool turned away 10,000 rings of such a capture and allocated 13,500 new
 * ones (each a buffer outside V8's heap); with 8 MiB, 4,600, no more than the first wave needs.
 */
export const RING_POOL_BYTES = 8 * 1024 * 1024;
/** The largest ring kept for reuse. */
const MAX_POOLED_RING = 4096;

export class RecentBytes {
  readonly #capacity: number;
  /**
   * Sized to what the direction has carried, not to the capacity: most directions of a busy
   * capture carry a request or a short answer, and 2,000 connections open at once with full
   * 16 KiB rings held 64 MiB.
   */
  #ring: Uint8Array | undefined;
  /** Stream offset just past the last byte written. */
  #end = 0;
  /** Smallest stream offset the ring still holds (raised by gaps and by overwriting). */
  #start = 0;

  readonly #pool: RingPool;

  constructor(capacity: number, pool: RingPool = new RingPool(0)) {
    this.#capacity = capacity;
    this.#pool = pool;
  }

  /** Records bytes delivered at `offset` (contiguous with earlier ones unless a gap intervened). */
  write(offset: number, bytes: Uint8Array): void {
    if (this.#capacity === 0 || bytes.length === 0) return;
    if (offset !== this.#end) this.#start = offset; // a gap: what came before is not adjacent
    const end = offset + bytes.length;
    let ring = this.#ring;
    if (ring === undefined || (ring.length < this.#capacity && end - this.#start > ring.length)) ring = this.#grow(end - this.#start);
    const size = ring.length;
    const source = bytes.length > size ? bytes.subarray(bytes.length - size) : bytes;
    place(ring, end - source.length, source);
    this.#end = end;
    this.#start = Math.max(this.#start, end - size);
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
      if (ring[position % ring.length] !== bytes[position - offset]) return true;
    }
    return from === offset && to === offset + bytes.length ? false : undefined;
  }

  /** Frees the ring (idle or finished direction); it is allocated again on the next write. */
  release(): void {
    if (this.#ring !== undefined) this.#pool.give(this.#ring);
    this.#ring = undefined;
    this.#start = this.#end;
  }

  /** A ring of at least `needed` bytes (a power-of-two multiple of the first size, capped), keeping what is held. */
  #grow(needed: number): Uint8Array {
    let size = Math.min(this.#capacity, FIRST_RING_BYTES);
    while (size < needed && size < this.#capacity) size = Math.min(this.#capacity, size * 2);
    const ring = this.#pool.take(size);
    const old = this.#ring;
    // Whatever of [start, end) the old ring still holds moves to its place in the new one
    // (nothing after a gap: start is then past the old end).
    const from = old === undefined ? this.#end : Math.max(this.#start, this.#end - old.length);
    const length = this.#end - from;
    if (old !== undefined && length > 0) {
      const at = from % old.length;
      if (at + length <= old.length) place(ring, from, old.subarray(at, at + length));
      else {
        place(ring, from, old.subarray(at));
        place(ring, from + old.length - at, old.subarray(0, length - (old.length - at)));
      }
    }
    if (old !== undefined) this.#pool.give(old);
    this.#ring = ring;
    return ring;
  }
}

/** Writes `source` (no longer than the ring) where stream offset `offset` falls in `ring`. */
function place(ring: Uint8Array, offset: number, source: Uint8Array): void {
  const at = offset % ring.length;
  // Once per delivered segment: the whole copy when it fits before the ring's end (no views).
  if (at + source.length <= ring.length) ring.set(source, at);
  else {
    const first = ring.length - at;
    ring.set(source.subarray(0, first), at);
    ring.set(source.subarray(first), 0);
  }
}
