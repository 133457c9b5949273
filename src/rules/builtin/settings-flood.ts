// settings-flood: one side sends SETTINGS at flood rate, forcing the other to apply each and
// queue a SETTINGS ACK (CVE-2019-9515: "an empty SETTINGS frame is almost equivalent in behavior
// to a ping"); worst when the sender stops reading, so the ACKs cannot drain.
//
// Reported once per episode, when the threshold is crossed, with the numbers so far: a live
// reader needs the alert while the flood runs. The episode ends after a whole window without a
// SETTINGS from that side; a later flood is a new episode.

import type { Peer } from "../../http2/connection/stream-state.js";
import { FLAG_ACK } from "../../http2/frame/frame-types.js";
import { EpisodeWindow } from "../support/episode-window.js";
import { CONTROL_FRAME_QUEUE_LIMITS, noteReadPressure, notReadingText } from "../support/read-pressure.js";
import { defineRule, type EvidenceItem, type RuleContext, type RuleEvent } from "../rule.js";
import { formatNumber, formatSeconds, otherPeer } from "../support/describe.js";

type FrameEvent = Extract<RuleEvent, { kind: "h2.frame" }>;

interface Side {
  /** The sliding window and its episodes. */
  window: EpisodeWindow;
  settings: number;
  empty: number;
  /** SETTINGS ACKs the other side sent back. */
  acksReceived: number;
  /** Frames with more entries than nghttp2 accepts, and the largest of them. */
  oversized: number;
  largest: { entries: number; packet: number; timeUs: number } | undefined;
  zeroWindows: number;
  ackStalls: number;
  longestAckStallUs: number;
}

/** nghttp2 rejects a SETTINGS frame with more entries (NGHTTP2_DEFAULT_MAX_SETTINGS). */
const NGHTTP2_MAX_SETTINGS_ENTRIES = 32;

export const settingsFlood = defineRule<Record<Peer, Side>>({
  id: "settings-flood",
  events: ["h2.frame", "tcp.zero-window", "tcp.ack-stall"],
  frames: ["SETTINGS"],
  severity: "error",
  description: "One side sends SETTINGS frames at flood rate, so the other must apply and ACK each (CVE-2019-9515), worse when the sender is not reading",
  parameters: {
    settingsCount: {
      default: 1000,
      description: "SETTINGS (not ACKs) from one side within windowSeconds that make a flood. 1000 is where nghttp2 (queued ACKs) and Envoy " +
        "(max_outbound_control_frames) stop a peer that does not read; real peers send one at the start and rarely a few more",
    },
    windowSeconds: {
      default: 10,
      description: "Sliding window for settingsCount; a quiet window also ends an episode",
    },
  },
  createState: () => ({ client: newSide(), server: newSide() }),
  onEvent(event, state, context) {
    if (noteReadPressure(event, state, context.connection.tcp.clientDirection)) return;
    if (event.kind !== "h2.frame" || event.frame.kind !== "SETTINGS" || event.frame.streamId !== 0) return;
    if ((event.frame.flags & FLAG_ACK) !== 0) {
      state[otherPeer(event.sender)].acksReceived++;
      return;
    }
    onSettings(event, event.frame.settings.length, state[event.sender], context);
  },
});

function newSide(): Side {
  return {
    window: new EpisodeWindow(), settings: 0, empty: 0, acksReceived: 0, oversized: 0, largest: undefined,
    zeroWindows: 0, ackStalls: 0, longestAckStallUs: 0,
  };
}

function onSettings(event: FrameEvent, entries: number, side: Side, context: RuleContext): void {
  side.settings++;
  if (entries === 0) side.empty++;
  if (entries > NGHTTP2_MAX_SETTINGS_ENTRIES) side.oversized++;
  // Only frames nghttp2 would reject are reported: no record for the ordinary ones.
  if (entries > NGHTTP2_MAX_SETTINGS_ENTRIES && entries > (side.largest?.entries ?? 0)) side.largest = { entries, packet: event.packetNumber, timeUs: event.timeUs };
  const crossed = side.window.add(event.timeUs, event.packetNumber, context.params.windowSeconds! * 1e6, context.params.settingsCount!);
  if (crossed !== undefined) report(event, side, context, crossed.count, crossed.windowStartUs);
}

