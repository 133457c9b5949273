// stream-after-goaway: the receiver of a GOAWAY opens a stream above its last-stream-id after
// it could have seen the GOAWAY (RFC 9113 §6.8: such streams are never processed).

import type { Peer } from "../../http2/connection/stream-state.js";
import { defineRule, type EvidenceItem } from "../rule.js";
import { formatMs, listStreams, otherPeer } from "../support/describe.js";
import { roundTripUs } from "../support/round-trip.js";
import type { StreamRecord } from "../support/stream-timeline.js";

interface Goaway {
  lastStreamId: number;
  timeUs: number;
  packet: number;
}

interface Offence {
  streamId: number;
  packet: number;
  timeUs: number;
  afterUs: number;
}

/** Each record made at its first entry: most connections have no GOAWAY before their end, and no offence. */
interface State {
  /** The latest GOAWAY each side sent. */
  goaways: Partial<Record<Peer, Goaway>> | undefined;
  offences: Partial<Record<Peer, { goaway: Goaway; streams: Offence[] }>> | undefined;
}

export const streamAfterGoaway = defineRule<State>({
  id: "stream-after-goaway",
  events: ["h2.frame"],
  frames: ["GOAWAY", "HEADERS", "PUSH_PROMISE"],
  severity: "error",
  description: "The receiver of a GOAWAY opens streams above its last-stream-id after it could have seen the GOAWAY",
  parameters: {
    graceRoundTrips: {
      default: 1,
      description: "Round trips after the GOAWAY during which a new stream may have crossed it on the wire (a race, not a bug)",
    },
    minimumGraceMs: {
      default: 100,
      description: "Floor on that grace: an application needs milliseconds to act on a frame its kernel received, so a stream queued just before it read the GOAWAY is not a bug",
    },
    fallbackRttMs: { default: 50, description: "Round-trip time to assume when the capture shows no SETTINGS or PING round trip" },
  },
  // Its end reports streams it saw opened after a GOAWAY: none without an event.
  stateOnFirstEvent: true,
  createState: () => ({ goaways: undefined, offences: undefined }),
  onEvent(event, state, context) {
    if (event.kind !== "h2.frame") return;
    const frame = event.frame;
    if (frame.kind === "GOAWAY") {
      (state.goaways ??= {})[event.sender] = { lastStreamId: frame.lastStreamId, timeUs: event.timeUs, packet: event.packetNumber };
      return;
    }
    const opened = frame.kind === "PUSH_PROMISE" ? frame.promisedStreamId : frame.kind === "HEADERS" && opensStream(context.streams.get(frame.streamId), event) ? frame.streamId : undefined;
    if (opened === undefined) return;
    const goaway = state.goaways?.[otherPeer(event.sender)];
    if (goaway === undefined || opened <= goaway.lastStreamId) return;
    const graceUs = Math.max(context.params.graceRoundTrips! * roundTripUs(context.connection, context.params.fallbackRttMs!), context.params.minimumGraceMs! * 1000);
    const afterUs = event.timeUs - goaway.timeUs;
    if (afterUs <= graceUs) return;
    const offence = ((state.offences ??= {})[event.sender] ??= { goaway, streams: [] });
    offence.streams.push({ streamId: opened, packet: event.packetNumber, timeUs: event.timeUs, afterUs });
  },
  // Reported when the connection ends, with every such stream and what became of it.
  onEnd(_endUs, state, context) {
    for (const [side, offence] of Object.entries(state.offences ?? {}) as Array<[Peer, { goaway: Goaway; streams: Offence[] }]>) {
      const first = offence.streams[0]!;
      const outcomes = offence.streams.map((stream) => {
        const record = context.streams.get(stream.streamId);
        return record?.reset !== undefined ? `reset ${record.reset.by === side ? "by itself" : "by the peer"}` : record?.responseUs !== undefined ? "answered" : "no answer";
      });
      const refused = outcomes.filter((outcome) => outcome === "reset by the peer").length;
      const evidence: EvidenceItem[] = [
        { what: `GOAWAY from the ${otherPeer(side)}`, packet: offence.goaway.packet, time: offence.goaway.timeUs / 1e6, values: { lastStreamId: offence.goaway.lastStreamId } },
        ...offence.streams.slice(0, 10).map((stream, index) => ({
          what: `new stream ${stream.streamId} ${formatMs(stream.afterUs)} after the GOAWAY: ${outcomes[index]}`, packet: stream.packet, time: stream.timeUs / 1e6, stream: stream.streamId,
        })),
      ];
      context.report({
        sender: side, stream: first.streamId, packetNumber: first.packet, timeUs: first.timeUs,
        message: `The ${side} opened ${offence.streams.length} stream${offence.streams.length > 1 ? "s" : ""} (${listStreams(offence.streams.map((stream) => stream.streamId))}) ` +
          `above last-stream-id ${offence.goaway.lastStreamId}, starting ${formatMs(first.afterUs)} after the ${otherPeer(side)}'s GOAWAY — long enough to have read it. ` +
          `These requests are never processed${refused > 0 ? ` (${refused} refused with RST_STREAM)` : ""}; a client must stop opening streams on a connection that received GOAWAY and retry them on a new one.`,
        evidence,
      });
    }
  },
});

/** The timeline (already updated) shows this HEADERS as the one that opened its stream. */
function opensStream(stream: StreamRecord | undefined, event: { packetNumber: number; sender: Peer }): boolean {
  return stream !== undefined && stream.openedPacket === event.packetNumber && stream.openedBy === event.sender;
}
