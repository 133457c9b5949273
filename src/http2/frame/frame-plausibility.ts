// Is this a believable frame header? Used to find frame boundaries when the capture joined a
// connection mid-way or lost bytes: a chain of believable headers is a boundary.

import type { FrameHeader } from "./frame.js";
import {
  FRAME_CONTINUATION, FRAME_DATA, FRAME_GOAWAY, FRAME_HEADERS, FRAME_PING, FRAME_PRIORITY, FRAME_PUSH_PROMISE,
  FRAME_RST_STREAM, FRAME_SETTINGS, FRAME_WINDOW_UPDATE, isKnownFrameType, undefinedFlags,
} from "./frame-types.js";

/**
 * True when `header` could be a real frame: a known type, only flags that type defines, a
 * length within `maxLength` and fitting the type, and a stream id the type allows. Unknown
 * types are legal on the wire but rare, so they never anchor a resynchronisation.
 */
export function isPlausibleFrameHeader(header: FrameHeader, reservedBitSet: boolean, maxLength: number): boolean {
  if (reservedBitSet || header.length > maxLength || !isKnownFrameType(header.type)) return false;
  if (undefinedFlags(header.type, header.flags) !== 0) return false;
  const onConnection = header.streamId === 0;
  switch (header.type) {
    case FRAME_DATA:
    case FRAME_HEADERS:
    case FRAME_CONTINUATION:
    case FRAME_PUSH_PROMISE:
      return !onConnection;
    case FRAME_PRIORITY:
      return !onConnection && header.length === 5;
    case FRAME_RST_STREAM:
      return !onConnection && header.length === 4;
    case FRAME_SETTINGS:
      return onConnection && header.length % 6 === 0 && ((header.flags & 1) === 0 || header.length === 0);
    case FRAME_PING:
      return onConnection && header.length === 8;
    case FRAME_GOAWAY:
      return onConnection && header.length >= 8;
    case FRAME_WINDOW_UPDATE:
      return header.length === 4;
    default:
      return true;
  }
}
