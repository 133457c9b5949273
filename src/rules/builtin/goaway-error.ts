// goaway-error: a GOAWAY with an error code other than NO_ERROR and PROTOCOL_ERROR (which has
// its own rule), explained by its debug text when that names a known limit.

import { errorCodeName } from "../../http2/frame/frame-types.js";
import { defineRule, type EvidenceItem } from "../rule.js";
import { formatMs, frameEvidence, listStreams, otherPeer } from "../support/describe.js";
import { explainGoawayDebug } from "../support/goaway-fingerprints.js";
import { latin1 } from "../../http2/frame/latin1.js";

const NO_ERROR = 0x0;
const PROTOCOL_ERROR = 0x1;

interface State {
  /** PING times (not ACKs) per sender, for the keepalive interval behind too_many_pings (made at the first PING). */
  pings: { client: number[]; server: number[] } | undefined;
}

export const goawayError = defineRule<State>({
  id: "goaway-error",
  events: ["h2.frame"],
  frames: ["PING", "GOAWAY"],
  severity: "warning",
  description: "A GOAWAY with an error code (ENHANCE_YOUR_CALM, FLOW_CONTROL_ERROR, INTERNAL_ERROR, …) other than NO_ERROR or PROTOCOL_ERROR",
  parameters: {},
  createState: () => ({ pings: undefined }),
  onEvent(event, state, context) {
    if (event.kind !== "h2.frame") return;
    const frame = event.frame;
    if (frame.kind === "PING" && (frame.flags & 1) === 0) {
      const times = (state.pings ??= { client: [], server: [] })[event.sender];
      if (times.length < 1000) times.push(event.timeUs);
      return;
    }
    if (frame.kind !== "GOAWAY" || frame.errorCode === NO_ERROR || frame.errorCode === PROTOCOL_ERROR) return;
    const debug = latin1(frame.debugData);
    const meaning = explainGoawayDebug(debug);
    const receiver = otherPeer(event.sender);
    const open = context.streams.openStreams();
    const killed = open.filter((stream) => stream.id <= frame.lastStreamId).map((stream) => stream.id);
    const retrySafe = open.filter((stream) => stream.id > frame.lastStreamId && stream.openedBy === receiver).map((stream) => stream.id);
    let message = `The ${event.sender} ended the connection with GOAWAY ${errorCodeName(frame.errorCode)}` +
      `${debug ? ` ("${debug}")` : ""}, last stream ${frame.lastStreamId}.`;
    if (meaning !== undefined) message += ` This is ${meaning}.`;
    const evidence: EvidenceItem[] = [frameEvidence(event, "the GOAWAY", { lastStreamId: frame.lastStreamId, debugData: debug })];
    const pingTimes = state.pings?.[receiver] ?? [];
    if (debug === "too_many_pings" && pingTimes.length >= 2) {
      const gaps = pingTimes.slice(1).map((time, index) => time - pingTimes[index]!).sort((left, right) => left - right);
      const median = gaps[Math.floor(gaps.length / 2)]!;
      message += ` The ${receiver} sent ${pingTimes.length} PINGs about every ${formatMs(median)}: raise its keepalive interval above the server's minimum, or allow more pings on the server.`;
      evidence.push({ what: `PINGs from the ${receiver} before the GOAWAY`, values: { pings: pingTimes.length, medianIntervalMs: median / 1000 } });
    }
    if (killed.length > 0) message += ` Streams still in progress fail: ${listStreams(killed)}.`;
    if (retrySafe.length > 0) message += ` Streams above ${frame.lastStreamId} were not processed and are safe to retry: ${listStreams(retrySafe)}.`;
    context.report({ sender: event.sender, packetNumber: event.packetNumber, timeUs: event.timeUs, message, evidence });
  },
});
