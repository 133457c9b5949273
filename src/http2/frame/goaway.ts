// GOAWAY (RFC 9113 §6.8): last processed stream id, error code, optional debug data.

import type { FrameHeader, GoawayFrame } from "./frame.js";
import { readUint31, readUint32 } from "./read-u32.js";
import { copyBytes } from "../../bytes/concat.js";

export function parseGoawayFrame(header: FrameHeader, payload: Uint8Array): GoawayFrame {
  if (payload.length < 8) {
    return { kind: "GOAWAY", ...header, lastStreamId: 0, errorCode: 0, debugData: new Uint8Array(0), malformed: `GOAWAY payload is ${payload.length} octets, less than 8` };
  }
  return { kind: "GOAWAY", ...header, lastStreamId: readUint31(payload, 0), errorCode: readUint32(payload, 4), debugData: copyBytes(payload, 8) };
}
