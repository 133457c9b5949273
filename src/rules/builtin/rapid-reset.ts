// rapid-reset: the client opens streams and cancels them before the server answers, far faster
// than any browser or RPC client does (HTTP/2 Rapid Reset, CVE-2023-44487).
//
// Reported once per episode, when the threshold is crossed, with the numbers so far: a live
// reader needs the alert while the flood runs, not when the connection ends. The episode ends
// after a whole window without a premature reset; a later burst is a new episode.

import { errorCodeName, FLAG_END_STREAM, SETTINGS_MAX_CONCURRENT_STREAMS, settingName } from "../../http2/frame/frame-types.js";
import type { Http2Event } from "../../http2/http2-events.js";
import { defineRule, type EvidenceItem, type RuleContext } from "../rule.js";
import { formatMs, formatNumber } from "../support/describe.js";
import { SlidingRecords } from "../support/sliding-records.js";

type FrameEvent = Extract<Http2Event, { kind: "h2.frame" }>;

/** One stream the client cancelled before any response. */
interface PrematureReset {
  streamId: number;
  packet: number;
  timeUs: number;
  lifetimeUs: number;
}

/** What a server's own defence would have made of this connection so far. */
interface ServerLimit {
  server: string;
  limit: string;
  /** null when it depends on something a capture cannot show (handler time). */
  wouldFire: boolean | null;
  /** Short wording for the message: the limit, or how far it still is. */
  summary: string;
  /** Inferred from packets rather than counted as the server counts: named when it fires, not as "not yet". */
  approximate: boolean;
  values: Record<string, number | string | boolean | null>;
}

interface State {
  /** Streams the client opened on this connection, and the highest id among them. */
  clientStreams: number;
  highestClientStream: number;
  /** Every RST_STREAM from the client, premature or not (what nghttp2 and Netty count). */
  clientResets: number;
  prematureResets: number;
  /** Error codes of the premature resets; made at the first (most connections have none). */
  codes: Map<number, number> | undefined;
  /** Premature resets in the sliding window (not kept once reported); made at the first. */
  recent: SlidingRecords<PrematureReset> | undefined;
  reported: boolean;
  episodes: number;
  lastPrematureUs: number;
  /** nghttp2 ≥ 1.57: a token bucket on received RST_STREAM (burst 1000, refill 33/s). */
  nghttp2Tokens: number;
  nghttp2LastUs: number;
  nghttp2Fired: boolean;
  /** Netty ≥ 4.1.100: RST_STREAM frames per 30 s window, counted from the window's first. */
  nettyWindowStartUs: number;
  nettyInWindow: number;
  nettyFired: boolean;
  /** h2o: reset_budget, -1 per peer reset, +1 per completed response. */
  h2oBudget: number;
  h2oFired: boolean;
  /** Most streams the client opened in one packet, and premature resets in one packet. */
  packet: number;
  streamsInPacket: number;
  resetsInPacket: number;
  maxStreamsInPacket: number;
  maxResetsInPacket: number;
  /** The server's SETTINGS_MAX_CONCURRENT_STREAMS, once the client acknowledged it. */
  serverMaxConcurrentStreams: number | undefined;
}

const NGHTTP2_BURST = 1000;
const NGHTTP2_REFILL_PER_SECOND = 33;
const NETTY_MAX_RST_PER_WINDOW = 200;
const NETTY_WINDOW_US = 30e6;
const H2O_BUDGET = 100;
const ENVOY_MIN_STREAMS = 500;
const RUST_H2_MAX_PENDING_ACCEPT_RESETS = 20;
const NGINX_DEFAULT_CONCURRENT_STREAMS = 128;
const GO_DEFAULT_MAX_CONCURRENT_STREAMS = 250;

