// RST_STREAM (RFC 9113 §6.4): a 32-bit error code ending one stream.

import type { FrameHeader, RstStreamFrame } from "./frame.js";
import { readUint32 } from "./read-u32.js";

export function parseRstStreamFrame(header: FrameHeader, payload: Uint8Array): RstStreamFrame {
  if (payload.length !== 4) {
    return { kind: "RST_STREAM", ...header, errorCode: 0, malformed: `RST_STREAM payload is ${payload.length} octets, not 4` };
  }
  return { kind: "RST_STREAM", ...header, errorCode: readUint32(payload, 0) };
}
