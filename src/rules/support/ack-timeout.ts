// Shared machinery for "no ACK within T": PINGs and SETTINGS frames waiting for their ACK.

import type { Peer } from "../../http2/connection/stream-state.js";
import type { RuleContext } from "../rule.js";

export interface AwaitingAck {
  sender: Peer;
  packet: number;
  timeUs: number;
  key: string;
}

/**
 * On a tick: reports each item waiting longer than `timeoutSeconds` and keeps the others in
 * `waiting`. Called for every open connection ten times a capture second: nothing waits on most.
 */
export function settleOverdue(waiting: AwaitingAck[], nowUs: number, context: RuleContext, describe: (item: AwaitingAck, waitedUs: number) => string): void {
  if (waiting.length === 0) return;
  waiting.splice(0, waiting.length, ...reportOverdue(waiting, nowUs, context, describe));
}

/** Reports (once) each item waiting longer than `timeoutSeconds`; returns those still waiting. */
export function reportOverdue(waiting: AwaitingAck[], nowUs: number, context: RuleContext, describe: (item: AwaitingAck, waitedUs: number) => string): AwaitingAck[] {
  const timeoutUs = context.params.timeoutSeconds! * 1e6;
  const still: AwaitingAck[] = [];
  for (const item of waiting) {
    const waitedUs = nowUs - item.timeUs;
    if (waitedUs < timeoutUs) {
      still.push(item);
      continue;
    }
    context.report({
      sender: item.sender === "client" ? "server" : "client", packetNumber: item.packet, timeUs: item.timeUs,
      message: describe(item, waitedUs),
      evidence: [{ what: `sent by the ${item.sender}, not acknowledged within ${context.params.timeoutSeconds!} s`, packet: item.packet, time: item.timeUs / 1e6, sender: item.sender, values: { waitedSeconds: waitedUs / 1e6, key: item.key } }],
    });
  }
  return still;
}
