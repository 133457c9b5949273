// unacknowledged-settings: a SETTINGS frame with no SETTINGS ACK within T (RFC 9113 §6.5.3:
// the receiver MUST apply and acknowledge it; the sender may then end with SETTINGS_TIMEOUT).

import { defineRule } from "../rule.js";
import { formatSeconds } from "../support/describe.js";
import { reportOverdue, settleOverdue, type AwaitingAck } from "../support/ack-timeout.js";

export const unacknowledgedSettings = defineRule<AwaitingAck[]>({
  id: "unacknowledged-settings",
  events: ["h2.frame", "h2.settings-acked"],
  frames: ["SETTINGS"],
  severity: "warning",
  description: "A SETTINGS frame that got no ACK within T seconds (the sender may end the connection with SETTINGS_TIMEOUT)",
  parameters: {
    timeoutSeconds: {
      default: 5,
      description: "The ACK is due as soon as the settings are applied (§6.5.3); 5 s is hundreds of round trips, and settings the peer has not acknowledged do not bind it",
    },
  },
  // Its tick and end report SETTINGS it saw go unacknowledged: none without an event.
  stateOnFirstEvent: true,
  createState: () => [],
  onEvent(event, waiting) {
    if (event.kind === "h2.frame" && event.frame.kind === "SETTINGS" && (event.frame.flags & 1) === 0 && event.frame.malformed === undefined) {
      if (waiting.length < 1000) waiting.push({ sender: event.sender, packet: event.packetNumber, timeUs: event.timeUs, key: `${event.frame.settings.length} settings` });
    } else if (event.kind === "h2.settings-acked") {
      const index = waiting.findIndex((item) => item.sender === event.declaredBy);
      if (index >= 0) waiting.splice(index, 1);
    }
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
  return `The ${item.sender}'s SETTINGS (packet ${item.packet}, ${item.key}) got no ACK from the ${receiver} for ${formatSeconds(waitedUs)}. ` +
    `Until it is acknowledged the ${item.sender} cannot rely on those values; RFC 9113 lets it end the connection with SETTINGS_TIMEOUT.`;
}
