// CONTINUATION (RFC 9113 §6.10): the rest of a header block started by HEADERS or PUSH_PROMISE.

import type { ContinuationFrame, FrameHeader } from "./frame.js";

export function parseContinuationFrame(header: FrameHeader, payload: Uint8Array): ContinuationFrame {
  return { kind: "CONTINUATION", length: header.length, type: header.type, flags: header.flags, streamId: header.streamId, fragment: payload };
}
