// An HTTP/2 frame as users see it: the stable NDJSON record of `h2scope frames` (README).

import { toHex } from "../bytes/hex.js";
import { errorCodeName, flagNames, frameTypeName, settingName } from "../http2/frame/frame-types.js";
import type { HeaderList, Http2Event } from "../http2/http2-events.js";
import { latin1 } from "../http2/frame/latin1.js";

type FrameEvent = Extract<Http2Event, { kind: "h2.frame" }>;
type AnomalyEvent = Extract<Http2Event, { kind: "h2.anomaly" }>;

export interface FrameRecord {
  kind: "frame";
  packet: number;
  /** Epoch seconds. */
  time: number;
  connection: number;
  src: string;
  dst: string;
  sender: "client" | "server";
  stream: number;
  type: string;
  flags: number;
  flagNames: string[];
  length: number;
  errorCode?: string;
  lastStreamId?: number;
  debugData?: string;
  windowIncrement?: number;
  settings?: Array<[string, number]>;
  ack?: boolean;
  opaque?: string;
  promisedStream?: number;
  padLength?: number;
  priority?: { exclusive: boolean; dependsOn: number; weight: number };
  headers?: HeaderList;
  tableSizeUpdates?: number[];
  connectionWindow?: number | null;
  streamWindow?: number | null;
  malformed?: string;
  damagedBytes?: number;
  anomalies?: Array<{ code: string; detail: string }>;
}

export interface AnomalyRecord {
  kind: "anomaly";
  packet: number;
  time: number;
  connection: number;
  sender: "client" | "server";
  stream: number | null;
  code: string;
  detail: string;
}

export function toFrameRecord(event: FrameEvent): FrameRecord {
  const frame = event.frame;
  const tcp = event.connection.tcp;
  const client = tcp.clientDirection === 0 ? tcp.a : tcp.b;
  const server = tcp.clientDirection === 0 ? tcp.b : tcp.a;
  const record: FrameRecord = {
    kind: "frame",
    packet: event.packetNumber,
    time: event.timeUs / 1e6,
    connection: tcp.id,
    src: event.sender === "client" ? client : server,
    dst: event.sender === "client" ? server : client,
    sender: event.sender,
    stream: frame.streamId,
    type: frameTypeName(frame.type),
    flags: frame.flags,
    flagNames: flagNames(frame.type, frame.flags),
    length: frame.length,
  };
  switch (frame.kind) {
    case "DATA":
      if (frame.padLength !== undefined) record.padLength = frame.padLength;
      break;
    case "HEADERS":
      if (frame.padLength !== undefined) record.padLength = frame.padLength;
      if (frame.priority !== undefined) record.priority = frame.priority;
      break;
    case "PRIORITY":
      if (frame.priority !== undefined) record.priority = frame.priority;
      break;
    case "RST_STREAM":
      record.errorCode = errorCodeName(frame.errorCode);
      break;
    case "SETTINGS":
      record.ack = (frame.flags & 1) !== 0;
      record.settings = frame.settings.map(([id, value]) => [settingName(id), value]);
      break;
    case "PUSH_PROMISE":
      if (frame.padLength !== undefined) record.padLength = frame.padLength;
      record.promisedStream = frame.promisedStreamId;
      break;
    case "PING":
      record.ack = (frame.flags & 1) !== 0;
      record.opaque = toHex(frame.opaque);
      break;
    case "GOAWAY":
      record.lastStreamId = frame.lastStreamId;
      record.errorCode = errorCodeName(frame.errorCode);
      record.debugData = latin1(frame.debugData);
      break;
    case "WINDOW_UPDATE":
      record.windowIncrement = frame.windowIncrement;
      break;
    default:
      break;
  }
  if (event.headers !== undefined) record.headers = event.headers;
  if (event.tableSizeUpdates !== undefined) record.tableSizeUpdates = event.tableSizeUpdates;
  if (event.windows !== undefined) {
    record.connectionWindow = event.windows.connectionWindow;
    if (frame.streamId !== 0) record.streamWindow = event.windows.streamWindow;
  }
  if (frame.malformed !== undefined) record.malformed = frame.malformed;
  if (event.damagedBytes > 0) record.damagedBytes = event.damagedBytes;
  return record;
}

/** Settings one side declared now govern the other side's frames (at the peer's ACK). */
export interface SettingsAppliedRecord {
  kind: "settings-applied";
  packet: number;
  time: number;
  connection: number;
  /** The side whose settings now apply (to what the other side sends). */
  declaredBy: "client" | "server";
  /** [name, previous value or null, new value] */
  changes: Array<[string, number | null, number]>;
  /** SETTINGS to ACK in milliseconds; null when implicit (h2c's 101). */
  roundTripMs: number | null;
  /** Stream windows moved by a SETTINGS_INITIAL_WINDOW_SIZE change (§6.9.2). */
  windowShifts: Array<{ stream: number; change: number; sizeAfter: number }>;
}

export function toSettingsAppliedRecord(event: Extract<Http2Event, { kind: "h2.settings-acked" }>, shifts: Array<Extract<Http2Event, { kind: "h2.window" }>>): SettingsAppliedRecord {
  return {
    kind: "settings-applied", packet: event.packetNumber, time: event.timeUs / 1e6, connection: event.connection.tcp.id,
    declaredBy: event.declaredBy, changes: event.changes, roundTripMs: event.roundTripUs === undefined ? null : event.roundTripUs / 1000,
    windowShifts: shifts.map((shift) => ({ stream: shift.streamId, change: shift.change, sizeAfter: shift.sizeAfter })),
  };
}

export function toAnomalyRecord(event: AnomalyEvent): AnomalyRecord {
  return {
    kind: "anomaly", packet: event.packetNumber, time: event.timeUs / 1e6, connection: event.connection.tcp.id,
    sender: event.sender, stream: event.streamId ?? null, code: event.code, detail: event.detail,
  };
}
