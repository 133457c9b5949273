// Padding shared by DATA, HEADERS and PUSH_PROMISE (RFC 9113 §6.1): a Pad Length octet first,
// that many zero octets last.

import type { FrameHeader } from "./frame.js";
import { FLAG_PADDED } from "./frame-types.js";

export interface Unpadded {
  padLength: number | undefined;
  /** Offset of the first octet after the Pad Length field. */
  start: number;
  /** Offset where the padding begins (end of the content). */
  end: number;
  malformed?: string;
}

/** Where the content of a possibly padded payload lies. */
export function unpad(header: FrameHeader, payload: Uint8Array): Unpadded {
  if ((header.flags & FLAG_PADDED) === 0) return { padLength: undefined, start: 0, end: payload.length };
  if (payload.length < 1) return { padLength: undefined, start: 0, end: 0, malformed: "PADDED flag set on an empty payload" };
  const padLength = payload[0]!;
  // §6.1: padding that is as long as the payload or longer is a PROTOCOL_ERROR.
  if (padLength >= payload.length) {
    return { padLength, start: 1, end: 1, malformed: `pad length ${padLength} does not fit in a ${payload.length}-octet payload` };
  }
  return { padLength, start: 1, end: payload.length - padLength };
}
