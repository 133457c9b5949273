// ping-flood: one side sends PINGs at flood rate, forcing the other to queue a PING ACK for each
// (CVE-2019-9512); worst when the sender stops reading, so the ACKs cannot drain.
//
// Reported once per episode, when the threshold is crossed, with the numbers so far: a live
// reader needs the alert while the flood runs. The episode ends after a whole window without a
// PING from that side; a later flood is a new episode.

import type { Peer } from "../../http2/connection/stream-state.js";
import { FLAG_ACK } from "../../http2/frame/frame-types.js";
import { EpisodeWindow } from "../support/episode-window.js";
import { CONTROL_FRAME_QUEUE_LIMITS, noteReadPressure, notReadingText } from "../support/read-pressure.js";
import { defineRule, type EvidenceItem, type RuleContext, type RuleEvent } from "../rule.js";
import { formatNumber, formatSeconds, otherPeer } from "../support/describe.js";

type FrameEvent = Extract<RuleEvent, { kind: "h2.frame" }>;

interface Side {
  /** The sliding window and its episodes; made at the side's first PING. */
  window: EpisodeWindow | undefined;
  pings: number;
  /** PING ACKs the other side sent back. */
  acksReceived: number;
  /** This side advertised a zero TCP window (its receive buffer is full: it is not reading). */
  zeroWindows: number;
  /** The other side's data waited for this side's TCP ACKs (longest stall). */
  ackStalls: number;
  longestAckStallUs: number;
  /** Opaque payloads seen, hex → count (bounded), to recognise library pings; made at the first PING. */
  payloads: Map<string, number> | undefined;
}

/** Payloads libraries use (failure-signatures §0): a flood of these is a library, not a tool. */
const KNOWN_PAYLOADS: Record<string, string> = {
  "0104010800030309": "grpc-go graceful-shutdown ping",
  "02041010090e0707": "grpc-go BDP-estimator ping",
  "0b7ba2f08b9bfe54": "Rust h2 graceful-shutdown ping",
  "3b7cdb7a0b8716b4": "Rust h2 user ping",
};
const MAX_PAYLOADS_KEPT = 64;

export const pingFlood = defineRule<Record<Peer, Side>>({
  id: "ping-flood",
  events: ["h2.frame", "tcp.zero-window", "tcp.ack-stall"],
  frames: ["PING"],
  severity: "error",
  description: "One side sends PINGs at flood rate, so the other must queue an ACK for each (CVE-2019-9512), worse when the sender is not reading",
  parameters: {
    pingCount: {
      default: 1000,
      description: "PINGs (not ACKs) from one side within windowSeconds that make a flood. 1000 is where nghttp2 (queued ACKs) and Envoy " +
        "(max_outbound_control_frames) stop a peer that does not read; grpc-go BDP pings and Go's PING per cancelled request stay at a few per second",
    },
    windowSeconds: {
      default: 10,
      description: "Sliding window for pingCount (100 PINGs/s sustained); a quiet window also ends an episode",
    },
  },
  createState: () => ({ client: newSide(), server: newSide() }),
  onEvent(event, state, context) {
    if (noteReadPressure(event, state, context.connection.tcp.clientDirection)) return;
    if (event.kind !== "h2.frame" || event.frame.kind !== "PING" || event.frame.malformed !== undefined) return;
    if ((event.frame.flags & FLAG_ACK) !== 0) {
      state[otherPeer(event.sender)].acksReceived++;
      return;
    }
    onPing(event, event.frame.opaque, state[event.sender], context);
  },
});

function newSide(): Side {
  return {
    window: undefined, pings: 0, acksReceived: 0, zeroWindows: 0, ackStalls: 0, longestAckStallUs: 0, payloads: undefined,
  };
}