export const rapidReset = defineRule<State>({
  id: "rapid-reset",
  events: ["h2.frame", "h2.settings-acked"],
  frames: ["HEADERS", "DATA", "RST_STREAM"],
  severity: "error",
  description: "The client opens streams and cancels them with RST_STREAM before the server answers, at flood rate (HTTP/2 Rapid Reset, CVE-2023-44487)",
  parameters: {
    resetCount: {
      default: 100,
      description: "Premature resets within windowSeconds that make a flood. 100 in 1 s is 15× Netty's limit (200 RST_STREAM per 30 s) and 5× " +
        "Rust h2's 20 pending resets; browsers cancel a handful of requests on navigation, spread over a page load",
    },
    windowSeconds: {
      default: 1,
      description: "Sliding window for resetCount; a quiet window also ends an episode. 1 s matches the per-second rates servers budget (nghttp2 refills 33 resets/s)",
    },
    maxLifetimeMs: {
      default: 1000,
      description: "A reset counts as premature when the stream lived less than this and had no response yet. 1 s is Envoy's " +
        "overload.premature_reset_min_stream_lifetime_seconds; gRPC deadlines and browser cancels usually come after the response started",
    },
    minPrematureSharePercent: {
      default: 50,
      description: "Share of the client's streams on this connection that must have ended in a premature reset. Envoy closes the connection " +
        "past 50%; a busy client whose deadlines cancel a burst among thousands of answered calls stays far below",
    },
  },
  createState: () => ({
    clientStreams: 0, highestClientStream: 0, clientResets: 0, prematureResets: 0, codes: undefined,
    recent: undefined, reported: false, episodes: 0, lastPrematureUs: Number.NEGATIVE_INFINITY,
    nghttp2Tokens: NGHTTP2_BURST, nghttp2LastUs: Number.NaN, nghttp2Fired: false,
    nettyWindowStartUs: Number.NEGATIVE_INFINITY, nettyInWindow: 0, nettyFired: false,
    h2oBudget: H2O_BUDGET, h2oFired: false,
    packet: -1, streamsInPacket: 0, resetsInPacket: 0, maxStreamsInPacket: 0, maxResetsInPacket: 0,
    serverMaxConcurrentStreams: undefined,
  }),
  onEvent(event, state, context) {
    if (event.kind === "h2.settings-acked") {
      if (event.declaredBy !== "server") return;
      const change = event.changes.find(([name]) => name === settingName(SETTINGS_MAX_CONCURRENT_STREAMS));
      if (change !== undefined) state.serverMaxConcurrentStreams = change[2];
      return;
    }
    if (event.kind !== "h2.frame") return;
    const frame = event.frame;
    if (event.packetNumber !== state.packet) {
      state.packet = event.packetNumber;
      state.streamsInPacket = 0;
      state.resetsInPacket = 0;
    }
    if (event.sender === "server") {
      // h2o gives a reset back to the budget for every request it completes.
      if ((frame.kind === "HEADERS" || frame.kind === "DATA") && (frame.flags & FLAG_END_STREAM) !== 0 && frame.streamId % 2 === 1) {
        state.h2oBudget = Math.min(H2O_BUDGET, state.h2oBudget + 1);
      }
      return;
    }
    if (frame.kind === "HEADERS" && frame.streamId % 2 === 1 && frame.streamId > state.highestClientStream) {
      state.highestClientStream = frame.streamId;
      state.clientStreams++;
      state.maxStreamsInPacket = Math.max(state.maxStreamsInPacket, ++state.streamsInPacket);
      return;
    }
    if (frame.kind !== "RST_STREAM") return;
    state.clientResets++;
    countServerLimits(state, event.timeUs);
    const record = context.streams.get(frame.streamId);
    // The timeline is already updated: this reset is the stream's first only if it is recorded as such.
    if (record === undefined || record.openedBy !== "client" || record.reset?.packet !== event.packetNumber || record.reset.by !== "client") return;
    if (record.responseUs !== undefined) return;
    const lifetimeUs = event.timeUs - record.openedUs;
    if (lifetimeUs >= context.params.maxLifetimeMs! * 1000) return;

    state.prematureResets++;
    const codes = (state.codes ??= new Map());
    codes.set(frame.errorCode, (codes.get(frame.errorCode) ?? 0) + 1);
    state.maxResetsInPacket = Math.max(state.maxResetsInPacket, ++state.resetsInPacket);
    state.h2oBudget--;
    if (state.h2oBudget <= 0) state.h2oFired = true;
    const windowUs = context.params.windowSeconds! * 1e6;
    if (event.timeUs - state.lastPrematureUs > windowUs) {
      // A whole window without one: any earlier episode is over.
      state.reported = false;
      state.recent?.clear();
    }
    state.lastPrematureUs = event.timeUs;
    if (state.reported) return;
    const recent = (state.recent ??= new SlidingRecords());
    const inWindow = recent.add({ streamId: frame.streamId, packet: event.packetNumber, timeUs: event.timeUs, lifetimeUs }, windowUs);
    const sharePercent = (100 * state.prematureResets) / Math.max(1, state.clientStreams);
    if (inWindow < context.params.resetCount! || sharePercent < context.params.minPrematureSharePercent!) return;
    state.reported = true;
    state.episodes++;
    report(event, state, context, recent.inWindow());
    recent.clear();
  },
});

