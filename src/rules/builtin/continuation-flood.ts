// continuation-flood: a header block spread over too many CONTINUATION frames, too many octets,
// or never ended (CONTINUATION flood, VU#421644; RFC 9113 §6.10). HEADERS and CONTINUATION are
// not flow-controlled, and a receiver must keep the block until it ends, so one request that
// never completes can fill its memory without ever reaching an access log.
//
// One finding per block, at most one per side per connection (the first flood is the proof;
// every later block would bury it). It is reported once the block ended and the receiver had
// reactionWaitSeconds to react, at once when the receiver reacts, or reactionWaitSeconds after
// the threshold was crossed if the block is still open: a live reader learns of a flood within
// about a second, and the finding says how the block ended and what the receiver did when that
// is known.

import { errorCodeName, FLAG_END_HEADERS, frameTypeName, SETTINGS_MAX_HEADER_LIST_SIZE, settingName } from "../../http2/frame/frame-types.js";
import type { Peer } from "../../http2/connection/stream-state.js";
import { stillOpenAtClose, type CloseReason } from "../../tcp/tcp-events.js";
import { defineRule, type EvidenceItem, type RuleContext, type RuleEvent } from "../rule.js";
import { formatMs, formatNumber, formatSeconds, otherPeer } from "../support/describe.js";
import { appended, sharedEmptyList } from "../../small-list.js";

interface Block {
  sender: Peer;
  streamId: number;
  startedBy: "HEADERS" | "PUSH_PROMISE";
  startPacket: number;
  startUs: number;
  continuations: number;
  emptyContinuations: number;
  /** Longest run of consecutive zero-length CONTINUATIONs (Envoy allows 1). */
  longestEmptyRun: number;
  emptyRun: number;
  bytes: number;
  lastPacket: number;
  lastUs: number;
  /** Why it became a flood: too big ("size", the reasons are worked out when reported), or the time it stayed open. */
  crossed: string | undefined;
  /** How it ended; undefined while it is open. */
  ending: { how: string; packet: number; timeUs: number } | undefined;
  /** When to report without a reaction. */
  deadlineUs: number;
}

interface Reaction {
  what: string;
  packet: number;
  timeUs: number;
}

interface State {
  open: Record<Peer, Block | undefined>;
  /** Flood blocks that ended, waiting for the receiver's reaction (NO_BLOCKS until the first). */
  waiting: readonly Block[];
  /** Sides reported; made at the first report. */
  reported: Partial<Record<Peer, true>> | undefined;
  /**
   * SETTINGS_MAX_HEADER_LIST_SIZE each side declared (binding what the other side sends), once
   * acknowledged; made at the first (most peers never declare one).
   */
  maxHeaderListSize: Partial<Record<Peer, number>> | undefined;
  closeReason: CloseReason | undefined;
}

/** The waiting list of every connection without a flood block. */
const NO_BLOCKS = sharedEmptyList<Block>();

/** nghttp2 ≥ 1.61 (NGHTTP2_DEFAULT_MAX_CONTINUATIONS) drops the connection past this many. */
const NGHTTP2_MAX_CONTINUATIONS = 8;
/** Envoy's max_consecutive_inbound_frames_with_empty_payload. */
const ENVOY_MAX_CONSECUTIVE_EMPTY = 1;

