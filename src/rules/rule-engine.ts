// Runs the rules: one state per rule per connection, events in capture order, capture-time
// ticks for rules that fire on silence, and findings stamped with rule, severity, connection.

import type { Frame } from "../http2/frame/frame.js";
import type { Http2ConnectionInfo } from "../http2/http2-events.js";
import type { AnalysisEvent } from "../pipeline.js";
import type { TcpConnection } from "../tcp/tcp-events.js";
import type { Finding, FindingDraft, Rule, RuleContext, RuleEvent, Severity } from "./rule.js";
import { ClosedStreamHistory, StreamTimeline } from "./support/stream-timeline.js";

/** How one rule runs: on or off, its severity, its parameters (defaults merged). */
export interface RuleSettings {
  enabled: boolean;
  severity: Severity;
  params: Record<string, number>;
}

/**
 * Capture time between ticks for time-based rules. A tenth of a second is far below any rule's
 * timeout, and bounds the work to (connections × timed rules) per 100 ms of capture.
 */
const TICK_US = 100_000;

/**
 * One rule as its calls see it: its parameters and a report function, with the connection
 * and its streams pointed at the connection of the call (`at`). One per rule, not per rule and
 * connection: with thousands of connections open at once, an object per rule per connection was
 * 1.4 KB per connection over the built-in rules, kept for the connection's life. Rules use their
 * context only during the call (the engine is not re-entered: findings go to a collector).
 */
class RuleRun implements RuleContext {
  readonly rule: Rule;
  readonly settings: RuleSettings;
  readonly params: Readonly<Record<string, number>>;
  connection!: Http2ConnectionInfo;
  streams!: StreamTimeline;
  /** The engine's, shared by every run. */
  readonly #onFinding: (finding: Finding) => void;

  constructor(rule: Rule, settings: RuleSettings, onFinding: (finding: Finding) => void) {
    this.rule = rule;
    this.settings = settings;
    this.params = settings.params;
    this.#onFinding = onFinding;
  }

  /** This context, for a call about `connection`. */
  at(connection: ConnectionRuns): this {
    this.connection = connection.info;
    this.streams = connection.streams;
    return this;
  }

  report(draft: FindingDraft): void {
    const rule = this.rule;
    this.#onFinding({
      rule: rule.id,
      // A rule's own severity choice stands unless the user overrode the rule's severity.
      severity: this.settings.severity !== rule.severity ? this.settings.severity : draft.severity ?? rule.severity,
      time: draft.timeUs / 1e6,
      packet: draft.packetNumber,
      connection: this.connection.tcp.id,
      sender: draft.sender ?? null,
      stream: draft.stream ?? null,
      message: draft.message,
      evidence: draft.evidence,
    });
  }
}

/** One connection's side of the rules: its streams, and each rule's state (by rule index; undefined until made). */
interface ConnectionRuns {
  info: Http2ConnectionInfo;
  streams: StreamTimeline;
  states: unknown[];
}

export class RuleEngine {
  /** The enabled rules, in registry order; a rule's index is its place in every state list. */
  readonly #runs: RuleRun[];
  /** Indexes of the rules with onTime, and with onEnd. */
  readonly #timed: number[];
  readonly #ending: number[];
  /** Indexes of the rules whose state is made when a connection opens; the others' at their first event. */
  readonly #madeAtOpen: number[];
  readonly #connections = new Map<number, ConnectionRuns>();
  #nextTickUs = -1;
  #lastTimeUs = 0;
  /** Per event kind, the indexes of the rules that read it (see Rule.events). */
  readonly #readers = new Map<string, number[]>();
  /**
   * Per frame type (0–255), the indexes of the rules that read h2.frame events of its kind (see
   * Rule.frames): an indexed load per frame, not a lookup by kind name. Learnt at a type's first frame.
   */
  readonly #frameReadersByType: Array<number[] | undefined> = new Array<number[] | undefined>(256).fill(undefined);

  /** Bounds the closed streams all connections' timelines keep. */
  readonly #closedStreams: ClosedStreamHistory;

