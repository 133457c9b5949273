// made-you-reset: the client completes a request, then sends a frame that forces the SERVER to
// reset the stream, over and over (MadeYouReset, CVE-2025-8671): the backend keeps working on
// requests that no longer count against the concurrency limit, and defences that count only
// resets *received* never fire.
//
// Reported once per connection, when the pattern first becomes clear (rate or share crossed),
// with the numbers so far. The share condition is cumulative over the connection, so a second
// "episode" would fire on its first reset; and servers defend per connection (mod_h2 closes it,
// h2o's budget is per connection), so the connection is the unit worth one alert.

import { errorCodeName, FLAG_END_STREAM } from "../../http2/frame/frame-types.js";
import type { Http2Event } from "../../http2/http2-events.js";
import { defineRule, type EvidenceItem, type RuleContext } from "../rule.js";
import { formatMs, formatNumber, listStreams } from "../support/describe.js";
import { SlidingRecords } from "../support/sliding-records.js";

type FrameEvent = Extract<Http2Event, { kind: "h2.frame" }>;

const PROTOCOL_ERROR = 0x1;
const FLOW_CONTROL_ERROR = 0x3;
const STREAM_CLOSED = 0x5;
const FRAME_SIZE_ERROR = 0x6;
/** The stream errors the primitives provoke (RFC 9113 §6.9, §6.3, §5.1, §4.2). */
const PROVOKED_CODES: ReadonlySet<number> = new Set([PROTOCOL_ERROR, FLOW_CONTROL_ERROR, STREAM_CLOSED, FRAME_SIZE_ERROR]);

type PrimitiveKind =
  | "WINDOW_UPDATE with increment 0"
  | "WINDOW_UPDATE overflowing the window"
  | "PRIORITY of the wrong size"
  | "PRIORITY depending on its own stream"
  | "DATA after END_STREAM"
  | "HEADERS after END_STREAM";

interface Primitive {
  kind: PrimitiveKind;
  packet: number;
  timeUs: number;
}

/** A client stream whose request is complete (END_STREAM) and whose response is not. */
interface Request {
  endedUs: number;
  primitive: Primitive | undefined;
}

interface MadeReset {
  streamId: number;
  primitive: Primitive;
  /** END_STREAM of the request to the primitive. */
  delayUs: number;
  errorCode: number;
  packet: number;
  timeUs: number;
}

interface State {
  clientStreams: number;
  highestClientStream: number;
  requests: Map<number, Request>;
  completed: number;
  /** Made at the server's first stream error: most connections never have one. */
  errors: ServerErrors | undefined;
}

/** The server's stream errors: the limits real servers put on them, and the provoked resets among them. */
interface ServerErrors {
  /** Provoked resets in the last window. */
  recent: SlidingRecords<MadeReset>;
  total: number;
  first: MadeReset | undefined;
  streams: number[];
  byPrimitive: Map<PrimitiveKind, number>;
  byCode: Map<number, number>;
  /** A sample of END_STREAM → primitive delays, for the median. */
  delaysUs: number[];
  /** Every stream error the server sent (the limits below count all of them). */
  serverStreamErrors: number;
  nghttp2: { tokens: number; lastUs: number; fired: boolean };
  nghttp2Old: { tokens: number; lastUs: number; fired: boolean };
  nettyWindowStartUs: number;
  nettyInWindow: number;
  nettyFired: boolean;
  h2oBudget: number;
  h2oFired: boolean;
  reported: boolean;
}

/** Requests remembered at once; older ones are dropped (bounded memory against a client that never lets them finish). */
const MAX_REQUESTS_TRACKED = 10_000;
const MAX_EXAMPLES = 64;
const H2O_BUDGET = 100;
const MOD_H2_MAX_STREAM_ERRORS = 8;
const RUST_H2_MAX_LOCAL_RESETS = 1024;
const NETTY_MAX_RST_PER_WINDOW = 200;
const NETTY_WINDOW_US = 30e6;

