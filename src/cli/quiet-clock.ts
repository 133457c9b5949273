// Capture time for a live capture that has gone quiet. Rules that fire on silence (a request
// left unanswered, a PING never acknowledged) are ticked by capture time, which only packets
// carry: with nothing on the wire it stands still, and a request hanging on a silent connection
// would be reported at the next packet of any connection, or never. When the input is live (its
// packets stamped close to this machine's clock as they arrive), capture time is taken to run
// on with the wall clock after the last packet, less a grace for packets still on their way.
// A replay of an older capture through a pipe keeps packet time only: a pause in the pipe says
// nothing about the network it was captured on.

/** Packets stamped within this of the wall clock as they are read come from a live capture. */
const LIVE_MAX_OFFSET_MS = 60_000;

/**
 * How late a packet may reach us after its timestamp. libpcap hands packets to tcpdump in
 * blocks, after up to 1 s by default (tcpdump without --immediate-mode); then the pipe and the
 * decoding. Capture time runs on only this long after the last packet arrived, so a tick does
 * not judge silence that a packet already captured would contradict.
 */
export const QUIET_GRACE_MS = 2_000;

export class QuietClock {
  readonly #monotonicMs: () => number;
  readonly #wallMs: () => number;
  #packets = 0;
  #lastPacketUs = 0;
  /** When the last new packet was read (monotonic ms), moved on past any time this process did not run. */
  #readAtMs = 0;
  /** When the clock was last asked (monotonic ms). */
  #askedAtMs = 0;
  #live = false;
  /**
   * The smallest delay seen between a packet's timestamp and its reading (wall clock): the
   * capturing host's clock offset plus the pipe's least delay.
   */
  #leastDelayMs = Number.POSITIVE_INFINITY;
  /**
   * Packets came in later than the grace allows (tcpdump without -U writes in blocks): silence
   * seen here may be packets waiting in a buffer, so capture time keeps to packets for good.
   */
  #buffered = false;

  /** The clocks are parameters for tests; by default performance.now() and Date.now(). */
  constructor(monotonicMs: () => number = () => performance.now(), wallMs: () => number = () => Date.now()) {
    this.#monotonicMs = monotonicMs;
    this.#wallMs = wallMs;
  }

  /** After each chunk: how many packets have been read, and the last one's time (epoch µs). */
  packetsRead(packets: number, lastPacketUs: number | undefined): void {
    if (packets === this.#packets || lastPacketUs === undefined) return;
    this.#packets = packets;
    this.#lastPacketUs = lastPacketUs;
    this.#readAtMs = this.#askedAtMs = this.#monotonicMs();
    const delayMs = this.#wallMs() - lastPacketUs / 1000;
    this.#leastDelayMs = Math.min(this.#leastDelayMs, delayMs);
    if (delayMs - this.#leastDelayMs > QUIET_GRACE_MS) this.#buffered = true;
    this.#live = !this.#buffered && Math.abs(delayMs) <= LIVE_MAX_OFFSET_MS;
  }

  /** Whether capture time may run on with the clock: the input is live, and not buffered. */
  get live(): boolean {
    return this.#live;
  }

  /**
   * Capture time now (epoch µs) when the input is live and has been quiet for longer than the
   * grace; undefined otherwise. Meant to be asked every fraction of the grace while waiting for
   * input: a longer gap between two asks means this process did not run (stopped with Ctrl-Z,
   * a paused machine), and packets captured meanwhile may not have reached us yet, so that time
   * is not counted as silence.
   */
  captureNowUs(): number | undefined {
    if (!this.#live) return undefined;
    const nowMs = this.#monotonicMs();
    const sinceAskedMs = nowMs - this.#askedAtMs;
    this.#askedAtMs = nowMs;
    if (sinceAskedMs > QUIET_GRACE_MS) {
      this.#readAtMs += sinceAskedMs;
      return undefined;
    }
    const quietMs = nowMs - this.#readAtMs - QUIET_GRACE_MS;
    return quietMs > 0 ? this.#lastPacketUs + Math.floor(quietMs * 1000) : undefined;
  }
}
