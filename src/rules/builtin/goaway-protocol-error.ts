// goaway-protocol-error: a GOAWAY with PROTOCOL_ERROR, with what preceded it — above all the
// late-response-after-cancel pattern (shared/research/failure-signatures.md §2, R2.1): the
// client's deadline cancels a stream, the server answers anyway later, and one side kills the
// connection, taking every other in-flight request with it.

import { defineRule, type EvidenceItem } from "../rule.js";
import { formatSeconds, frameEvidence, listStreams, otherPeer } from "../support/describe.js";
import { roundTripUs } from "../support/round-trip.js";
import { latin1 } from "../../http2/frame/latin1.js";

const PROTOCOL_ERROR = 0x1;
const CANCEL = 0x8;
const NO_ERROR = 0x0;

export const goawayProtocolError = defineRule<null>({
  id: "goaway-protocol-error",
  events: ["h2.frame"],
  frames: ["GOAWAY"],
  severity: "error",
  description: "A GOAWAY with PROTOCOL_ERROR: who sent it, what it killed, and the late-response-after-cancel pattern or client timeout that preceded it",
  parameters: {
    lateAfterResetMs: {
      default: 200,
      description: "A frame more than this (and more than two round trips) after the stream's reset was sent late, not in flight when the reset went out (RFC 9113 §5.1 allows in-flight frames)",
    },
    fallbackRttMs: { default: 50, description: "Round-trip time to assume when the capture shows no SETTINGS or PING round trip" },
  },
  createState: () => null,
  onEvent(event, _state, context) {
    if (event.kind !== "h2.frame" || event.frame.kind !== "GOAWAY" || event.frame.errorCode !== PROTOCOL_ERROR) return;
    const frame = event.frame;
    const debug = latin1(frame.debugData);
    const graceUs = Math.max(2 * roundTripUs(context.connection, context.params.fallbackRttMs!), context.params.lateAfterResetMs! * 1000);
    const evidence: EvidenceItem[] = [frameEvidence(event, "the GOAWAY", { lastStreamId: frame.lastStreamId, debugData: debug })];
    let message = `The ${event.sender} killed the connection with GOAWAY PROTOCOL_ERROR${debug ? ` ("${debug}")` : ""}, last stream ${frame.lastStreamId}.`;

    // Streams still in progress die with the connection.
    const open = context.streams.openStreams().filter((stream) => stream.id <= frame.lastStreamId);
    if (open.length > 0) {
      message += ` ${open.length} stream${open.length > 1 ? "s" : ""} still in progress fail with it: ${listStreams(open.map((stream) => stream.id))}.`;
      evidence.push({ what: "streams in progress at the GOAWAY", values: { streams: open.map((stream) => stream.id).join(" ") } });
    }

    // Late frames on streams reset with CANCEL/NO_ERROR: the precursor of R2.1.
    const known = context.streams.knownStreams();
    const late = known
      .filter((stream) => stream.reset !== undefined && (stream.reset.errorCode === CANCEL || stream.reset.errorCode === NO_ERROR) &&
        stream.lastFrameAfterReset !== undefined && stream.lastFrameAfterReset.timeUs - stream.reset.timeUs > graceUs);
    if (late.length > 0) {
      const example = late[0]!;
      const canceller = example.reset!.by;
      message += ` Before it, the ${otherPeer(canceller)} kept sending on ${late.length} stream${late.length > 1 ? "s" : ""} the ${canceller} had already cancelled ` +
        `(stream ${example.id}: cancelled ${formatSeconds(example.reset!.timeUs - example.openedUs)} after its request, answered ${formatSeconds(example.lastFrameAfterReset!.timeUs - example.reset!.timeUs)} later). ` +
        `Frames on a closed stream are a protocol error for the receiver (RFC 9113 §5.1): stop writing responses for cancelled requests, and keep the client's deadline above the server's response time.`;
      for (const stream of late.slice(0, 5)) {
        evidence.push({
          what: `stream ${stream.id} cancelled by the ${stream.reset!.by}, then answered late`, stream: stream.id, packet: stream.lastFrameAfterReset!.packet,
          time: stream.lastFrameAfterReset!.timeUs / 1e6,
          values: { requestToCancelMs: (stream.reset!.timeUs - stream.openedUs) / 1000, cancelToLateFrameMs: (stream.lastFrameAfterReset!.timeUs - stream.reset!.timeUs) / 1000 },
        });
      }
    }

    // A client deadline below the server's response time (the same incident, seen from timing).
    const cancelled = known
      .filter((stream) => stream.reset?.errorCode === CANCEL && stream.reset.by === "client");
    if (cancelled.length >= 2) {
      const delays = cancelled.map((stream) => stream.reset!.timeUs - stream.openedUs).sort((left, right) => left - right);
      const deadline = delays[Math.floor(delays.length / 2)]!;
      const slow = cancelled.filter((stream) => stream.responseUs !== undefined && stream.responseUs - stream.openedUs > deadline);
      message += ` The client cancelled ${cancelled.length} requests after about ${formatSeconds(deadline)}` +
        (slow.length > 0 ? `, while the server took up to ${formatSeconds(Math.max(...slow.map((stream) => stream.responseUs! - stream.openedUs)))} to answer them.` : ".");
      evidence.push({ what: "client cancellations (inferred deadline)", values: { cancelled: cancelled.length, medianDeadlineMs: deadline / 1000 } });
    } else if (late.length === 0) {
      message += " No late-response pattern preceded it: look for a framing or HPACK error on the other side (see protocol-violation findings).";
    }
    context.report({ sender: event.sender, packetNumber: event.packetNumber, timeUs: event.timeUs, message, evidence });
  },
});