/** The limits that count every RST_STREAM the client sends, updated per reset. */
function countServerLimits(state: State, timeUs: number): void {
  if (!Number.isNaN(state.nghttp2LastUs)) {
    state.nghttp2Tokens = Math.min(NGHTTP2_BURST, state.nghttp2Tokens + ((timeUs - state.nghttp2LastUs) / 1e6) * NGHTTP2_REFILL_PER_SECOND);
  }
  state.nghttp2LastUs = timeUs;
  if (state.nghttp2Tokens < 1) state.nghttp2Fired = true;
  else state.nghttp2Tokens -= 1;
  if (timeUs - state.nettyWindowStartUs >= NETTY_WINDOW_US) {
    state.nettyWindowStartUs = timeUs;
    state.nettyInWindow = 0;
  }
  if (++state.nettyInWindow > NETTY_MAX_RST_PER_WINDOW) state.nettyFired = true;
}

function report(event: FrameEvent, state: State, context: RuleContext, window: PrematureReset[]): void {
  const first = window[0]!;
  const last = window.at(-1)!;
  const spanUs = last.timeUs - first.timeUs;
  const ratePerSecond = window.length / Math.max(spanUs / 1e6, context.params.windowSeconds! / 1000);
  const medianLifetimeUs = median(window.map((reset) => reset.lifetimeUs));
  const sharePercent = Math.round((100 * state.prematureResets) / Math.max(1, state.clientStreams));
  const rttUs = roundTripUs(context);
  const limits = serverLimits(state);
  const fired = limits.filter((limit) => limit.wouldFire === true);
  const notYet = limits.filter((limit) => limit.wouldFire === false && !limit.approximate);
  const codes = [...(state.codes ?? [])].sort((a, b) => b[1] - a[1]).map(([code, count]) => `${errorCodeName(code)} ×${formatNumber(count)}`).join(", ");

  const within = spanUs === 0 ? "in a single packet" : `within ${formatMs(spanUs)} (about ${formatNumber(Math.round(ratePerSecond))}/s)`;
  const belowRtt = rttUs !== undefined && medianLifetimeUs < rttUs ? `, below the ${formatMs(rttUs)} round trip: it never waited for an answer` : "";
  const message =
    `${state.episodes > 1 ? `Again (episode ${state.episodes}): the` : "The"} client opened and cancelled ${formatNumber(window.length)} streams ${within}, ` +
    `each with RST_STREAM before the server sent a response (median lifetime ${formatMs(medianLifetimeUs)}${belowRtt}); ` +
    `${sharePercent}% of its ${formatNumber(state.clientStreams)} streams on this connection ended this way. ` +
    "This is the HTTP/2 Rapid Reset attack (CVE-2023-44487): each cancelled request still costs the server, and often its backend, " +
    "the work of starting it, while the client's concurrent-stream limit never fills. " +
    (fired.length > 0 ? `Server limits that would already have acted: ${fired.map((limit) => `${limit.server} (${limit.summary})`).join("; ")}. ` : "No server's rapid-reset limit would have fired yet. ") +
    (notYet.length > 0 ? `Not yet: ${notYet.map((limit) => `${limit.server} (${limit.summary})`).join("; ")}. ` : "") +
    "To stop it: run a server release with rapid-reset limits (nghttp2 ≥ 1.57, Envoy ≥ 1.24.11, nginx ≥ 1.25.3, Go x/net ≥ 0.17, Netty ≥ 4.1.100) and block or rate-limit this client.";

  const evidence: EvidenceItem[] = [
    resetEvidence(first, "first premature reset of the episode"),
    resetEvidence(last, `reset number ${formatNumber(window.length)} within ${formatMs(spanUs)}: the threshold`),
    {
      what: "the episode so far",
      values: {
        count: window.length,
        spanMs: spanUs / 1000,
        ratePerSecond: Math.round(ratePerSecond),
        medianLifetimeMs: medianLifetimeUs / 1000,
        roundTripMs: rttUs === undefined ? null : rttUs / 1000,
        firstStream: first.streamId,
        lastStream: last.streamId,
        prematureResets: state.prematureResets,
        clientStreams: state.clientStreams,
        prematureSharePercent: sharePercent,
        clientResets: state.clientResets,
        errorCodes: codes,
        mostStreamsInOnePacket: state.maxStreamsInPacket,
      },
    },
    ...limits.map((limit): EvidenceItem => ({ what: `${limit.server}: ${limit.limit}`, values: { wouldFire: limit.wouldFire, ...limit.values } })),
  ];
  context.report({ sender: "client", packetNumber: event.packetNumber, timeUs: event.timeUs, message, evidence });
}

