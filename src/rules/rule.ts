// What a rule is: a module with a stable id, a severity, named thresholds with reasons, and a
// function of (event, its own per-connection state) that reports findings.

import type { Peer } from "../http2/connection/stream-state.js";
import type { Frame } from "../http2/frame/frame.js";
import type { Http2ConnectionInfo, Http2Event } from "../http2/http2-events.js";
import type { TcpEvent } from "../tcp/tcp-events.js";
import type { StreamTimeline } from "./support/stream-timeline.js";

export type Severity = "error" | "warning" | "info";

/** Higher is more severe. */
export const SEVERITY_RANK: Record<Severity, number> = { info: 0, warning: 1, error: 2 };

/** Counts by severity, all zero: a new record to count into. */
export function noFindingCounts(): Record<Severity, number> {
  return { error: 0, warning: 0, info: 0 };
}

/** A threshold a user may change, with the reason for its default. */
export interface RuleParameter {
  default: number;
  /** What it is and why the default is what it is. */
  description: string;
}

/** One piece of proof: a frame or value, located in the capture. */
export interface EvidenceItem {
  /** What this piece shows, in words. */
  what: string;
  packet?: number;
  /** Epoch seconds. */
  time?: number;
  stream?: number;
  sender?: Peer;
  values?: Record<string, number | string | boolean | null>;
}

/** What a rule reports; the engine adds the rule id, severity, connection and time. */
export interface FindingDraft {
  /** The side whose behaviour the finding is about. */
  sender?: Peer;
  stream?: number;
  /** Where it happened (the packet that completed the decisive frame). */
  packetNumber: number;
  timeUs: number;
  message: string;
  evidence: EvidenceItem[];
  /** Only for rules whose outcome has several severities (e.g. a benign vs a lossy shutdown). */
  severity?: Severity;
}

export interface Finding {
  /** The capture file, when one run analyses several. */
  capture?: string;
  rule: string;
  severity: Severity;
  /** Epoch seconds. */
  time: number;
  packet: number;
  /** The connection id every output uses. */
  connection: number;
  sender: Peer | null;
  stream: number | null;
  message: string;
  evidence: EvidenceItem[];
}

/** Everything a rule sees: HTTP/2 events and the transport facts of HTTP/2 connections. */
export type RuleEvent = Http2Event | TcpEvent;

/**
 * What a rule sees besides the event: valid during the call only (the engine points one context
 * per rule at the connection of each call), so a rule keeps what it needs in its state, not this.
 */
export interface RuleContext {
  /** The rule's parameters, defaults merged with the user's configuration. */
  readonly params: Readonly<Record<string, number>>;
  /** The HTTP/2 connection the event belongs to (its facts update as the capture is read). */
  readonly connection: Http2ConnectionInfo;
  /** The connection's streams, already updated with the current event. */
  readonly streams: StreamTimeline;
  report(finding: FindingDraft): void;
}

export interface Rule<State = unknown> {
  /** Stable: scripts and alerts depend on it. */
  id: string;
  severity: Severity;
  /** One line: what it finds. */
  description: string;
  parameters: Record<string, RuleParameter>;
  /**
   * The event kinds onEvent reads; the engine sends it only those (all when absent). Most rules
   * read frames only, and some events (window changes, two per DATA frame) are very frequent.
   */
  events?: readonly RuleEvent["kind"][];
  /**
   * Of h2.frame events, the frame kinds onEvent reads (all when absent). DATA and HEADERS are
   * nearly all frames and most rules ignore them; a rule that reads any frame (to see time pass,
   * or to act on whatever comes next) leaves this out.
   */
  frames?: readonly Frame["kind"][];
  /**
   * True when onTime and onEnd have nothing to do on a connection before onEvent's first call
   * there (a rule about PINGs, say, on a connection that never carries one). The engine then
   * makes the state at that first call and calls neither for a connection whose events the rule
   * never received: with thousands of connections open at once, a state per rule per connection
   * is memory that every young-generation collection copies. A rule with neither onTime nor
   * onEnd need not say so: its state is always made at its first event.
   */
  stateOnFirstEvent?: boolean;
  /** Fresh state for one connection; never undefined (the engine's mark for a state not made yet). */
  createState(): State;
  onEvent(event: RuleEvent, state: State, context: RuleContext): void;
  /** Capture time moved on to `nowUs` (for rules that fire on silence or timeouts). */
  onTime?(nowUs: number, state: State, context: RuleContext): void;
  /** The connection ended (or the capture did): last chance to report. */
  onEnd?(endTimeUs: number, state: State, context: RuleContext): void;
}

/** Lets the registry hold rules with different state types. */
export function defineRule<State>(rule: Rule<State>): Rule<unknown> {
  return rule as Rule<unknown>;
}