function onPing(event: FrameEvent, opaque: Uint8Array, side: Side, context: RuleContext): void {
  side.pings++;
  const key = Buffer.from(opaque).toString("hex");
  const payloads = (side.payloads ??= new Map());
  if (payloads.has(key) || payloads.size < MAX_PAYLOADS_KEPT) payloads.set(key, (payloads.get(key) ?? 0) + 1);
  const crossed = (side.window ??= new EpisodeWindow()).add(event.timeUs, event.packetNumber, context.params.windowSeconds! * 1e6, context.params.pingCount!);
  if (crossed !== undefined) report(event, side, context, crossed.count, crossed.windowStartUs);
}

function report(event: FrameEvent, side: Side, context: RuleContext, inWindow: number, windowStartUs: number): void {
  // Made at the first PING, before any crossing.
  const window = side.window!;
  const sender = event.sender;
  const receiver = otherPeer(sender);
  const spanUs = event.timeUs - windowStartUs;
  const ratePerSecond = inWindow / Math.max(spanUs / 1e6, 0.001);
  const backlog = Math.max(0, side.pings - side.acksReceived);
  const payloads = side.payloads!;
  const [topPayload, topCount] = [...payloads].sort((a, b) => b[1] - a[1])[0]!;
  const library = KNOWN_PAYLOADS[topPayload];
  const limits = CONTROL_FRAME_QUEUE_LIMITS;
  const fired = limits.filter((limit) => backlog > limit.limit);

  const worse = notReadingText(side, sender);
  // A few ACKs are always in flight; a tenth of the window unanswered is a queue.
  const lag = backlog >= Math.max(10, inWindow / 10)
    ? ` ${formatNumber(backlog)} of its ${formatNumber(side.pings)} PINGs have no ACK yet: the ACKs are not keeping up.`
    : ` The ${receiver} is keeping up (${backlog === 0 ? "every one answered" : `${formatNumber(backlog)} not answered yet`}).`;
  const message =
    `${window.episodes > 1 ? `Again (episode ${window.episodes}): the` : "The"} ${sender} sent ${formatNumber(inWindow)} PINGs within ${formatSeconds(spanUs)} ` +
    `(about ${formatNumber(Math.round(ratePerSecond))}/s); the ${receiver} must answer each with a PING ACK (CVE-2019-9512).${lag}${worse} ` +
    (library !== undefined && topCount * 2 > side.pings ? `Most carry the ${library} payload: look at that library's keepalive or BDP settings. ` : "") +
    (fired.length > 0 ? `The unanswered backlog is past the limit of ${fired.map((limit) => limit.what.split(":")[0]).join(" and ")}. ` : "") +
    "Servers cut such peers off at 1,000 queued ACKs (nghttp2, Envoy) or 10,000 (Go); to stop it, fix the sender's keepalive interval or block it.";
  const evidence: EvidenceItem[] = [
    { what: `first PING of the ${formatSeconds(spanUs)} window from the ${sender}`, packet: window.firstPacket, time: window.firstUs / 1e6, sender },
    { what: `PING number ${formatNumber(inWindow)}: the threshold`, packet: event.packetNumber, time: event.timeUs / 1e6, sender },
    {
      what: "the flood so far",
      values: {
        pingsInWindow: inWindow, spanMs: spanUs / 1000, ratePerSecond: Math.round(ratePerSecond),
        pingsOnConnection: side.pings, acksReceived: side.acksReceived, unackedBacklog: backlog,
        senderZeroWindows: side.zeroWindows, senderAckStalls: side.ackStalls, longestAckStallMs: side.longestAckStallUs / 1000,
        distinctPayloads: payloads.size, commonestPayload: topPayload, commonestPayloadCount: topCount, library: library ?? null,
      },
    },
    ...limits.map((limit): EvidenceItem => ({ what: `${limit.what} (fires if the unanswered PINGs are ACKs queued at the ${receiver})`, values: { wouldFire: backlog > limit.limit, unackedBacklog: backlog, limit: limit.limit } })),
  ];
  context.report({ sender, packetNumber: event.packetNumber, timeUs: event.timeUs, message, evidence });
}
