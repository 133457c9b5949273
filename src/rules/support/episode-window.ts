// Counts one kind of event in a sliding capture-time window and signals, once per episode, the
// moment the count reaches a threshold. A whole window without the event ends the episode.

import { appended, sharedEmptyList } from "../../small-list.js";

export interface Crossing {
  /** Events in the window when the threshold was reached. */
  count: number;
  /** Capture time of the oldest event in that window. */
  windowStartUs: number;
}

/** The times of a window without events (most windows see one or two in their connection's life). */
const NO_TIMES = sharedEmptyList<number>();

export class EpisodeWindow {
  /** Event times in the window, oldest first from #head; dropped once an episode is reported. */
  #times: readonly number[] = NO_TIMES;
  #head = 0;
  #lastUs = Number.NEGATIVE_INFINITY;
  #reported = false;
  /** Episodes reported so far. */
  episodes = 0;
  /** The event that began the current count (for evidence). */
  firstPacket = 0;
  firstUs = 0;

  /** Adds one event; returns the crossing when this event reaches `threshold`, else undefined. */
  add(timeUs: number, packet: number, windowUs: number, threshold: number): Crossing | undefined {
    if (timeUs - this.#lastUs > windowUs) {
      this.#reported = false;
      this.#times = NO_TIMES;
      this.#head = 0;
    }
    this.#lastUs = timeUs;
    if (this.#reported) return undefined;
    if (this.#times.length === this.#head) {
      this.firstPacket = packet;
      this.firstUs = timeUs;
    }
    this.#times = appended(this.#times, timeUs);
    // This event always counts, so a zero window (a user's setting) holds just it.
    const newest = this.#times.length - 1;
    while (this.#head < newest && this.#times[this.#head]! <= timeUs - windowUs) this.#head++;
    // Compact now and then so a long flood below the threshold does not grow the array.
    if (this.#head > 4096 && this.#head * 2 > this.#times.length) {
      this.#times = this.#times.slice(this.#head);
      this.#head = 0;
    }
    const count = this.#times.length - this.#head;
    if (count < threshold) return undefined;
    const windowStartUs = this.#times[this.#head]!;
    this.#reported = true;
    this.episodes++;
    this.#times = NO_TIMES;
    this.#head = 0;
    return { count, windowStartUs };
  }
}
