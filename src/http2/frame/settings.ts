// SETTINGS (RFC 9113 §6.5): six-octet (identifier, value) pairs; an ACK carries none.

import type { FrameHeader, SettingsFrame } from "./frame.js";
import { FLAG_ACK } from "./frame-types.js";
import { readUint32 } from "./read-u32.js";

export function parseSettingsFrame(header: FrameHeader, payload: Uint8Array): SettingsFrame {
  const frame: SettingsFrame = { kind: "SETTINGS", ...header, settings: [] };
  if ((header.flags & FLAG_ACK) !== 0 && payload.length !== 0) {
    frame.malformed = `SETTINGS ACK with a ${payload.length}-octet payload`;
    return frame;
  }
  if (payload.length % 6 !== 0) {
    frame.malformed = `SETTINGS payload of ${payload.length} octets is not a multiple of 6`;
    return frame;
  }
  for (let offset = 0; offset < payload.length; offset += 6) {
    frame.settings.push([(payload[offset]! << 8) | payload[offset + 1]!, readUint32(payload, offset + 2)]);
  }
  return frame;
}