export const madeYouReset = defineRule<State>({
  id: "made-you-reset",
  events: ["h2.frame", "h2.anomaly"],
  severity: "error",
  description: "The client completes requests, then sends a frame that makes the server reset each stream, repeatedly (MadeYouReset, CVE-2025-8671)",
  parameters: {
    resetsPerWindow: {
      default: 10,
      description: "Server resets provoked within windowSeconds that make an attack. 10 per second is past Apache mod_h2's whole-connection " +
        "allowance (H2MaxStreamErrors 8); a buggy but benign client provokes a handful per connection",
    },
    windowSeconds: {
      default: 1,
      description: "Sliding window for resetsPerWindow; per second is how the researchers and nghttp2's glitch limiter (330/s) state rates",
    },
    minShareCount: {
      default: 10,
      description: "Provoked resets needed before the share condition counts, so three stale frames on a five-stream connection stay quiet",
    },
    minSharePercent: {
      default: 50,
      description: "Share of the client's streams ending in a provoked reset that makes an attack at any rate: the researchers' \"> 50% of streams\", the same ratio Envoy applies to premature resets",
    },
    maxPrimitiveDelayMs: {
      default: 1000,
      description: "The provoking frame must follow the request's END_STREAM within this. 1 s is Envoy's premature-reset lifetime, which its maintainers say also covers MadeYouReset; a stale frame long after is noise",
    },
  },
  createState: () => ({ clientStreams: 0, highestClientStream: 0, requests: new Map(), completed: 0, errors: undefined }),
  onEvent(event, state, context) {
    if (event.kind === "h2.anomaly") {
      // The overflow is known only once the window is computed: the anomaly follows its frame.
      if (event.code === "window-overflow" && event.sender === "client" && event.streamId !== undefined && event.streamId !== 0) {
        notePrimitive(state, context, event.streamId, "WINDOW_UPDATE overflowing the window", event.packetNumber, event.timeUs);
      }
      return;
    }
    if (event.kind !== "h2.frame") return;
    const frame = event.frame;
    const id = frame.streamId;
    if (id === 0) return;
    if (event.sender === "client") {
      onClientFrame(event, state, context);
      return;
    }
    if (frame.kind === "RST_STREAM") {
      if (!PROVOKED_CODES.has(frame.errorCode)) {
        state.requests.delete(id);
        return;
      }
      const errors = (state.errors ??= newServerErrors());
      countServerLimits(errors, event.timeUs);
      const request = state.requests.get(id);
      state.requests.delete(id);
      if (request?.primitive === undefined) return;
      onProvokedReset(event, state, errors, context, { streamId: id, primitive: request.primitive, delayUs: request.primitive.timeUs - request.endedUs, errorCode: frame.errorCode, packet: event.packetNumber, timeUs: event.timeUs });
    } else if ((frame.kind === "HEADERS" || frame.kind === "DATA") && (frame.flags & FLAG_END_STREAM) !== 0) {
      // The response is complete: a late client frame now is a stale one, not a way to cancel work.
      state.requests.delete(id);
      state.completed++;
      // Before the first stream error the budget is full: nothing to give back.
      if (state.errors !== undefined) state.errors.h2oBudget = Math.min(H2O_BUDGET, state.errors.h2oBudget + 1);
    }
  },
});

function onClientFrame(event: FrameEvent, state: State, context: RuleContext): void {
  const frame = event.frame;
  const id = frame.streamId;
  if (frame.kind === "HEADERS" && id % 2 === 1 && id > state.highestClientStream) {
    state.highestClientStream = id;
    state.clientStreams++;
  }
  if (frame.kind === "RST_STREAM") {
    state.requests.delete(id);
    return;
  }
  const request = state.requests.get(id);
  if (request !== undefined) {
    // The request was complete before this frame: is it one that forces a stream error?
    let kind: PrimitiveKind | undefined;
    if (frame.kind === "WINDOW_UPDATE" && frame.malformed === undefined && frame.windowIncrement === 0) kind = "WINDOW_UPDATE with increment 0";
    else if (frame.kind === "PRIORITY" && frame.malformed !== undefined) kind = "PRIORITY of the wrong size";
    else if (frame.kind === "PRIORITY" && frame.priority?.dependsOn === id) kind = "PRIORITY depending on its own stream";
    else if (frame.kind === "DATA") kind = "DATA after END_STREAM";
    else if (frame.kind === "HEADERS") kind = "HEADERS after END_STREAM";
    if (kind !== undefined) notePrimitive(state, context, id, kind, event.packetNumber, event.timeUs);
    return;
  }
  if ((frame.kind === "HEADERS" || frame.kind === "DATA") && (frame.flags & FLAG_END_STREAM) !== 0 && id % 2 === 1) {
    state.requests.set(id, { endedUs: event.timeUs, primitive: undefined });
    if (state.requests.size > MAX_REQUESTS_TRACKED) state.requests.delete(state.requests.keys().next().value!);
  }
}

function notePrimitive(state: State, context: RuleContext, streamId: number, kind: PrimitiveKind, packet: number, timeUs: number): void {
  const request = state.requests.get(streamId);
  if (request === undefined || request.primitive !== undefined) return;
  if (timeUs - request.endedUs > context.params.maxPrimitiveDelayMs! * 1000) return;
  request.primitive = { kind, packet, timeUs };
}

