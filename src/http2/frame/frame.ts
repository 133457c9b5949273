// The decoded forms of HTTP/2 frames: plain objects, one shape per frame type.

/**
 * The 9-octet frame header (RFC 9113 §4.1). The frequent frame kinds (DATA, HEADERS, CONTINUATION,
 * WINDOW_UPDATE) copy its four fields one by one into the frame rather than spread it: a spread
 * is a generic property copy, about 2% of the main thread's time when done once per frame.
 */
export interface FrameHeader {
  /** Payload length (24 bits). */
  length: number;
  type: number;
  flags: number;
  /** 31-bit stream identifier (the reserved bit is dropped). */
  streamId: number;
}

/** RFC 7540 §5.3 priority fields (deprecated by RFC 9113 but still on the wire). */
export interface PriorityFields {
  exclusive: boolean;
  dependsOn: number;
  /** The wire value plus one (1..256), as RFC 7540 defines weight. */
  weight: number;
}

interface FrameBase extends FrameHeader {
  /** Set when the payload could not be decoded (wrong size, padding past the end): why. */
  malformed?: string;
}

export interface DataFrame extends FrameBase {
  kind: "DATA";
  padLength: number | undefined;
  /**
   * The data without padding. A view: copy to keep. Empty when the decoder discards DATA
   * payloads (the CLI does: nothing it reports reads them); `length` still counts every octet.
   */
  data: Uint8Array;
}

export interface HeadersFrame extends FrameBase {
  kind: "HEADERS";
  padLength: number | undefined;
  priority: PriorityFields | undefined;
  fragment: Uint8Array;
}

export interface PriorityFrame extends FrameBase {
  kind: "PRIORITY";
  priority: PriorityFields | undefined;
}

export interface RstStreamFrame extends FrameBase {
  kind: "RST_STREAM";
  errorCode: number;
}

export interface SettingsFrame extends FrameBase {
  kind: "SETTINGS";
  /** [identifier, value] in wire order, unknown identifiers included. */
  settings: Array<[number, number]>;
}

export interface PushPromiseFrame extends FrameBase {
  kind: "PUSH_PROMISE";
  padLength: number | undefined;
  promisedStreamId: number;
  fragment: Uint8Array;
}

export interface PingFrame extends FrameBase {
  kind: "PING";
  /** The 8 opaque octets. */
  opaque: Uint8Array;
}

export interface GoawayFrame extends FrameBase {
  kind: "GOAWAY";
  lastStreamId: number;
  errorCode: number;
  debugData: Uint8Array;
}

export interface WindowUpdateFrame extends FrameBase {
  kind: "WINDOW_UPDATE";
  windowIncrement: number;
}

export interface ContinuationFrame extends FrameBase {
  kind: "CONTINUATION";
  fragment: Uint8Array;
}

export interface AltsvcFrame extends FrameBase {
  kind: "ALTSVC";
  origin: string;
  fieldValue: string;
}

export interface OriginFrame extends FrameBase {
  kind: "ORIGIN";
  origins: string[];
}

export interface PriorityUpdateFrame extends FrameBase {
  kind: "PRIORITY_UPDATE";
  prioritizedStreamId: number;
  priorityFieldValue: string;
}

export interface UnknownFrame extends FrameBase {
  kind: "UNKNOWN";
  payload: Uint8Array;
}

export type Frame =
  | DataFrame | HeadersFrame | PriorityFrame | RstStreamFrame | SettingsFrame | PushPromiseFrame | PingFrame
  | GoawayFrame | WindowUpdateFrame | ContinuationFrame | AltsvcFrame | OriginFrame | PriorityUpdateFrame | UnknownFrame;

export type FrameKind = Frame["kind"];
