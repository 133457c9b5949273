// unanswered-ping: a PING with no PING ACK within T (RFC 9113 §6.7: the receiver MUST answer).

import { defineRule } from "../rule.js";
import { formatSeconds } from "../support/describe.js";
import { reportOverdue, settleOverdue, type AwaitingAck } from "../support/ack-timeout.js";
import { toHex } from "../../bytes/hex.js";

export const unansweredPing = defineRule<AwaitingAck[]>({
  id: "unanswered-ping",
  events: ["h2.frame"],
  frames: ["PING"],
  severity: "warning",
  description: "A PING that got no PING ACK within T seconds: the peer is stuck, or the path is",
  parameters: {
    timeoutSeconds: {
      default: 5,
      description: "An ACK is due at once (RFC 9113 §6.7 asks for it before other frames); 5 s is hundreds of round trips, and below the 15-20 s ping timeouts Go and gRPC clients act on",
    },
  },
  // Its ticks and end look at the PINGs it was sent: none without an event.
  stateOnFirstEvent: true,
  createState: () => [],
  onEvent(event, waiting) {
    if (event.kind !== "h2.frame" || event.frame.kind !== "PING" || event.frame.malformed !== undefined) return;
    const key = toHex(event.frame.opaque);
    if ((event.frame.flags & 1) === 0) {
      if (waiting.length < 1000) waiting.push({ sender: event.sender, packet: event.packetNumber, timeUs: event.timeUs, key });
      return;
    }
    const index = waiting.findIndex((item) => item.sender !== event.sender && item.key === key);
    if (index >= 0) waiting.splice(index, 1);
  },
  onTime(nowUs, waiting, context) {
    settleOverdue(waiting, nowUs, context, describe);
  },
  onEnd(endUs, waiting, context) {
    reportOverdue(waiting, endUs, context, describe);
  },
});

function describe(item: AwaitingAck, waitedUs: number): string {
  const receiver = item.sender === "client" ? "server" : "client";
  return `The ${item.sender}'s PING (${item.key}) got no ACK from the ${receiver} for ${formatSeconds(waitedUs)}. ` +
    `A live HTTP/2 endpoint answers at once: the ${receiver} (or the path to it) is stuck; a client health check would close this connection.`;
}