export const continuationFlood = defineRule<State>({
  id: "continuation-flood",
  events: ["h2.frame", "h2.anomaly", "h2.settings-acked", "tcp.fin", "tcp.rst", "tcp.close"],
  severity: "error",
  description: "A header block split over too many CONTINUATION frames, larger than the receiver accepts, or never ended (CONTINUATION flood, VU#421644)",
  parameters: {
    maxContinuations: {
      default: 8,
      description: "CONTINUATION frames one block may use. nghttp2 ≥ 1.61 treats more than 8 as an attack and drops the connection; " +
        "a legitimately large block (big cookies, JWTs, gRPC metadata) needs 1-3 at the default 16 KiB frame size",
    },
    maxBlockBytes: {
      default: 65_536,
      description: "Encoded octets of one block when the receiver did not advertise SETTINGS_MAX_HEADER_LIST_SIZE (otherwise that value applies). " +
        "64 KiB is above Envoy's 60 KiB and nginx's 32 KiB header limits, so no server accepts a larger block",
    },
    maxOpenSeconds: {
      default: 10,
      description: "A block still open this long is a flood however small: real peers send a block's frames back to back, within one round trip",
    },
    reactionWaitSeconds: {
      default: 1,
      description: "How long to wait for the receiver's GOAWAY, RST_STREAM, response or close before reporting without one; a receiver reacts within a round trip",
    },
  },
  // Its tick and end settle header blocks it saw open: none without an event.
  stateOnFirstEvent: true,
  createState: () => ({ open: { client: undefined, server: undefined }, waiting: NO_BLOCKS, reported: undefined, maxHeaderListSize: undefined, closeReason: undefined }),
  onEvent(event, state, context) {
    switch (event.kind) {
      case "h2.settings-acked": {
        const change = event.changes.find(([name]) => name === settingName(SETTINGS_MAX_HEADER_LIST_SIZE));
        if (change !== undefined) (state.maxHeaderListSize ??= {})[event.declaredBy] = change[2];
        return;
      }
      case "h2.anomaly":
        // The capture lost bytes of the sender's stream: its block's end may be in the hole.
        if ((event.code === "sync-lost" || event.code === "frame-damaged-by-gap") && state.open[event.sender]?.crossed === undefined) {
          state.open[event.sender] = undefined;
        }
        return;
      case "h2.frame":
        onFrame(event, state, context);
        return;
      case "tcp.fin":
      case "tcp.rst": {
        const peer: Peer = event.direction === context.connection.tcp.clientDirection ? "client" : "server";
        onReaction(state, context, peer, { what: `a TCP ${event.kind === "tcp.fin" ? "FIN" : "RST"}`, packet: event.packetNumber, timeUs: event.timeUs });
        return;
      }
      case "tcp.close":
        state.closeReason = event.reason;
        return;
      default:
        return;
    }
  },
  onTime(nowUs, state, context) {
    for (const sender of ["client", "server"] as const) {
      const block = state.open[sender];
      if (block === undefined || state.reported?.[sender]) continue;
      if (block.crossed === undefined && nowUs - block.startUs > context.params.maxOpenSeconds! * 1e6) {
        block.crossed = `it was still open after ${formatSeconds(nowUs - block.startUs)}`;
        block.deadlineUs = nowUs;
      }
      if (block.crossed !== undefined && nowUs >= block.deadlineUs) reportBlock(block, undefined, state, context);
    }
    if (state.waiting.length > 0) for (const block of state.waiting.filter((waiting) => nowUs >= waiting.deadlineUs)) reportBlock(block, undefined, state, context);
  },
  onEnd(endUs, state, context) {
    for (const block of [...state.waiting]) reportBlock(block, undefined, state, context, true);
    for (const sender of ["client", "server"] as const) {
      const block = state.open[sender];
      if (block === undefined || state.reported?.[sender]) continue;
      // A capture that simply stops mid-block proves nothing; a connection that closed with it open does.
      const closed = state.closeReason !== undefined && !stillOpenAtClose(state.closeReason);
      if (block.crossed === undefined && !closed) continue;
      block.crossed ??= "it never ended";
      block.ending = closed
        ? { how: `never ended: the connection closed (${state.closeReason}) ${formatSeconds(endUs - block.startUs)} after it began`, packet: block.lastPacket, timeUs: endUs }
        : { how: `was still open when ${state.closeReason === "evicted" ? "the connection was evicted (too many open at once)" : "the capture ended"}`, packet: block.lastPacket, timeUs: endUs };
      reportBlock(block, undefined, state, context, true);
    }
  },
});

function onFrame(event: Extract<RuleEvent, { kind: "h2.frame" }>, state: State, context: RuleContext): void {
  const frame = event.frame;
  const sender = event.sender;
  const receiver = otherPeer(sender);
  const block = state.open[sender];
  // Is this frame a reaction to a flood from the other side? (Asked only when a flood waits for
  // one: the reaction's description costs a search of the headers and a string per response.)
  if (awaitsReaction(state, sender)) noteReaction(event, state, context);

  if (block !== undefined) {
    if (frame.kind === "CONTINUATION" && frame.streamId === block.streamId) {
      block.continuations++;
      block.bytes += frame.fragment.length;
      block.lastPacket = event.packetNumber;
      block.lastUs = event.timeUs;
      if (frame.fragment.length === 0) {
        block.emptyContinuations++;
        block.longestEmptyRun = Math.max(block.longestEmptyRun, ++block.emptyRun);
      } else {
        block.emptyRun = 0;
      }
      if (block.crossed === undefined && !state.reported?.[sender]) {
        const limit = byteLimit(state, context, receiver);
        if (block.continuations > context.params.maxContinuations! || block.bytes > limit.bytes) {
          block.crossed = "size";
          block.deadlineUs = event.timeUs + context.params.reactionWaitSeconds! * 1e6;
        }
      }
      if ((frame.flags & FLAG_END_HEADERS) !== 0) endBlock(block, state, context, "ended normally with END_HEADERS", event.packetNumber, event.timeUs);
      return;
    }
    // §6.10: anything else from the sender while its block is open is a connection error.
    endBlock(block, state, context, `was interrupted by a ${frameTypeName(frame.type)} frame on stream ${frame.streamId} (a PROTOCOL_ERROR, RFC 9113 §6.10)`, event.packetNumber, event.timeUs);
  }
  if ((frame.kind === "HEADERS" || frame.kind === "PUSH_PROMISE") && (frame.flags & FLAG_END_HEADERS) === 0) {
    state.open[sender] = {
      sender, streamId: frame.streamId, startedBy: frame.kind, startPacket: event.packetNumber, startUs: event.timeUs,
      continuations: 0, emptyContinuations: 0, longestEmptyRun: 0, emptyRun: 0, bytes: frame.fragment.length,
      lastPacket: event.packetNumber, lastUs: event.timeUs, crossed: undefined, ending: undefined, deadlineUs: Number.POSITIVE_INFINITY,
    };
  }
}

