// DATA (RFC 9113 §6.1): stream content, possibly padded.

import type { DataFrame, FrameHeader } from "./frame.js";
import { unpad } from "./padding.js";

export function parseDataFrame(header: FrameHeader, payload: Uint8Array): DataFrame {
  const padded = unpad(header, payload);
  const frame: DataFrame = { kind: "DATA", length: header.length, type: header.type, flags: header.flags, streamId: header.streamId, padLength: padded.padLength, data: payload.subarray(padded.start, padded.end) };
  if (padded.malformed !== undefined) frame.malformed = padded.malformed;
  return frame;
}
