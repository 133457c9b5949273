// PRIORITY_UPDATE (RFC 9218 §7.1): a prioritized stream id and a Priority field value.

import type { FrameHeader, PriorityUpdateFrame } from "./frame.js";
import { latin1 } from "./latin1.js";
import { readUint31 } from "./read-u32.js";

export function parsePriorityUpdateFrame(header: FrameHeader, payload: Uint8Array): PriorityUpdateFrame {
  if (payload.length < 4) {
    return { kind: "PRIORITY_UPDATE", ...header, prioritizedStreamId: 0, priorityFieldValue: "", malformed: "PRIORITY_UPDATE shorter than 4 octets" };
  }
  return { kind: "PRIORITY_UPDATE", ...header, prioritizedStreamId: readUint31(payload, 0), priorityFieldValue: latin1(payload.subarray(4)) };
}
