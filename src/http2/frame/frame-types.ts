// Frame type numbers, flag bits, error codes and setting ids with their RFC names
// (RFC 9113 §6, §7, §11; ALTSVC RFC 7838; ORIGIN RFC 8336; PRIORITY_UPDATE RFC 9218).

export const FRAME_DATA = 0x0;
export const FRAME_HEADERS = 0x1;
export const FRAME_PRIORITY = 0x2;
export const FRAME_RST_STREAM = 0x3;
export const FRAME_SETTINGS = 0x4;
export const FRAME_PUSH_PROMISE = 0x5;
export const FRAME_PING = 0x6;
export const FRAME_GOAWAY = 0x7;
export const FRAME_WINDOW_UPDATE = 0x8;
export const FRAME_CONTINUATION = 0x9;
export const FRAME_ALTSVC = 0xa;
export const FRAME_ORIGIN = 0xc;
export const FRAME_PRIORITY_UPDATE = 0x10;

export type KnownFrameTypeName =
  | "DATA" | "HEADERS" | "PRIORITY" | "RST_STREAM" | "SETTINGS" | "PUSH_PROMISE" | "PING" | "GOAWAY"
  | "WINDOW_UPDATE" | "CONTINUATION" | "ALTSVC" | "ORIGIN" | "PRIORITY_UPDATE";

const FRAME_TYPE_NAMES: Record<number, KnownFrameTypeName> = {
  [FRAME_DATA]: "DATA",
  [FRAME_HEADERS]: "HEADERS",
  [FRAME_PRIORITY]: "PRIORITY",
  [FRAME_RST_STREAM]: "RST_STREAM",
  [FRAME_SETTINGS]: "SETTINGS",
  [FRAME_PUSH_PROMISE]: "PUSH_PROMISE",
  [FRAME_PING]: "PING",
  [FRAME_GOAWAY]: "GOAWAY",
  [FRAME_WINDOW_UPDATE]: "WINDOW_UPDATE",
  [FRAME_CONTINUATION]: "CONTINUATION",
  [FRAME_ALTSVC]: "ALTSVC",
  [FRAME_ORIGIN]: "ORIGIN",
  [FRAME_PRIORITY_UPDATE]: "PRIORITY_UPDATE",
};

/** RFC name of a frame type, or `UNKNOWN(0x..)` (unknown types are legal and ignored, §4.1). */
export function frameTypeName(type: number): string {
  return FRAME_TYPE_NAMES[type] ?? `UNKNOWN(0x${type.toString(16)})`;
}

export function isKnownFrameType(type: number): boolean {
  return FRAME_TYPE_NAMES[type] !== undefined;
}

export const FLAG_END_STREAM = 0x1;
export const FLAG_ACK = 0x1;
export const FLAG_END_HEADERS = 0x4;
export const FLAG_PADDED = 0x8;
export const FLAG_PRIORITY = 0x20;

/** The flags each frame type defines (§6): other bits are unused and must be ignored. */
const DEFINED_FLAGS: Record<number, Array<[number, string]>> = {
  [FRAME_DATA]: [[FLAG_END_STREAM, "END_STREAM"], [FLAG_PADDED, "PADDED"]],
  [FRAME_HEADERS]: [[FLAG_END_STREAM, "END_STREAM"], [FLAG_END_HEADERS, "END_HEADERS"], [FLAG_PADDED, "PADDED"], [FLAG_PRIORITY, "PRIORITY"]],
  [FRAME_SETTINGS]: [[FLAG_ACK, "ACK"]],
  [FRAME_PUSH_PROMISE]: [[FLAG_END_HEADERS, "END_HEADERS"], [FLAG_PADDED, "PADDED"]],
  [FRAME_PING]: [[FLAG_ACK, "ACK"]],
  [FRAME_CONTINUATION]: [[FLAG_END_HEADERS, "END_HEADERS"]],
};

/** Names of the set flags the frame type defines, e.g. ["END_STREAM", "END_HEADERS"]. */
export function flagNames(type: number, flags: number): string[] {
  const names: string[] = [];
  for (const [bit, name] of DEFINED_FLAGS[type] ?? []) if ((flags & bit) !== 0) names.push(name);
  return names;
}

/** Bits of `flags` the frame type does not define. */
export function undefinedFlags(type: number, flags: number): number {
  let defined = 0;
  for (const [bit] of DEFINED_FLAGS[type] ?? []) defined |= bit;
  return flags & ~defined;
}

const ERROR_CODE_NAMES = [
  "NO_ERROR", "PROTOCOL_ERROR", "INTERNAL_ERROR", "FLOW_CONTROL_ERROR", "SETTINGS_TIMEOUT", "STREAM_CLOSED",
  "FRAME_SIZE_ERROR", "REFUSED_STREAM", "CANCEL", "COMPRESSION_ERROR", "CONNECT_ERROR", "ENHANCE_YOUR_CALM",
  "INADEQUATE_SECURITY", "HTTP_1_1_REQUIRED",
];

/** RFC name of an error code (§7), or `UNKNOWN(0x..)`. */
export function errorCodeName(code: number): string {
  return ERROR_CODE_NAMES[code] ?? `UNKNOWN(0x${code.toString(16)})`;
}

export const SETTINGS_HEADER_TABLE_SIZE = 0x1;
export const SETTINGS_ENABLE_PUSH = 0x2;
export const SETTINGS_MAX_CONCURRENT_STREAMS = 0x3;
export const SETTINGS_INITIAL_WINDOW_SIZE = 0x4;
export const SETTINGS_MAX_FRAME_SIZE = 0x5;
export const SETTINGS_MAX_HEADER_LIST_SIZE = 0x6;
export const SETTINGS_ENABLE_CONNECT_PROTOCOL = 0x8;
export const SETTINGS_NO_RFC7540_PRIORITIES = 0x9;

const SETTING_NAMES: Record<number, string> = {
  [SETTINGS_HEADER_TABLE_SIZE]: "HEADER_TABLE_SIZE",
  [SETTINGS_ENABLE_PUSH]: "ENABLE_PUSH",
  [SETTINGS_MAX_CONCURRENT_STREAMS]: "MAX_CONCURRENT_STREAMS",
  [SETTINGS_INITIAL_WINDOW_SIZE]: "INITIAL_WINDOW_SIZE",
  [SETTINGS_MAX_FRAME_SIZE]: "MAX_FRAME_SIZE",
  [SETTINGS_MAX_HEADER_LIST_SIZE]: "MAX_HEADER_LIST_SIZE",
  [SETTINGS_ENABLE_CONNECT_PROTOCOL]: "ENABLE_CONNECT_PROTOCOL",
  [SETTINGS_NO_RFC7540_PRIORITIES]: "NO_RFC7540_PRIORITIES",
};

/** RFC name of a setting (without the SETTINGS_ prefix), or `UNKNOWN(0x..)` (kept, §6.5.2). */
export function settingName(id: number): string {
  return SETTING_NAMES[id] ?? `UNKNOWN(0x${id.toString(16)})`;
}
