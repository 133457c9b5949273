// HEADERS (RFC 9113 §6.2): opens a stream or carries trailers; a header block fragment,
// optionally padded and with RFC 7540 priority fields.

import type { FrameHeader, HeadersFrame } from "./frame.js";
import { FLAG_PRIORITY } from "./frame-types.js";
import { unpad } from "./padding.js";
import { parsePriorityFields, PRIORITY_FIELDS_LENGTH } from "./priority-fields.js";

export function parseHeadersFrame(header: FrameHeader, payload: Uint8Array): HeadersFrame {
  const padded = unpad(header, payload);
  let start = padded.start;
  let malformed = padded.malformed;
  let priority;
  if ((header.flags & FLAG_PRIORITY) !== 0 && malformed === undefined) {
    if (padded.end - start < PRIORITY_FIELDS_LENGTH) {
      malformed = `PRIORITY flag set but only ${padded.end - start} octets before the padding`;
    } else {
      priority = parsePriorityFields(payload, start);
      start += PRIORITY_FIELDS_LENGTH;
    }
  }
  const frame: HeadersFrame = {
    kind: "HEADERS", length: header.length, type: header.type, flags: header.flags, streamId: header.streamId, padLength: padded.padLength, priority,
    fragment: malformed !== undefined ? new Uint8Array(0) : start === 0 && padded.end === payload.length ? payload : payload.subarray(start, padded.end),
  };
  if (malformed !== undefined) frame.malformed = malformed;
  return frame;
}
