// Records of one kind of event in a sliding capture-time window, oldest first: the resets a
// flood rule counts and later lists as evidence. EpisodeWindow does the same for bare times.

export class SlidingRecords<T extends { timeUs: number }> {
  /** Records in the window from #head on; older ones wait for the next compaction. */
  #records: T[] = [];
  #head = 0;

  /**
   * Adds a record (capture order) and drops those `windowUs` or more older; returns how many
   * remain. The record added always counts, so a zero window (a user's setting) holds just it.
   */
  add(record: T, windowUs: number): number {
    this.#records.push(record);
    const newest = this.#records.length - 1;
    while (this.#head < newest && this.#records[this.#head]!.timeUs <= record.timeUs - windowUs) this.#head++;
    // Compact now and then so a long flood below the threshold does not grow the array.
    if (this.#head > 1024 && this.#head * 2 > this.#records.length) {
      this.#records = this.#records.slice(this.#head);
      this.#head = 0;
    }
    return this.#records.length - this.#head;
  }

  /** The records in the window, oldest first (a copy). */
  inWindow(): T[] {
    return this.#records.slice(this.#head);
  }

  clear(): void {
    this.#records = [];
    this.#head = 0;
  }
}
