// Dispatches a frame payload to the parser of its type; unknown types keep their payload.

import { parseAltsvcFrame } from "./altsvc.js";
import { parseContinuationFrame } from "./continuation.js";
import { parseDataFrame } from "./data.js";
import type { Frame, FrameHeader } from "./frame.js";
import {
  FRAME_ALTSVC, FRAME_CONTINUATION, FRAME_DATA, FRAME_GOAWAY, FRAME_HEADERS, FRAME_ORIGIN, FRAME_PING, FRAME_PRIORITY,
  FRAME_PRIORITY_UPDATE, FRAME_PUSH_PROMISE, FRAME_RST_STREAM, FRAME_SETTINGS, FRAME_WINDOW_UPDATE,
} from "./frame-types.js";
import { parseGoawayFrame } from "./goaway.js";
import { parseHeadersFrame } from "./headers.js";
import { parseOriginFrame } from "./origin.js";
import { parsePingFrame } from "./ping.js";
import { parsePriorityUpdateFrame } from "./priority-update.js";
import { parsePriorityFrame } from "./priority.js";
import { parsePushPromiseFrame } from "./push-promise.js";
import { parseRstStreamFrame } from "./rst-stream.js";
import { parseSettingsFrame } from "./settings.js";
import { parseWindowUpdateFrame } from "./window-update.js";
import { copyBytes } from "../../bytes/concat.js";

/** Decodes what the bytes say. Whether the frame was allowed is the connection's question. */
export function parseFrame(header: FrameHeader, payload: Uint8Array): Frame {
  switch (header.type) {
    case FRAME_DATA: return parseDataFrame(header, payload);
    case FRAME_HEADERS: return parseHeadersFrame(header, payload);
    case FRAME_PRIORITY: return parsePriorityFrame(header, payload);
    case FRAME_RST_STREAM: return parseRstStreamFrame(header, payload);
    case FRAME_SETTINGS: return parseSettingsFrame(header, payload);
    case FRAME_PUSH_PROMISE: return parsePushPromiseFrame(header, payload);
    case FRAME_PING: return parsePingFrame(header, payload);
    case FRAME_GOAWAY: return parseGoawayFrame(header, payload);
    case FRAME_WINDOW_UPDATE: return parseWindowUpdateFrame(header, payload);
    case FRAME_CONTINUATION: return parseContinuationFrame(header, payload);
    case FRAME_ALTSVC: return parseAltsvcFrame(header, payload);
    case FRAME_ORIGIN: return parseOriginFrame(header, payload);
    case FRAME_PRIORITY_UPDATE: return parsePriorityUpdateFrame(header, payload);
    default: return { kind: "UNKNOWN", ...header, payload: copyBytes(payload) };
  }
}

export const FRAME_HEADER_LENGTH = 9;

/** The 9-octet frame header at `offset` (§4.1). */
export function parseFrameHeader(bytes: Uint8Array, offset = 0): FrameHeader {
  return {
    length: (bytes[offset]! << 16) | (bytes[offset + 1]! << 8) | bytes[offset + 2]!,
    type: bytes[offset + 3]!,
    flags: bytes[offset + 4]!,
    streamId: (((bytes[offset + 5]! << 24) | (bytes[offset + 6]! << 16) | (bytes[offset + 7]! << 8) | bytes[offset + 8]!) >>> 0) & 0x7fffffff,
  };
}
