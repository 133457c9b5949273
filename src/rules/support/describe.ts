// Shared wording and evidence helpers for rule messages.

import type { Peer } from "../../http2/connection/stream-state.js";
import type { Http2Event } from "../../http2/http2-events.js";
import { errorCodeName, frameTypeName } from "../../http2/frame/frame-types.js";
import type { EvidenceItem } from "../rule.js";

export function otherPeer(peer: Peer): Peer {
  return peer === "client" ? "server" : "client";
}

/** 2147483648 → "2,147,483,648". */
export function formatNumber(value: number): string {
  return value.toLocaleString("en-US");
}

/** Milliseconds with sensible precision. */
export function formatMs(us: number): string {
  const ms = us / 1000;
  return ms >= 100 ? `${Math.round(ms)} ms` : `${ms.toFixed(1)} ms`;
}

export function formatSeconds(us: number): string {
  return `${(us / 1e6).toFixed(us >= 10e6 ? 1 : 2)} s`;
}

/** Evidence for one frame: its type, stream, packet, time and the given values. */
export function frameEvidence(event: Extract<Http2Event, { kind: "h2.frame" }>, what: string, values?: EvidenceItem["values"]): EvidenceItem {
  const frame = event.frame;
  const item: EvidenceItem = {
    what: `${what}: ${frameTypeName(frame.type)}${frame.kind === "RST_STREAM" || frame.kind === "GOAWAY" ? ` ${errorCodeName(frame.errorCode)}` : ""} from the ${event.sender}`,
    packet: event.packetNumber,
    time: event.timeUs / 1e6,
    sender: event.sender,
  };
  if (frame.streamId !== 0) item.stream = frame.streamId;
  if (values !== undefined) item.values = values;
  return item;
}

/** Stream ids as "1, 3, 5 … 99 (50 streams)" for messages. */
export function listStreams(ids: number[], max = 8): string {
  if (ids.length <= max) return ids.join(", ");
  return `${ids.slice(0, max).join(", ")} … ${ids.at(-1)} (${ids.length} streams)`;
}
