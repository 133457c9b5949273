// PRIORITY (RFC 9113 §6.3, fields from RFC 7540 §6.3): exactly five octets.

import type { FrameHeader, PriorityFrame } from "./frame.js";
import { parsePriorityFields, PRIORITY_FIELDS_LENGTH } from "./priority-fields.js";

export function parsePriorityFrame(header: FrameHeader, payload: Uint8Array): PriorityFrame {
  if (payload.length !== PRIORITY_FIELDS_LENGTH) {
    return { kind: "PRIORITY", ...header, priority: undefined, malformed: `PRIORITY payload is ${payload.length} octets, not 5` };
  }
  return { kind: "PRIORITY", ...header, priority: parsePriorityFields(payload, 0) };
}
