// The HPACK dynamic table (RFC 7541 §2.3.2, §4): entries newest first, RFC size accounting, eviction.

import type { HpackField } from "./hpack-field.js";

/** §4.1: an entry's size is its name and value length in octets plus 32. */
export const ENTRY_OVERHEAD = 32;

/**
 * Entries the ring holds before it first doubles. A short connection adds a handful (its
 * requests' authority, user agent, a few custom fields); two tables live per connection.
 */
const INITIAL_CAPACITY = 4;

/**
 * The entries of one encoder's dynamic table that we know. When we joined mid-way or lost bytes,
 * the real table may also hold older entries we never saw (`olderEntriesUnknown`). Those are
 * always the oldest, so eviction (§4.4) takes them first: the known entries keep their indices
 * and stay exact, and references past them are to entries we never saw.
 */
export class DynamicTable {
  /** Ring buffer of entries; the newest is at #newest, older ones at lower positions (mod capacity). */
  #fields: Array<HpackField | undefined> = new Array<HpackField | undefined>(INITIAL_CAPACITY).fill(undefined);
  /** Size of each entry in #fields, per §4.1 (a lower bound for entries whose name we never saw). */
  #sizes: number[] = new Array<number>(INITIAL_CAPACITY).fill(0);
  #mask = INITIAL_CAPACITY - 1;
  #newest = INITIAL_CAPACITY - 1;
  #length = 0;
  #size = 0;
  #maxSize: number;
  readonly #maxTrackedSize: number;
  #olderEntriesUnknown = false;
  /** Known entries whose name we never saw (added by a literal naming an unknown entry). */
  #entriesWithUnknownName = 0;

  /**
   * @param maxSize the table's initial maximum size in octets (§4.2).
   * @param maxTrackedSize most octets we keep, whatever the peers allow: entries dropped to stay
   *   under it count as older entries we never saw, so they decode as placeholders, never wrongly.
   */
  constructor(maxSize: number, maxTrackedSize: number) {
    this.#maxSize = maxSize;
    this.#maxTrackedSize = maxTrackedSize;
  }

  /** Known entries. */
  get length(): number {
    return this.#length;
  }

  /** Octets used by the known entries (§4.1). */
  get size(): number {
    return this.#size;
  }

  /** The table's maximum size in octets, from the last size update (or our upper bound for it). */
  get maxSize(): number {
    return this.#maxSize;
  }

  /** Whether the real table may hold entries older than the known ones that we never saw. */
  get olderEntriesUnknown(): boolean {
    return this.#olderEntriesUnknown;
  }

  /**
   * Whether every entry is known, names included. While an entry's name is unknown its size is a
   * lower bound, so we may also keep entries the encoder has evicted: harmless for the references
   * it makes, but an out-of-range reference could then go unnoticed. Once such entries are gone,
   * any that lingered are evicted first as the table fills.
   */
  get fullyKnown(): boolean {
    return !this.#olderEntriesUnknown && this.#entriesWithUnknownName === 0;
  }

  /** The entry at dynamic index `index` (1 = newest), or undefined past the known entries. */
  get(index: number): HpackField | undefined {
    if (index < 1 || index > this.#length) return undefined;
    return this.#fields[(this.#newest - index + 1) & this.#mask];
  }

  /**
   * Adds `field` as the newest entry, `size` octets per §4.1, evicting the oldest entries until it
   * fits (§4.4). An entry larger than the maximum size leaves the table empty — and then we know
   * all of it again.
   */
  add(field: HpackField, size: number): void {
    if (size > this.#maxSize) {
      this.#clear();
      this.#olderEntriesUnknown = false;
      return;
    }
    while (this.#size + size > this.#maxSize && this.#length > 0) this.#evictOldest();
    if (this.#length === this.#fields.length) this.#grow();
    this.#newest = (this.#newest + 1) & this.#mask;
    this.#fields[this.#newest] = field;
    this.#sizes[this.#newest] = size;
    if (field.unknown) this.#entriesWithUnknownName++;
    this.#length++;
    this.#size += size;
    this.#settle();
  }

  /** A dynamic table size update (§6.3), or our own bound on it: evicts until the entries fit (§4.3). */
  setMaxSize(maxSize: number): void {
    this.#maxSize = maxSize;
    while (this.#size > maxSize) this.#evictOldest();
    this.#settle();
  }

  /** Everything in the table up to now is unknown (a gap, a mid-way join, a block we could not finish). */
  forgetAll(): void {
    this.#clear();
    this.#olderEntriesUnknown = true;
    this.#settle();
  }

  /** After any change: decide whether unknown entries can remain, and apply our memory bound. */
  #settle(): void {
    // Every entry is at least 32 octets (§4.1). If one more would not fit beside the known ones,
    // no entry we never saw can still be in the table: we know all of it again.
    if (this.#olderEntriesUnknown && this.#size + ENTRY_OVERHEAD > this.#maxSize) this.#olderEntriesUnknown = false;
    while (this.#size > this.#maxTrackedSize) {
      this.#evictOldest();
      this.#olderEntriesUnknown = true;
    }
  }

  #evictOldest(): void {
    const oldest = (this.#newest - this.#length + 1) & this.#mask;
    this.#size -= this.#sizes[oldest]!;
    if (this.#fields[oldest]!.unknown) this.#entriesWithUnknownName--;
    this.#fields[oldest] = undefined;
    this.#length--;
  }

  #clear(): void {
    this.#fields.fill(undefined);
    this.#length = 0;
    this.#size = 0;
    this.#entriesWithUnknownName = 0;
  }

  /** Doubles the ring, copying entries oldest first to positions 0 … length-1. */
  #grow(): void {
    const capacity = this.#fields.length * 2;
    const fields = new Array<HpackField | undefined>(capacity).fill(undefined);
    const sizes = new Array<number>(capacity).fill(0);
    for (let i = 0; i < this.#length; i++) {
      const from = (this.#newest - this.#length + 1 + i) & this.#mask;
      fields[i] = this.#fields[from];
      sizes[i] = this.#sizes[from]!;
    }
    this.#fields = fields;
    this.#sizes = sizes;
    this.#mask = capacity - 1;
    this.#newest = this.#length - 1;
  }
}