function serverLimits(state: State): ServerLimit[] {
  const share = state.prematureResets / Math.max(1, state.clientStreams);
  const advertised = state.serverMaxConcurrentStreams;
  const nginxPerRead = 2 * (advertised ?? NGINX_DEFAULT_CONCURRENT_STREAMS);
  const goQueue = 4 * (advertised ?? GO_DEFAULT_MAX_CONCURRENT_STREAMS);
  const tokens = Math.floor(state.nghttp2Tokens);
  return [
    {
      server: "nghttp2", limit: "≥ 1.57 token bucket on received RST_STREAM (burst 1000, refill 33/s) → GOAWAY INTERNAL_ERROR",
      wouldFire: state.nghttp2Fired,
      summary: state.nghttp2Fired ? "1,000-reset burst at 33/s" : `${formatNumber(tokens)} of 1,000 tokens left`,
      approximate: false,
      values: { tokensLeft: tokens, clientResets: state.clientResets },
    },
    {
      server: "Netty", limit: "≥ 4.1.100: more than 200 RST_STREAM per 30 s → GOAWAY ENHANCE_YOUR_CALM \"Maximum number of RST frames reached\"",
      wouldFire: state.nettyFired,
      summary: state.nettyFired ? "200 RST_STREAM per 30 s" : `${state.nettyInWindow} of 200 resets in its 30 s window`,
      approximate: false,
      values: { resetsInWindow: state.nettyInWindow },
    },
    {
      server: "Envoy", limit: "≥ 1.24.11: after 500 streams, more than 50% reset within 1 s of opening → GOAWAY and close",
      wouldFire: state.clientStreams >= ENVOY_MIN_STREAMS && share > 0.5,
      summary: state.clientStreams >= ENVOY_MIN_STREAMS ? `${Math.round(share * 100)}% premature over ${formatNumber(state.clientStreams)} streams` : `needs 500 streams, ${formatNumber(state.clientStreams)} so far`,
      approximate: false,
      values: { streams: state.clientStreams, prematureSharePercent: Math.round(share * 100) },
    },
    {
      server: "Rust h2", limit: "more than 20 reset streams waiting for the application to accept them → GOAWAY ENHANCE_YOUR_CALM \"too_many_resets\" (approximated by resets arriving in one packet)",
      wouldFire: state.maxResetsInPacket > RUST_H2_MAX_PENDING_ACCEPT_RESETS,
      summary: `${state.maxResetsInPacket} resets in one packet, limit 20 pending`,
      approximate: true,
      values: { mostResetsInOnePacket: state.maxResetsInPacket },
    },
    {
      server: "nginx", limit: `≥ 1.25.3: more than 2 × max_concurrent_streams (${formatNumber(nginxPerRead)}) new streams in one read → REFUSED_STREAM, then GOAWAY (approximated by streams opened in one packet)`,
      wouldFire: state.maxStreamsInPacket > nginxPerRead,
      summary: `${state.maxStreamsInPacket} new streams in one packet, limit ${formatNumber(nginxPerRead)}`,
      approximate: true,
      values: { mostStreamsInOnePacket: state.maxStreamsInPacket, limit: nginxPerRead },
    },
    {
      server: "h2o", limit: "reset_budget 100: -1 per premature client reset, +1 per completed response; at 0 it delays requests by 100 ms (no GOAWAY)",
      wouldFire: state.h2oFired,
      summary: state.h2oFired ? "reset budget of 100 spent: requests delayed, connection kept" : `reset budget ${Math.max(0, state.h2oBudget)} of 100 left`,
      approximate: false,
      values: { budgetLeft: Math.max(0, state.h2oBudget) },
    },
    {
      server: "Go", limit: `x/net ≥ 0.17: more than 4 × MAX_CONCURRENT_STREAMS (${formatNumber(goQueue)}) handlers waiting → GOAWAY ENHANCE_YOUR_CALM; depends on how long handlers run, which a capture does not show`,
      wouldFire: null,
      summary: "depends on handler time",
      approximate: true,
      values: { limit: goQueue },
    },
  ];
}

function resetEvidence(reset: PrematureReset, what: string): EvidenceItem {
  return {
    what: `${what} (RST_STREAM from the client)`, packet: reset.packet, time: reset.timeUs / 1e6, stream: reset.streamId, sender: "client",
    values: { lifetimeMs: reset.lifetimeUs / 1000 },
  };
}

/** The connection's round trip from PING or SETTINGS exchanges, when one was seen. */
function roundTripUs(context: RuleContext): number | undefined {
  const samples = context.connection.pingRoundTripsMs.length > 0 ? context.connection.pingRoundTripsMs : context.connection.settingsRoundTripsMs;
  return samples.length === 0 ? undefined : median(samples) * 1000;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}
