// WINDOW_UPDATE (RFC 9113 §6.9): a 31-bit flow-control window increment.

import type { FrameHeader, WindowUpdateFrame } from "./frame.js";
import { readUint31 } from "./read-u32.js";

export function parseWindowUpdateFrame(header: FrameHeader, payload: Uint8Array): WindowUpdateFrame {
  if (payload.length !== 4) {
    return { kind: "WINDOW_UPDATE", ...header, windowIncrement: 0, malformed: `WINDOW_UPDATE payload is ${payload.length} octets, not 4` };
  }
  return { kind: "WINDOW_UPDATE", length: header.length, type: header.type, flags: header.flags, streamId: header.streamId, windowIncrement: readUint31(payload, 0) };
}
