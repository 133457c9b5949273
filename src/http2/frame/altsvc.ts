// ALTSVC (RFC 7838 §4): an origin (on stream 0) and an Alt-Svc field value.

import type { AltsvcFrame, FrameHeader } from "./frame.js";
import { latin1 } from "./latin1.js";

export function parseAltsvcFrame(header: FrameHeader, payload: Uint8Array): AltsvcFrame {
  if (payload.length < 2) return { kind: "ALTSVC", ...header, origin: "", fieldValue: "", malformed: "ALTSVC payload shorter than 2 octets" };
  const originLength = (payload[0]! << 8) | payload[1]!;
  if (2 + originLength > payload.length) {
    return { kind: "ALTSVC", ...header, origin: "", fieldValue: "", malformed: `ALTSVC origin length ${originLength} past the payload` };
  }
  return { kind: "ALTSVC", ...header, origin: latin1(payload.subarray(2, 2 + originLength)), fieldValue: latin1(payload.subarray(2 + originLength)) };
}
