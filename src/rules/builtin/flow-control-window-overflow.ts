// flow-control-window-overflow: a window pushed past 2^31-1 (RFC 9113 §6.9.1, §6.9.2, §6.5.2).

import { errorCodeName } from "../../http2/frame/frame-types.js";
import type { Http2Event } from "../../http2/http2-events.js";
import { defineRule, type EvidenceItem, type FindingDraft, type RuleContext } from "../rule.js";
import { formatNumber, formatSeconds, frameEvidence, listStreams, otherPeer } from "../support/describe.js";

const FLOW_CONTROL_ERROR = 0x3;

type Anomaly = Extract<Http2Event, { kind: "h2.anomaly" }>;

interface Pending {
  anomaly: Anomaly;
  deadlineUs: number;
}

interface State {
  pending: Pending[];
  /**
   * Stream-window overflows per culprit after its first one: counted, reported once at the end.
   * This and the next are made at the first stream-window overflow (most connections have none).
   */
  repeats: Map<string, Anomaly[]> | undefined;
  reportedStreamOverflow: Set<string> | undefined;
}

export const flowControlWindowOverflow = defineRule<State>({
  id: "flow-control-window-overflow",
  events: ["h2.frame", "h2.anomaly"],
  frames: ["RST_STREAM", "GOAWAY"],
  severity: "error",
  description: "A flow-control window pushed past 2^31-1 by WINDOW_UPDATE or a SETTINGS_INITIAL_WINDOW_SIZE change, or an INITIAL_WINDOW_SIZE above 2^31-1",
  parameters: {
    reactionWaitSeconds: {
      default: 1,
      description: "How long to wait for the peer's FLOW_CONTROL_ERROR reaction before reporting without one; a compliant peer answers within one round trip",
    },
  },
  // Its tick and end settle overflows it saw: none without an event.
  stateOnFirstEvent: true,
  createState: () => ({ pending: [], repeats: undefined, reportedStreamOverflow: undefined }),
  onEvent(event, state, context) {
    if (event.kind === "h2.anomaly") {
      const isOverflow = event.code === "window-overflow" || event.code === "settings-window-overflow" ||
        (event.code === "invalid-setting-value" && event.values?.setting === "INITIAL_WINDOW_SIZE");
      if (!isOverflow) return;
      // One finding for the first stream-window overflow of each kind per side; repeats are
      // counted into one more at the end (a peer doing it on every stream is one problem).
      const key = `${event.code} ${event.sender}`;
      if (event.streamId !== undefined && event.streamId !== 0) {
        const reported = (state.reportedStreamOverflow ??= new Set());
        if (reported.has(key)) {
          const byKey = (state.repeats ??= new Map());
          const repeats = byKey.get(key) ?? [];
          if (repeats.length < 10_000) repeats.push(event);
          byKey.set(key, repeats);
          return;
        }
        reported.add(key);
      }
      state.pending.push({ anomaly: event, deadlineUs: event.timeUs + context.params.reactionWaitSeconds! * 1e6 });
      return;
    }
    if (event.kind !== "h2.frame" || state.pending.length === 0) return;
    const frame = event.frame;
    const isReaction = (frame.kind === "RST_STREAM" || frame.kind === "GOAWAY") && frame.errorCode === FLOW_CONTROL_ERROR;
    if (!isReaction) return;
    // The reaction comes from the side whose window was overflowed: the other side of the culprit.
    const index = state.pending.findIndex((pending) => pending.anomaly.sender !== event.sender &&
      (frame.kind === "GOAWAY" || pending.anomaly.streamId === frame.streamId));
    if (index < 0) return;
    const [pending] = state.pending.splice(index, 1);
    context.report(describe(pending!.anomaly, frameEvidence(event, "the peer's reaction"), context));
  },
  onTime(nowUs, state, context) {
    flushExpired(state, context, nowUs);
  },
  onEnd(_endUs, state, context) {
    flushExpired(state, context, Number.POSITIVE_INFINITY);
    for (const repeats of state.repeats?.values() ?? []) {
      const first = repeats[0]!;
      const streams = repeats.map((anomaly) => anomaly.streamId!);
      context.report({
        sender: first.sender, packetNumber: first.packetNumber, timeUs: first.timeUs,
        message: `The ${first.sender} overflowed ${repeats.length} more stream window${repeats.length > 1 ? "s" : ""} the same way (streams ${listStreams(streams)}): ` +
          "a peer that does this on stream after stream is broken or probing the other side's limits.",
        evidence: repeats.slice(0, 10).map((anomaly) => ({ what: anomaly.detail, packet: anomaly.packetNumber, time: anomaly.timeUs / 1e6, stream: anomaly.streamId!, sender: anomaly.sender, values: anomaly.values ?? {} })),
      });
    }
  },
});

