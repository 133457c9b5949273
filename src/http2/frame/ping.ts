// PING (RFC 9113 §6.7): eight opaque octets, echoed back with ACK.

import type { FrameHeader, PingFrame } from "./frame.js";
import { copyBytes } from "../../bytes/concat.js";

export function parsePingFrame(header: FrameHeader, payload: Uint8Array): PingFrame {
  if (payload.length !== 8) {
    return { kind: "PING", ...header, opaque: copyBytes(payload), malformed: `PING payload is ${payload.length} octets, not 8` };
  }
  return { kind: "PING", ...header, opaque: copyBytes(payload) };
}