function report(event: FrameEvent, side: Side, context: RuleContext, inWindow: number, windowStartUs: number): void {
  const sender = event.sender;
  const receiver = otherPeer(sender);
  const spanUs = event.timeUs - windowStartUs;
  const ratePerSecond = inWindow / Math.max(spanUs / 1e6, 0.001);
  const missingAcks = Math.max(0, side.settings - side.acksReceived);
  const limits = CONTROL_FRAME_QUEUE_LIMITS;
  const fired = limits.filter((limit) => missingAcks > limit.limit);

  const emptyText = side.empty === side.settings ? "all of them empty" : side.empty > 0 ? `${formatNumber(side.empty)} of ${formatNumber(side.settings)} empty` : "none empty";
  // A few ACKs are always in flight; a tenth of the window unacknowledged is a queue.
  const acks = missingAcks >= Math.max(10, inWindow / 10)
    ? ` ${formatNumber(missingAcks)} of its ${formatNumber(side.settings)} SETTINGS have no ACK yet: the ACKs are not keeping up.`
    : ` The ${receiver} is keeping up (${missingAcks === 0 ? "every one acknowledged" : `${formatNumber(missingAcks)} not acknowledged yet`}).`;
  const worse = notReadingText(side, sender);
  const oversized = side.oversized > 0
    ? ` ${formatNumber(side.oversized)} frame${side.oversized === 1 ? " has" : "s have"} more than 32 entries (up to ${formatNumber(side.largest!.entries)}), which nghttp2 rejects outright.`
    : "";
  const message =
    `${side.window.episodes > 1 ? `Again (episode ${side.window.episodes}): the` : "The"} ${sender} sent ${formatNumber(inWindow)} SETTINGS frames within ${formatSeconds(spanUs)} ` +
    `(about ${formatNumber(Math.round(ratePerSecond))}/s, ${emptyText}); the ${receiver} must apply each and answer with a SETTINGS ACK, ` +
    `which makes even an empty SETTINGS a PING by another name (CVE-2019-9515).${acks}${worse}${oversized} ` +
    (fired.length > 0 ? `The missing ACKs are past the limit of ${fired.map((limit) => limit.what.split(":")[0]).join(" and ")}. ` : "") +
    "Real peers send one SETTINGS at the start and rarely a few more; servers cut such peers off at 1,000 queued ACKs (nghttp2, Envoy) or 10,000 (Go). To stop it, block the sender.";
  const evidence: EvidenceItem[] = [
    { what: `first SETTINGS of the ${formatSeconds(spanUs)} window from the ${sender}`, packet: side.window.firstPacket, time: side.window.firstUs / 1e6, sender },
    { what: `SETTINGS number ${formatNumber(inWindow)}: the threshold`, packet: event.packetNumber, time: event.timeUs / 1e6, sender },
    {
      what: "the flood so far",
      values: {
        settingsInWindow: inWindow, spanMs: spanUs / 1000, ratePerSecond: Math.round(ratePerSecond),
        settingsOnConnection: side.settings, emptySettings: side.empty, acksReceived: side.acksReceived, missingAcks,
        senderZeroWindows: side.zeroWindows, senderAckStalls: side.ackStalls, longestAckStallMs: side.longestAckStallUs / 1000,
      },
    },
    ...limits.map((limit): EvidenceItem => ({
      what: `${limit.what} (fires if the missing ACKs are queued at the ${receiver})`, values: { wouldFire: missingAcks > limit.limit, missingAcks, limit: limit.limit },
    })),
  ];
  if (side.largest !== undefined && side.largest.entries > NGHTTP2_MAX_SETTINGS_ENTRIES) {
    evidence.push({
      what: `largest SETTINGS frame: ${formatNumber(side.largest.entries)} entries; nghttp2 treats more than 32 (NGHTTP2_DEFAULT_MAX_SETTINGS) as a connection error and ends the connection`,
      packet: side.largest.packet, time: side.largest.timeUs / 1e6, sender, values: { entries: side.largest.entries, framesOver32: side.oversized, wouldFire: true },
    });
  }
  context.report({ sender, packetNumber: event.packetNumber, timeUs: event.timeUs, message, evidence });
}
