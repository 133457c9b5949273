// A small DSL for HTTP/2 frames in unit tests: frame({ type: "WINDOW_UPDATE", streamId: 1, payload: u32(32768) }).

import { concat, u16, u32 } from "./bytes.js";

const TYPES: Record<string, number> = {
  DATA: 0, HEADERS: 1, PRIORITY: 2, RST_STREAM: 3, SETTINGS: 4, PUSH_PROMISE: 5, PING: 6, GOAWAY: 7,
  WINDOW_UPDATE: 8, CONTINUATION: 9, ALTSVC: 10, ORIGIN: 12, PRIORITY_UPDATE: 16,
};

export interface FrameSpec {
  type: string | number;
  flags?: number;
  streamId?: number;
  payload?: Uint8Array;
  /** Override the length field (to build lying frames). */
  length?: number;
}

export function frame(spec: FrameSpec): Uint8Array {
  const payload = spec.payload ?? new Uint8Array(0);
  const length = spec.length ?? payload.byteLength;
  const type = typeof spec.type === "number" ? spec.type : TYPES[spec.type]!;
  const header = Uint8Array.of(length >> 16, (length >> 8) & 0xff, length & 0xff, type, spec.flags ?? 0);
  return concat(header, u32(spec.streamId ?? 0), payload);
}

export const PREFACE = new Uint8Array(Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "latin1"));

export function settings(entries: Array<[number, number]>, ack = false): Uint8Array {
  return frame({ type: "SETTINGS", flags: ack ? 1 : 0, payload: concat(...entries.map(([id, value]) => concat(u16(id), u32(value)))) });
}

export function settingsAck(): Uint8Array {
  return settings([], true);
}

export function windowUpdate(streamId: number, increment: number): Uint8Array {
  return frame({ type: "WINDOW_UPDATE", streamId, payload: u32(increment) });
}

export function data(streamId: number, length: number, options: { endStream?: boolean; padLength?: number } = {}): Uint8Array {
  const padded = options.padLength !== undefined;
  const content = new Uint8Array(length - (padded ? 1 + options.padLength! : 0)).fill(0x61);
  const payload = padded ? concat(Uint8Array.of(options.padLength!), content, new Uint8Array(options.padLength!)) : content;
  return frame({ type: "DATA", streamId, flags: (options.endStream ? 1 : 0) | (padded ? 8 : 0), payload });
}

/** Static-table request: GET / http, :authority localhost (literal, incremental indexing). */
export const REQUEST_BLOCK = concat(Uint8Array.of(0x82, 0x84, 0x86, 0x41, 0x09), new Uint8Array(Buffer.from("localhost")));
/** Static-table response: :status 200. */
export const RESPONSE_BLOCK = Uint8Array.of(0x88);

export function headers(streamId: number, block: Uint8Array, options: { endStream?: boolean; endHeaders?: boolean } = {}): Uint8Array {
  const flags = (options.endStream ? 1 : 0) | (options.endHeaders === false ? 0 : 4);
  return frame({ type: "HEADERS", streamId, flags, payload: block });
}

export function rstStream(streamId: number, errorCode: number): Uint8Array {
  return frame({ type: "RST_STREAM", streamId, payload: u32(errorCode) });
}

export function ping(opaque: Uint8Array, ack = false): Uint8Array {
  return frame({ type: "PING", flags: ack ? 1 : 0, payload: opaque });
}

export function goaway(lastStreamId: number, errorCode: number, debug = ""): Uint8Array {
  return frame({ type: "GOAWAY", payload: concat(u32(lastStreamId), u32(errorCode), new Uint8Array(Buffer.from(debug))) });
}