function newServerErrors(): ServerErrors {
  return {
    recent: new SlidingRecords(), total: 0, first: undefined, streams: [], byPrimitive: new Map(), byCode: new Map(), delaysUs: [], serverStreamErrors: 0,
    nghttp2: { tokens: 10_000, lastUs: Number.NaN, fired: false }, nghttp2Old: { tokens: 1000, lastUs: Number.NaN, fired: false },
    nettyWindowStartUs: Number.NEGATIVE_INFINITY, nettyInWindow: 0, nettyFired: false, h2oBudget: H2O_BUDGET, h2oFired: false, reported: false,
  };
}

function onProvokedReset(event: FrameEvent, state: State, errors: ServerErrors, context: RuleContext, reset: MadeReset): void {
  errors.total++;
  errors.first ??= reset;
  if (errors.streams.length < MAX_EXAMPLES) errors.streams.push(reset.streamId);
  if (errors.delaysUs.length < MAX_EXAMPLES * 16) errors.delaysUs.push(reset.delayUs);
  const byPrimitive = errors.byPrimitive;
  const byCode = errors.byCode;
  byPrimitive.set(reset.primitive.kind, (byPrimitive.get(reset.primitive.kind) ?? 0) + 1);
  byCode.set(reset.errorCode, (byCode.get(reset.errorCode) ?? 0) + 1);
  if (errors.reported) return;
  const windowUs = context.params.windowSeconds! * 1e6;
  const inWindow = errors.recent.add(reset, windowUs);
  const sharePercent = (100 * errors.total) / Math.max(1, state.clientStreams);
  const byRate = inWindow >= context.params.resetsPerWindow!;
  const byShare = errors.total >= context.params.minShareCount! && sharePercent > context.params.minSharePercent!;
  if (!byRate && !byShare) return;
  errors.reported = true;
  report(event, state, errors, context, inWindow, byRate);
  errors.recent.clear();
}

/** The server-side limits that count every stream error the server sends. */
function countServerLimits(errors: ServerErrors, timeUs: number): void {
  errors.serverStreamErrors++;
  takeToken(errors.nghttp2, timeUs, 10_000, 330);
  takeToken(errors.nghttp2Old, timeUs, 1000, 33);
  if (--errors.h2oBudget <= 0) errors.h2oFired = true;
  if (timeUs - errors.nettyWindowStartUs >= NETTY_WINDOW_US) {
    errors.nettyWindowStartUs = timeUs;
    errors.nettyInWindow = 0;
  }
  if (++errors.nettyInWindow > NETTY_MAX_RST_PER_WINDOW) errors.nettyFired = true;
}

function takeToken(bucket: { tokens: number; lastUs: number; fired: boolean }, timeUs: number, burst: number, perSecond: number): void {
  if (!Number.isNaN(bucket.lastUs)) bucket.tokens = Math.min(burst, bucket.tokens + ((timeUs - bucket.lastUs) / 1e6) * perSecond);
  bucket.lastUs = timeUs;
  if (bucket.tokens < 1) bucket.fired = true;
  else bucket.tokens -= 1;
}

