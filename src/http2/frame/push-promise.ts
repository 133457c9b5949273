// PUSH_PROMISE (RFC 9113 §6.6): a promised stream id and a header block fragment, maybe padded.

import type { FrameHeader, PushPromiseFrame } from "./frame.js";
import { unpad } from "./padding.js";
import { readUint31 } from "./read-u32.js";

export function parsePushPromiseFrame(header: FrameHeader, payload: Uint8Array): PushPromiseFrame {
  const padded = unpad(header, payload);
  let malformed = padded.malformed;
  if (malformed === undefined && padded.end - padded.start < 4) malformed = "PUSH_PROMISE too short for a promised stream id";
  const frame: PushPromiseFrame = {
    kind: "PUSH_PROMISE", ...header, padLength: padded.padLength,
    promisedStreamId: malformed === undefined ? readUint31(payload, padded.start) : 0,
    fragment: malformed === undefined ? payload.subarray(padded.start + 4, padded.end) : new Uint8Array(0),
  };
  if (malformed !== undefined) frame.malformed = malformed;
  return frame;
}
