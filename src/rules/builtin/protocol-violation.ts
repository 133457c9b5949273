// protocol-violation: the framing and stream-state violations found while decoding, one finding
// per kind per side per connection, with a count and the first examples.

import type { Http2AnomalyCode, Http2Event } from "../../http2/http2-events.js";
import { defineRule, type EvidenceItem } from "../rule.js";

/** Anomalies reported by other rules, or about the capture rather than the peers. */
const NOT_VIOLATIONS: ReadonlySet<Http2AnomalyCode> = new Set<Http2AnomalyCode>([
  "window-overflow", "settings-window-overflow", // flow-control-window-overflow
  "unknown-frame-type", // legal: unknown types must be ignored (§5.5)
  "sync-lost", "frame-damaged-by-gap", "truncated-frame", // the capture lost bytes, not the peers' fault
]);

/** HPACK errors that are h2scope's own safety limits, not the peer breaking RFC 7541 (hpack-bomb reports those). */
const OUR_HPACK_LIMITS: ReadonlySet<string> = new Set(["header-list-too-large", "too-many-fields"]);

/** Examples kept per kind; the count says the rest. */
const MAX_EXAMPLES = 5;

type Anomaly = Extract<Http2Event, { kind: "h2.anomaly" }>;

interface Tally {
  first: Anomaly;
  count: number;
  examples: EvidenceItem[];
}

/** Tallies by kind and side, made at the first violation (most connections have none). */
interface State {
  tallies: Map<string, Tally> | undefined;
}

export const protocolViolation = defineRule<State>({
  id: "protocol-violation",
  events: ["h2.anomaly"],
  severity: "error",
  description: "Framing and stream-state violations (frames on closed or idle streams, bad stream ids, zero increments, DATA beyond the window, wrong sizes, invalid SETTINGS, CONTINUATION out of sequence)",
  parameters: {},
  // Its end reports the anomalies it tallied: none without an event.
  stateOnFirstEvent: true,
  createState: () => ({ tallies: undefined }),
  onEvent(event, state) {
    if (event.kind !== "h2.anomaly" || NOT_VIOLATIONS.has(event.code)) return;
    if (event.code === "invalid-setting-value" && event.values?.setting === "INITIAL_WINDOW_SIZE") return;
    if (event.code === "hpack-error" && OUR_HPACK_LIMITS.has(String(event.values?.hpackError))) return;
    const key = `${event.code} ${event.sender}`;
    const tallies = (state.tallies ??= new Map());
    let tally = tallies.get(key);
    if (tally === undefined) tallies.set(key, (tally = { first: event, count: 0, examples: [] }));
    tally.count++;
    if (tally.examples.length < MAX_EXAMPLES) {
      tally.examples.push({
        what: event.detail, packet: event.packetNumber, time: event.timeUs / 1e6, sender: event.sender,
        ...(event.streamId !== undefined ? { stream: event.streamId } : {}),
      });
    }
  },
  onEnd(_endUs, state, context) {
    for (const tally of state.tallies?.values() ?? []) {
      const first = tally.first;
      context.report({
        sender: first.sender,
        stream: tally.count === 1 ? first.streamId : undefined,
        packetNumber: first.packetNumber,
        timeUs: first.timeUs,
        message: `${first.code}: ${tally.count === 1 ? "once" : `${tally.count} times`} from the ${first.sender}; first: ${first.detail}`,
        evidence: tally.examples,
      });
    }
  },
});