function endBlock(block: Block, state: State, context: RuleContext, how: string, packet: number, timeUs: number): void {
  state.open[block.sender] = undefined;
  if (block.crossed === undefined || state.reported?.[block.sender]) return;
  block.ending = { how, packet, timeUs };
  block.deadlineUs = timeUs + context.params.reactionWaitSeconds! * 1e6;
  state.waiting = appended(state.waiting, block);
}

/** Settles a waiting flood block with `event` when the frame is a reaction to it (GOAWAY, RST_STREAM, a response). */
function noteReaction(event: Extract<RuleEvent, { kind: "h2.frame" }>, state: State, context: RuleContext): void {
  const frame = event.frame;
  if (frame.kind === "GOAWAY") {
    onReaction(state, context, event.sender, { what: `GOAWAY ${errorCodeName(frame.errorCode)}`, packet: event.packetNumber, timeUs: event.timeUs });
  } else if (frame.kind === "RST_STREAM" || frame.kind === "HEADERS") {
    const status = event.headers?.find(([name]) => name === ":status")?.[1];
    const what = frame.kind === "RST_STREAM" ? `RST_STREAM ${errorCodeName(frame.errorCode)}` : `a response${status === undefined ? "" : ` (:status ${status})`}`;
    onReaction(state, context, event.sender, { what, packet: event.packetNumber, timeUs: event.timeUs }, frame.streamId);
  }
}

/** Whether a flood block from the other side of `reactor` is waiting for a reaction. */
function awaitsReaction(state: State, reactor: Peer): boolean {
  const sender = otherPeer(reactor);
  return !state.reported?.[sender] && (state.waiting.length > 0 || state.open[sender]?.crossed !== undefined);
}

/** `reactor` sent something a flood's receiver would send; it settles that side's flood block, if any. */
function onReaction(state: State, context: RuleContext, reactor: Peer, reaction: Reaction, streamId?: number): void {
  const sender = otherPeer(reactor);
  if (state.reported?.[sender]) return;
  const matches = (block: Block): boolean => streamId === undefined || block.streamId === streamId;
  const waiting = state.waiting.find((block) => block.sender === sender && matches(block));
  if (waiting !== undefined) {
    reportBlock(waiting, reaction, state, context);
    return;
  }
  const open = state.open[sender];
  if (open?.crossed !== undefined && matches(open)) reportBlock(open, reaction, state, context);
}

function byteLimit(state: State, context: RuleContext, receiver: Peer): { bytes: number; source: string } {
  const advertised = state.maxHeaderListSize?.[receiver];
  return advertised !== undefined
    ? { bytes: advertised, source: `the ${receiver}'s SETTINGS_MAX_HEADER_LIST_SIZE` }
    : { bytes: context.params.maxBlockBytes!, source: "more than any server accepts" };
}