function flushExpired(state: State, context: RuleContext, nowUs: number): void {
  // On every tick of every open connection: most have nothing pending.
  if (state.pending.length === 0) return;
  const expired = state.pending.filter((pending) => pending.deadlineUs <= nowUs);
  if (expired.length === 0) return;
  state.pending = state.pending.filter((pending) => pending.deadlineUs > nowUs);
  for (const pending of expired) context.report(describe(pending.anomaly, undefined, context));
}

function describe(anomaly: Anomaly, reaction: EvidenceItem | undefined, context: RuleContext): FindingDraft {
  const values = anomaly.values ?? {};
  const culprit = anomaly.sender;
  const victim = otherPeer(culprit);
  const where = anomaly.streamId === 0 || anomaly.streamId === undefined ? "the connection window" : `stream ${anomaly.streamId}'s window`;
  let message: string;
  if (anomaly.code === "window-overflow") {
    message = `The ${culprit}'s WINDOW_UPDATE of ${formatNumber(Number(values.increment))} took ${where} for the ${victim}'s data from ` +
      `${formatNumber(Number(values.windowBefore))} to ${formatNumber(Number(values.windowAfter))}, past 2^31-1 (RFC 9113 §6.9.1).`;
  } else if (anomaly.code === "settings-window-overflow") {
    message = `The ${culprit}'s SETTINGS_INITIAL_WINDOW_SIZE of ${formatNumber(Number(values.initialWindowSize))} moved ${where} by ` +
      `${formatNumber(Number(values.delta))} from ${formatNumber(Number(values.windowBefore))} past 2^31-1 (RFC 9113 §6.9.2).`;
  } else {
    message = `The ${culprit} sent SETTINGS_INITIAL_WINDOW_SIZE ${formatNumber(Number(values.value))}, above the 2^31-1 maximum (RFC 9113 §6.5.2).`;
  }
  message += reaction !== undefined
    ? ` The ${victim} answered with ${reaction.what.includes("GOAWAY") ? "GOAWAY" : "RST_STREAM"} FLOW_CONTROL_ERROR, as the RFC requires.`
    : ` The ${victim} did not answer with FLOW_CONTROL_ERROR within ${formatSeconds(context.params.reactionWaitSeconds! * 1e6)}; it may be tracking a different window than the RFC defines.`;
  const evidence: EvidenceItem[] = [{
    what: `${anomaly.code === "window-overflow" ? "WINDOW_UPDATE" : "SETTINGS"} from the ${culprit}`,
    packet: anomaly.packetNumber, time: anomaly.timeUs / 1e6, sender: culprit, values,
    ...(anomaly.streamId ? { stream: anomaly.streamId } : {}),
  }];
  if (reaction !== undefined) evidence.push(reaction);
  else evidence.push({ what: `no RST_STREAM/GOAWAY ${errorCodeName(FLOW_CONTROL_ERROR)} from the ${victim}` });
  return {
    sender: culprit, stream: anomaly.streamId === 0 ? undefined : anomaly.streamId,
    packetNumber: anomaly.packetNumber, timeUs: anomaly.timeUs, message, evidence,
  };
}
