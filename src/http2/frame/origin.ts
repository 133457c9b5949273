// ORIGIN (RFC 8336 §2): a list of length-prefixed ASCII origins.

import type { FrameHeader, OriginFrame } from "./frame.js";
import { latin1 } from "./latin1.js";

export function parseOriginFrame(header: FrameHeader, payload: Uint8Array): OriginFrame {
  const origins: string[] = [];
  let offset = 0;
  while (offset < payload.length) {
    if (offset + 2 > payload.length) return { kind: "ORIGIN", ...header, origins, malformed: "ORIGIN entry length cut short" };
    const length = (payload[offset]! << 8) | payload[offset + 1]!;
    if (offset + 2 + length > payload.length) return { kind: "ORIGIN", ...header, origins, malformed: `ORIGIN entry of ${length} octets past the payload` };
    origins.push(latin1(payload.subarray(offset + 2, offset + 2 + length)));
    offset += 2 + length;
  }
  return { kind: "ORIGIN", ...header, origins };
}