/** `endedEarly`: the connection or capture ended before the reaction wait was over. */
function reportBlock(block: Block, reaction: Reaction | undefined, state: State, context: RuleContext, endedEarly = false): void {
  (state.reported ??= {})[block.sender] = true;
  state.waiting = state.waiting.filter((waiting) => waiting !== block);
  const receiver = otherPeer(block.sender);
  const limit = byteLimit(state, context, receiver);
  const ending = block.ending?.how ?? `was still open when reported (its ${formatNumber(block.continuations + 1)} frames so far came within ${formatMs(block.lastUs - block.startUs)})`;
  const frames = `1 ${block.startedBy} + ${formatNumber(block.continuations)} CONTINUATION frame${block.continuations === 1 ? "" : "s"}`;
  const empty = block.emptyContinuations > 0 ? `, ${formatNumber(block.emptyContinuations)} of them empty` : "";
  const reactionText = reaction !== undefined
    ? `The ${receiver} reacted with ${reaction.what} ${formatMs(Math.max(0, reaction.timeUs - block.startUs))} after the block began.`
    : endedEarly
      ? `The ${receiver} showed no reaction (no GOAWAY, RST_STREAM, response or close) before ${state.closeReason === "evicted" ? "h2scope evicted the connection (too many open at once)" : state.closeReason === undefined || state.closeReason === "end-of-capture" ? "the capture ended" : "the connection ended"}.`
      : `The ${receiver} showed no reaction (no GOAWAY, RST_STREAM, response or close) within ${formatSeconds(context.params.reactionWaitSeconds! * 1e6)}.`;
  const reasons: string[] = [];
  if (block.continuations > context.params.maxContinuations!) reasons.push(`it used more than ${context.params.maxContinuations} CONTINUATION frames`);
  if (block.bytes > limit.bytes) reasons.push(`its ${formatNumber(block.bytes)} octets pass ${formatNumber(limit.bytes)} (${limit.source})`);
  if (block.crossed !== "size") reasons.push(block.crossed!);
  const nghttp2Fires = block.continuations > NGHTTP2_MAX_CONTINUATIONS;
  const envoyFires = block.longestEmptyRun > ENVOY_MAX_CONSECUTIVE_EMPTY;
  const message =
    `The ${block.sender} sent a header block on stream ${block.streamId} as ${frames} (${formatNumber(block.bytes)} octets${empty}); ` +
    `it is a CONTINUATION flood because ${reasons.join(" and ")}. The block ${ending}. ${reactionText} ` +
    "A receiver must hold a header block until it ends and HEADERS are not flow-controlled, so servers without a cumulative limit " +
    "exhaust memory or CPU on one request that never reaches an access log (VU#421644). " +
    (nghttp2Fires ? "nghttp2 ≥ 1.61 would have dropped the connection (more than 8 CONTINUATIONs). " : "") +
    (envoyFires ? `Envoy would have closed it (${block.longestEmptyRun} empty CONTINUATIONs in a row; it allows 1). ` : "") +
    "To stop it: run servers with the 2024 CONTINUATION fixes (nghttp2 ≥ 1.61, Go x/net with ba872109, Rust h2 ≥ 0.3.26) and a header list size limit.";
  const evidence: EvidenceItem[] = [
    {
      what: `${block.startedBy} without END_HEADERS from the ${block.sender}: the block begins`, packet: block.startPacket, time: block.startUs / 1e6,
      stream: block.streamId, sender: block.sender,
    },
    {
      what: `the block ${ending}`, packet: block.ending?.packet ?? block.lastPacket, time: (block.ending?.timeUs ?? block.lastUs) / 1e6, stream: block.streamId, sender: block.sender,
      values: {
        continuations: block.continuations, emptyContinuations: block.emptyContinuations, bytes: block.bytes,
        openMs: ((block.ending?.timeUs ?? block.lastUs) - block.startUs) / 1000, ended: block.ending?.how.startsWith("ended normally") ?? false,
      },
    },
    reaction !== undefined
      ? { what: `the ${receiver}'s reaction: ${reaction.what} from the ${receiver}`, packet: reaction.packet, time: reaction.timeUs / 1e6, sender: receiver }
      : { what: `no reaction from the ${receiver}` },
    {
      what: "nghttp2 ≥ 1.61: more than 8 CONTINUATION frames in one block → connection dropped (usually without GOAWAY)",
      values: { wouldFire: nghttp2Fires, continuations: block.continuations },
    },
    {
      what: `${limit.source === "more than any server accepts" ? "no SETTINGS_MAX_HEADER_LIST_SIZE from the " + receiver + "; h2scope's bound" : limit.source}: ${formatNumber(limit.bytes)} octets`,
      values: { wouldFire: block.bytes > limit.bytes, bytes: block.bytes, limit: limit.bytes },
    },
    {
      what: "Go (x/net ba872109): a fragment over twice the remaining header-list budget, or a CONTINUATION after it was exceeded → GOAWAY PROTOCOL_ERROR",
      values: { wouldFire: state.maxHeaderListSize?.[receiver] !== undefined ? block.bytes > state.maxHeaderListSize[receiver]! : null },
    },
    {
      what: "Envoy: more than 1 consecutive frame with an empty payload (max_consecutive_inbound_frames_with_empty_payload) → connection closed",
      values: { wouldFire: envoyFires, longestEmptyRun: block.longestEmptyRun },
    },
  ];
  context.report({
    sender: block.sender, stream: block.streamId,
    packetNumber: block.ending?.packet ?? block.lastPacket, timeUs: block.ending?.timeUs ?? block.lastUs, message, evidence,
  });
}