  /** `maxClosedStreams`: closed streams kept across all connections (default MAX_CLOSED_STREAMS). */
  constructor(rules: readonly Rule[], settings: ReadonlyMap<string, RuleSettings>, onFinding: (finding: Finding) => void,
    options: { maxClosedStreams?: number } = {}) {
    this.#closedStreams = new ClosedStreamHistory(options.maxClosedStreams);
    this.#runs = rules.flatMap((rule) => {
      const ruleSettings = settings.get(rule.id) ?? defaultSettings(rule);
      return ruleSettings.enabled ? [new RuleRun(rule, ruleSettings, onFinding)] : [];
    });
    this.#timed = this.#indexesOf((rule) => rule.onTime !== undefined);
    this.#ending = this.#indexesOf((rule) => rule.onEnd !== undefined);
    this.#madeAtOpen = this.#indexesOf((rule) => rule.stateOnFirstEvent !== true && (rule.onTime !== undefined || rule.onEnd !== undefined));
  }

  #indexesOf(test: (rule: Rule) => boolean): number[] {
    return this.#runs.flatMap((run, index) => (test(run.rule) ? [index] : []));
  }

  /** Feeds one analysis event (capture warnings are ignored). */
  event(event: AnalysisEvent): void {
    // Payload bytes are the most frequent event and no rule reads them (frames carry what
    // rules need): skipping them here saves a dispatch per segment per rule.
    if (event.kind === "capture.warning" || event.kind === "tcp.data") return;
    if (event.kind === "h2.connection") {
      this.#open(event.connection);
      return;
    }
    // HTTP/2 events name their connection's HTTP/2 facts, TCP events the TCP connection itself
    // (a property load on two shapes, where `in` was a generic lookup on every event).
    const tcpId = (event.connection as Partial<Http2ConnectionInfo>).tcp?.id ?? (event.connection as TcpConnection).id;
    const connection = this.#connections.get(tcpId);
    if (event.timeUs > this.#lastTimeUs) this.#lastTimeUs = event.timeUs;
    // Time passes, then the event happens: a tick judges the silence before this event, so an
    // answer that ends a long silent wait does not hide the wait (after it, the request would
    // look answered).
    this.#tick(event.timeUs);
    if (connection !== undefined) {
      let readers: number[];
      if (event.kind === "h2.frame") {
        connection.streams.frame(event);
        readers = this.#frameReadersByType[event.frame.type] ?? this.#learnFrameReaders(event.frame);
      } else {
        readers = this.#readersOf(event.kind);
      }
      for (let i = 0; i < readers.length; i++) {
        const index = readers[i]!;
        const run = this.#runs[index]!;
        let state = connection.states[index];
        if (state === undefined) state = connection.states[index] = run.rule.createState();
        run.rule.onEvent(event as RuleEvent, state, run.at(connection));
      }
      if (event.kind === "tcp.close") {
        // The capture's end is now as the rules know it: later than the last packet when a
        // quiet live capture moved capture time on (advanceTo) before Ctrl-C.
        this.#end(connection, event.reason === "end-of-capture" ? Math.max(event.timeUs, this.#lastTimeUs) : event.timeUs);
        this.#connections.delete(tcpId);
      }
    }
  }

  /**
   * Capture time moved on to `nowUs` with no packet to say so (a live capture gone quiet): the
   * time-based rules get their ticks, and connections still open at the end of the capture end
   * no earlier. Ignored unless later than every event so far.
   */
  advanceTo(nowUs: number): void {
    if (nowUs <= this.#lastTimeUs) return;
    this.#lastTimeUs = nowUs;
    this.#tick(nowUs);
  }

  #readersOf(kind: string): number[] {
    let readers = this.#readers.get(kind);
    if (readers === undefined) {
      readers = this.#indexesOf((rule) => rule.events === undefined || rule.events.includes(kind as RuleEvent["kind"]));
      this.#readers.set(kind, readers);
    }
    return readers;
  }

  /** The frame readers of a frame type not seen before (a frame's kind follows from its type). */
  #learnFrameReaders(frame: Frame): number[] {
    const readers = this.#readersOf("h2.frame").filter((index) => {
      const frames = this.#runs[index]!.rule.frames;
      return frames === undefined || frames.includes(frame.kind);
    });
    this.#frameReadersByType[frame.type] = readers;
    return readers;
  }

  /** End of the capture: every connection still open gets its end. */
  end(): void {
    for (const connection of this.#connections.values()) this.#end(connection, this.#lastTimeUs);
    this.#connections.clear();
  }

  #open(info: Http2ConnectionInfo): void {
    const streams = new StreamTimeline(this.#closedStreams);
    // States of the rules that need one from the start; the others wait for their rule's first
    // event on this connection (see Rule.stateOnFirstEvent).
    const states = new Array<unknown>(this.#runs.length).fill(undefined);
    const madeAtOpen = this.#madeAtOpen;
    for (let i = 0; i < madeAtOpen.length; i++) states[madeAtOpen[i]!] = this.#runs[madeAtOpen[i]!]!.rule.createState();
    this.#connections.set(info.tcp.id, { info, streams, states });
  }

  #tick(nowUs: number): void {
    if (this.#nextTickUs < 0) this.#nextTickUs = nowUs + TICK_US;
    if (nowUs < this.#nextTickUs) return;
    this.#nextTickUs = nowUs + TICK_US;
    const timed = this.#timed;
    for (const connection of this.#connections.values()) {
      for (let i = 0; i < timed.length; i++) {
        const state = connection.states[timed[i]!];
        if (state === undefined) continue; // not made: the rule has had no event here
        const run = this.#runs[timed[i]!]!;
        run.rule.onTime!(nowUs, state, run.at(connection));
      }
    }
  }

  #end(connection: ConnectionRuns, endTimeUs: number): void {
    const ending = this.#ending;
    for (let i = 0; i < ending.length; i++) {
      const state = connection.states[ending[i]!];
      if (state === undefined) continue; // not made: the rule has had no event here
      const run = this.#runs[ending[i]!]!;
      run.rule.onEnd!(endTimeUs, state, run.at(connection));
    }
    connection.streams.release();
  }
}

export function defaultSettings(rule: Rule): RuleSettings {
  return {
    enabled: true,
    severity: rule.severity,
    params: Object.fromEntries(Object.entries(rule.parameters).map(([name, parameter]) => [name, parameter.default])),
  };
}