function report(event: FrameEvent, state: State, errors: ServerErrors, context: RuleContext, inWindow: number, byRate: boolean): void {
  const first = errors.first!;
  const sharePercent = Math.round((100 * errors.total) / Math.max(1, state.clientStreams));
  const primitives = [...errors.byPrimitive].sort((a, b) => b[1] - a[1]);
  const [mainPrimitive, mainCount] = primitives[0]!;
  const codes = [...errors.byCode].sort((a, b) => b[1] - a[1]).map(([code, count]) => `${errorCodeName(code)} ×${formatNumber(count)}`).join(", ");
  const medianDelayUs = median(errors.delaysUs);
  const limits = serverLimits(errors);
  const fired = limits.filter((limit) => limit.wouldFire);
  const notYet = limits.filter((limit) => !limit.wouldFire);
  const spanUs = event.timeUs - first.timeUs;

  const how = primitives.length === 1 ? `a ${mainPrimitive}` : `a ${mainPrimitive} (${formatNumber(mainCount)} times) or another provoking frame`;
  const why = byRate
    ? `${formatNumber(inWindow)} of them within ${context.params.windowSeconds} s`
    : `${sharePercent}% of its ${formatNumber(state.clientStreams)} streams`;
  const message =
    `The client made the server reset ${formatNumber(errors.total)} streams in ${formatMs(spanUs)} (${why}): each time it completed a request ` +
    `(END_STREAM), then within a median ${formatMs(medianDelayUs)} sent ${how}, and the server answered RST_STREAM (${codes}). ` +
    "This is the MadeYouReset attack (CVE-2025-8671): the stream leaves the server's concurrency count while its backend keeps working, " +
    "and rapid-reset defences that count only resets the client sends never fire. " +
    (fired.length > 0 ? `Limits that would already have acted: ${fired.map((limit) => limit.summary).join("; ")}. ` : "") +
    (notYet.length > 0 ? `Not yet: ${notYet.map((limit) => limit.summary).join("; ")}. ` : "") +
    "To stop it: run a server release that counts the resets it sends (nghttp2 ≥ 1.67, Netty with the CVE-2025-55163 fix, h2o with PR #3502, Apache with H2MaxStreamErrors) and block this client.";

  const evidence: EvidenceItem[] = [
    {
      what: `first provoked reset: the client's ${first.primitive.kind}`, packet: first.primitive.packet, time: first.primitive.timeUs / 1e6,
      stream: first.streamId, sender: "client", values: { primitive: first.primitive.kind, msAfterEndStream: first.delayUs / 1000 },
    },
    {
      what: `the server's RST_STREAM ${errorCodeName(first.errorCode)} that followed`, packet: first.packet, time: first.timeUs / 1e6,
      stream: first.streamId, sender: "server", values: { msAfterPrimitive: (first.timeUs - first.primitive.timeUs) / 1000 },
    },
    {
      what: `the reset that crossed the threshold: stream ${event.frame.streamId}`, packet: event.packetNumber, time: event.timeUs / 1e6,
      stream: event.frame.streamId, sender: "server",
    },
    {
      what: `provoked resets so far on streams ${listStreams(errors.streams)}`,
      values: {
        provokedResets: errors.total,
        inLastWindow: inWindow,
        clientStreams: state.clientStreams,
        sharePercent,
        medianMsAfterEndStream: medianDelayUs / 1000,
        errorCodes: codes,
        ...Object.fromEntries(primitives.map(([kind, count]) => [kind, count])),
        completedResponses: state.completed,
      },
    },
    ...limits.map((limit): EvidenceItem => ({ what: limit.limit, values: { wouldFire: limit.wouldFire, ...limit.values } })),
  ];
  context.report({ sender: "client", packetNumber: event.packetNumber, timeUs: event.timeUs, message, evidence });
}

interface ServerLimit {
  limit: string;
  wouldFire: boolean;
  summary: string;
  values: Record<string, number | string>;
}

function serverLimits(errors: ServerErrors): ServerLimit[] {
  const count = errors.serverStreamErrors;
  return [
    {
      limit: "Apache mod_h2 H2MaxStreamErrors: more than 8 client-caused stream errors → connection closed",
      wouldFire: count > MOD_H2_MAX_STREAM_ERRORS,
      summary: `Apache mod_h2 (${count} stream errors, limit 8)`,
      values: { streamErrors: count },
    },
    {
      limit: "h2o: reset budget 100, -1 per reset it sends for the client's fault, +1 per completed response; at 0 requests are delayed 100 ms",
      wouldFire: errors.h2oFired,
      summary: `h2o (budget ${Math.max(0, errors.h2oBudget)} of 100 left${errors.h2oFired ? ": spent, requests delayed" : ""})`,
      values: { budgetLeft: Math.max(0, errors.h2oBudget) },
    },
    {
      limit: "nghttp2 ≥ 1.69 glitch limiter: burst 10,000, refill 330/s → GOAWAY ENHANCE_YOUR_CALM",
      wouldFire: errors.nghttp2.fired,
      summary: `nghttp2 ≥ 1.69 (${formatNumber(Math.floor(errors.nghttp2.tokens))} of 10,000 tokens left)`,
      values: { tokensLeft: Math.floor(errors.nghttp2.tokens) },
    },
    {
      limit: "nghttp2 1.67–1.68 glitch limiter: burst 1,000, refill 33/s → GOAWAY ENHANCE_YOUR_CALM",
      wouldFire: errors.nghttp2Old.fired,
      summary: `nghttp2 1.67 (${formatNumber(Math.floor(errors.nghttp2Old.tokens))} of 1,000 tokens left)`,
      values: { tokensLeft: Math.floor(errors.nghttp2Old.tokens) },
    },
    {
      limit: "Netty (CVE-2025-55163 fix): more than 200 RST_STREAM sent or received per 30 s → GOAWAY ENHANCE_YOUR_CALM",
      wouldFire: errors.nettyFired,
      summary: `Netty (${errors.nettyInWindow} of 200 resets in its 30 s window)`,
      values: { resetsInWindow: errors.nettyInWindow },
    },
    {
      limit: "Rust h2: more than 1,024 resets it generated over the connection's life → GOAWAY ENHANCE_YOUR_CALM \"too_many_internal_resets\"",
      wouldFire: count > RUST_H2_MAX_LOCAL_RESETS,
      summary: `Rust h2 (${count} of 1,024 local resets)`,
      values: { localResets: count },
    },
  ];
}

function median(values: number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}
