// graceful-shutdown: how each connection was shut down (shared/research/failure-signatures.md §5,
// R5.1): a two-phase drain (GOAWAY 2^31-1, PING, final GOAWAY), a single-phase GOAWAY, or an
// abrupt close that lost streams. Clean shutdowns are info; lost streams are a warning.

import type { Peer } from "../../http2/connection/stream-state.js";
import { errorCodeName } from "../../http2/frame/frame-types.js";
import { defineRule, type EvidenceItem } from "../rule.js";
import { listStreams } from "../support/describe.js";
import { appended, sharedEmptyList } from "../../small-list.js";

const MAX_STREAM_ID = 2 ** 31 - 1;

interface Goaway {
  sender: Peer;
  lastStreamId: number;
  errorCode: number;
  packet: number;
  timeUs: number;
  /** A PING from the same side after this GOAWAY (the second phase's probe). */
  pingAfter: boolean;
}

/** The GOAWAYs of a connection that has none yet. */
const NO_GOAWAYS = sharedEmptyList<Goaway>();

interface State {
  /** NO_GOAWAYS until the first; most connections have one or two. */
  goaways: readonly Goaway[];
  closeReason: string | undefined;
  closePacket: number;
  closeUs: number;
}

export const gracefulShutdown = defineRule<State>({
  id: "graceful-shutdown",
  events: ["h2.frame", "tcp.close"],
  frames: ["GOAWAY", "PING"],
  severity: "warning",
  description: "How each connection was shut down: two-phase drain, single-phase GOAWAY, or abrupt close with streams lost (lost streams warn; clean drains are info)",
  parameters: {},
  // Its end judges a close it was told of (tcp.close is one of its events): none without an event.
  stateOnFirstEvent: true,
  createState: () => ({ goaways: NO_GOAWAYS, closeReason: undefined, closePacket: 0, closeUs: 0 }),
  onEvent(event, state) {
    if (event.kind === "tcp.close") {
      state.closeReason = event.reason;
      state.closePacket = event.packetNumber;
      state.closeUs = event.timeUs;
      return;
    }
    if (event.kind !== "h2.frame") return;
    const frame = event.frame;
    if (frame.kind === "GOAWAY") {
      const goaway: Goaway = { sender: event.sender, lastStreamId: frame.lastStreamId, errorCode: frame.errorCode, packet: event.packetNumber, timeUs: event.timeUs, pingAfter: false };
      state.goaways = appended(state.goaways, goaway);
    } else if (frame.kind === "PING" && (frame.flags & 1) === 0) {
      const last = state.goaways.at(-1);
      if (last !== undefined && last.sender === event.sender) last.pingAfter = true;
    }
  },
  onEnd(endUs, state, context) {
    // Only a close the peers made tells how they shut down; the capture ending tells nothing.
    if (state.closeReason !== "fin" && state.closeReason !== "rst") return;
    const open = context.streams.openStreams();
    const serverGoaways = state.goaways.filter((goaway) => goaway.sender === "server");
    const goaways = serverGoaways.length > 0 ? serverGoaways : state.goaways;
    const final = goaways.at(-1);
    if (final === undefined && open.length === 0) return; // an ordinary close of an idle connection
    const how = state.closeReason === "rst" ? "a TCP RST" : "a TCP FIN";
    // Built only for a report: most connections end in the routine case below, reporting nothing.
    const evidence = (): EvidenceItem[] => [
      ...goaways.map((goaway) => ({
        what: `GOAWAY ${errorCodeName(goaway.errorCode)} from the ${goaway.sender}`, packet: goaway.packet, time: goaway.timeUs / 1e6,
        values: { lastStreamId: goaway.lastStreamId },
      })),
      { what: `connection closed by ${how}`, packet: state.closePacket, time: state.closeUs / 1e6 },
    ];
    const at = { packetNumber: state.closePacket, timeUs: state.closeUs || endUs };
    if (final === undefined) {
      context.report({
        ...at, severity: "warning",
        message: `Abrupt close: the connection ended with ${how} and no GOAWAY while ${open.length} stream${open.length > 1 ? "s were" : " was"} still open (${listStreams(open.map((stream) => stream.id))}). ` +
          "Those requests are lost and the client cannot know which were processed; a GOAWAY first would have told it which are safe to retry.",
        evidence: [...evidence(), { what: "streams open at the close", values: { streams: open.map((stream) => stream.id).join(" ") } }],
      });
      return;
    }
    const lost = open.filter((stream) => stream.id <= final.lastStreamId);
    const retrySafe = open.filter((stream) => stream.id > final.lastStreamId);
    const twoPhase = goaways.length >= 2 && goaways[0]!.lastStreamId === MAX_STREAM_ID && goaways[0]!.pingAfter && final.lastStreamId < MAX_STREAM_ID;
    const kind = twoPhase ? "Two-phase drain (GOAWAY 2^31-1, PING, final GOAWAY)" : goaways.length > 1 ? `Shutdown with ${goaways.length} GOAWAYs` : "Single-phase GOAWAY";
    if (lost.length > 0) {
      context.report({
        ...at, sender: final.sender, severity: "warning",
        message: `${kind} by the ${final.sender}, but the connection closed (${how}) while ${lost.length} stream${lost.length > 1 ? "s" : ""} at or below last-stream-id ${final.lastStreamId} ` +
          `${lost.length > 1 ? "were" : "was"} still in progress (${listStreams(lost.map((stream) => stream.id))}): those requests were lost.` +
          (retrySafe.length > 0 ? ` Streams above it (${listStreams(retrySafe.map((stream) => stream.id))}) were never processed and are safe to retry.` : ""),
        evidence: evidence(),
      });
      return;
    }
    // A client saying goodbye on an idle connection is routine; report server-side drains only.
    if (final.sender === "client" && serverGoaways.length === 0) return;
    context.report({
      ...at, sender: final.sender, severity: "info",
      message: `${kind} by the ${final.sender}, last stream ${final.lastStreamId}: every stream at or below it finished before the close.` +
        (retrySafe.length > 0 ? ` Streams above it (${listStreams(retrySafe.map((stream) => stream.id))}) were refused and are safe to retry.` : ""),
      evidence: evidence(),
    });
  },
});
