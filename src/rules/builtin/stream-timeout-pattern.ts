// stream-timeout-pattern: many streams cancelled by the client at nearly the same time after
// their request: a client deadline. Reports the inferred timeout and the server response times
// that exceed it (shared/research/failure-signatures.md §2, R2.2).

import { defineRule } from "../rule.js";
import { formatSeconds, listStreams } from "../support/describe.js";

const CANCEL = 0x8;

interface Cancel {
  streamId: number;
  delayUs: number;
  packet: number;
  timeUs: number;
}

export const streamTimeoutPattern = defineRule<Cancel[]>({
  id: "stream-timeout-pattern",
  events: ["h2.frame"],
  frames: ["RST_STREAM"],
  severity: "warning",
  description: "Many streams cancelled by the client (RST_STREAM CANCEL) at nearly the same time after their request: a client timeout shorter than the server's response time",
  parameters: {
    minStreams: { default: 5, description: "Cancellations with matching delays that make a pattern; fewer are ordinary user cancellations" },
    tolerancePercent: { default: 10, description: "How far from the median delay a cancellation may be and still belong to the same deadline (timers fire within a few percent)" },
    toleranceMs: { default: 50, description: "Absolute tolerance for short deadlines, where scheduling noise exceeds the percentage" },
    minDeadlineMs: {
      default: 100,
      description: "Shortest delay that can be a deadline: cancellations faster than this come before any server could answer (that is rapid-reset's pattern, not a timeout)",
    },
  },
  // Its end looks at the cancellations it was sent: none without an event.
  stateOnFirstEvent: true,
  createState: () => [],
  onEvent(event, cancels, context) {
    if (event.kind !== "h2.frame" || event.frame.kind !== "RST_STREAM" || event.frame.errorCode !== CANCEL || event.sender !== "client") return;
    const stream = context.streams.get(event.frame.streamId);
    // Cancelled before the response began: a deadline, not a client losing interest mid-download.
    if (stream === undefined || stream.openedBy !== "client" || (stream.responseUs !== undefined && stream.responseUs < event.timeUs)) return;
    if (cancels.length < 10_000) cancels.push({ streamId: stream.id, delayUs: event.timeUs - stream.openedUs, packet: event.packetNumber, timeUs: event.timeUs });
  },
  onEnd(_endUs, cancels, context) {
    // No cancellation is no pattern, whatever minStreams says (a user may set it to 0).
    if (cancels.length === 0 || cancels.length < context.params.minStreams!) return;
    const delays = cancels.map((cancel) => cancel.delayUs).sort((left, right) => left - right);
    const median = delays[Math.floor(delays.length / 2)]!;
    if (median < context.params.minDeadlineMs! * 1000) return;
    const toleranceUs = Math.max(median * context.params.tolerancePercent! / 100, context.params.toleranceMs! * 1000);
    const matching = cancels.filter((cancel) => Math.abs(cancel.delayUs - median) <= toleranceUs);
    if (matching.length < context.params.minStreams!) return;
    // How long the server took, for the streams it answered after all (late) or others it completed.
    const responseTimes = context.streams.knownStreams()
      .filter((stream) => stream.openedBy === "client" && stream.responseUs !== undefined)
      .map((stream) => stream.responseUs! - stream.openedUs);
    const slower = responseTimes.filter((time) => time > median);
    const first = matching[0]!;
    context.report({
      sender: "client", packetNumber: first.packet, timeUs: first.timeUs,
      message: `The client cancelled ${matching.length} streams ${formatSeconds(median)} (±${formatSeconds(toleranceUs)}) after each request, before any response: ` +
        `a client deadline of about ${formatSeconds(median)}.` +
        (slower.length > 0 ? ` The server needed up to ${formatSeconds(Math.max(...slower))} (${slower.length} responses slower than the deadline): raise the deadline or speed up the server.` : " No response arrived before the deadline: the server is slower than the client will wait.") +
        ` Streams: ${listStreams(matching.map((cancel) => cancel.streamId))}.`,
      evidence: [
        { what: "inferred client deadline", values: { medianDelayMs: median / 1000, toleranceMs: toleranceUs / 1000, cancelled: matching.length, slowerResponses: slower.length } },
        ...matching.slice(0, 10).map((cancel) => ({ what: `RST_STREAM CANCEL ${formatSeconds(cancel.delayUs)} after the request`, packet: cancel.packet, time: cancel.timeUs / 1e6, stream: cancel.streamId, sender: "client" as const })),
      ],
    });
  },
});
