// stalled-connection: one side keeps sending while the other acknowledges nothing, or advertises
// a zero TCP window, for longer than T; or requests wait with the transport healthy
// (shared/research/failure-signatures.md §4: R4.1 path dead, R4.2 peer not reading, R4.4 verdicts).

import type { Peer } from "../../http2/connection/stream-state.js";
import type { Direction, TcpConnection } from "../../tcp/tcp-events.js";
import { defineRule, type EvidenceItem, type RuleContext } from "../rule.js";
import { formatNumber, formatSeconds, listStreams, otherPeer } from "../support/describe.js";

/** Each list and record is made at its first entry: most connections never have one. */
interface State {
  retransmissions: Array<{ sender: Peer; timeUs: number; packet: number }> | undefined;
  pings: Array<{ sender: Peer; timeUs: number; acked: boolean }> | undefined;
  zeroSince: Partial<Record<Peer, { timeUs: number; packet: number }>> | undefined;
  reportedZero: Partial<Record<Peer, true>> | undefined;
  /** Senders whose dead path was reported (a stall is announced while ongoing and again at its end). */
  reportedDead: Partial<Record<Peer, true>> | undefined;
  reportedSlow: boolean;
  stalled: boolean;
}

export const stalledConnection = defineRule<State>({
  id: "stalled-connection",
  events: ["h2.frame", "tcp.retransmission", "tcp.zero-window", "tcp.window-reopened", "tcp.ack-stall"],
  frames: ["PING"],
  severity: "error",
  description: "One side keeps sending while the other acknowledges nothing or advertises a zero TCP window for more than T seconds; says whether the path is dead, the peer is not reading, or the application is slow",
  parameters: {
    stallSeconds: {
      default: 5,
      description: "Seconds without ACK progress (or with a zero window) that make a stall: several RTOs even on slow paths, beyond normal back-pressure bursts",
    },
    slowResponseSeconds: {
      default: 30,
      description: "Seconds a complete request may wait for a first response on a healthy connection before the application counts as slow (long-polling and streaming APIs answer headers early)",
    },
  },
  // No stateOnFirstEvent: its ticks must see a request wait on a connection that carries nothing
  // this rule reads (the slow-application verdict), so its state is made at the open.
  createState: () => ({ retransmissions: undefined, pings: undefined, zeroSince: undefined, reportedZero: undefined, reportedDead: undefined, reportedSlow: false, stalled: false }),
  onEvent(event, state, context) {
    switch (event.kind) {
      case "tcp.retransmission":
        if ((state.retransmissions ??= []).length < 10_000) state.retransmissions.push({ sender: peerOf(event.connection, event.direction), timeUs: event.timeUs, packet: event.packetNumber });
        return;
      case "tcp.zero-window":
        (state.zeroSince ??= {})[peerOf(event.connection, event.direction)] = { timeUs: event.timeUs, packet: event.packetNumber };
        return;
      case "tcp.window-reopened": {
        const advertiser = peerOf(event.connection, event.direction);
        const since = state.zeroSince?.[advertiser];
        if (since !== undefined) delete state.zeroSince![advertiser];
        if (since !== undefined && event.timeUs - since.timeUs >= context.params.stallSeconds! * 1e6) reportZeroWindow(advertiser, since, event.timeUs, true, state, context);
        return;
      }
      case "tcp.ack-stall": {
        if (event.durationUs < context.params.stallSeconds! * 1e6) return;
        const sender = peerOf(event.connection, event.direction);
        if (state.reportedDead?.[sender]) return;
        // A stall during which the peer kept advertising a zero window is the peer not reading.
        if (state.zeroSince?.[otherPeer(sender)] !== undefined || state.reportedZero?.[otherPeer(sender)]) return;
        reportPathDead(sender, event.timeUs - event.durationUs, event.timeUs, event.bytesInFlight, event.resolved, event.packetNumber, state, context);
        return;
      }
      case "h2.frame":
        if (event.frame.kind === "PING") {
          if ((event.frame.flags & 1) === 0) (state.pings ??= []).push({ sender: event.sender, timeUs: event.timeUs, acked: false });
          else {
            const waiting = state.pings?.find((ping) => ping.sender !== event.sender && !ping.acked);
            if (waiting !== undefined) waiting.acked = true;
          }
        }
        return;
      default:
        return;
    }
  },
  onTime(nowUs, state, context) {
    checkSlowApplication(nowUs, state, context);
  },
  onEnd(endUs, state, context) {
    for (const advertiser of ["client", "server"] as const) {
      const since = state.zeroSince?.[advertiser];
      if (since !== undefined && endUs - since.timeUs >= context.params.stallSeconds! * 1e6) reportZeroWindow(advertiser, since, endUs, false, state, context);
    }
    checkSlowApplication(endUs, state, context);
  },
});

function peerOf(connection: TcpConnection, direction: Direction): Peer {
  return direction === connection.clientDirection ? "client" : "server";
}

/** Streams the stalled side opened or left waiting while it was stalled. */
function streamFacts(sender: Peer, startUs: number, context: RuleContext): { opened: number[]; unanswered: number[] } {
  const streams = context.streams.knownStreams();
  return {
    opened: streams.filter((stream) => stream.openedBy === sender && stream.openedUs >= startUs).map((stream) => stream.id),
    unanswered: streams.filter((stream) => stream.openedBy === "client" && stream.responseUs === undefined).map((stream) => stream.id),
  };
}

function pingFacts(sender: Peer, startUs: number, state: State): string {
  const pings = (state.pings ?? []).filter((ping) => ping.sender === sender && ping.timeUs >= startUs);
  if (pings.length === 0) return ` No PING probed the connection, so nothing at the HTTP/2 layer noticed.`;
  const answered = pings.filter((ping) => ping.acked).length;
  return ` The ${sender} sent ${pings.length} PING${pings.length > 1 ? "s" : ""} during it; ${answered} answered.`;
}

function reportPathDead(sender: Peer, startUs: number, endUs: number, bytesInFlight: number, resolved: boolean, packet: number, state: State, context: RuleContext): void {
  state.stalled = true;
  (state.reportedDead ??= {})[sender] = true;
  const retransmitted = (state.retransmissions ?? []).filter((item) => item.sender === sender && item.timeUs >= startUs && item.timeUs <= endUs);
  const retransmissions = retransmitted.length;
  // Point at the first retransmission: the first packet that shows the stall in Wireshark.
  const where = retransmitted[0] ?? { packet, timeUs: startUs };
  const { opened, unanswered } = streamFacts(sender, startUs, context);
  const peer = otherPeer(sender);
  const evidence: EvidenceItem[] = [{
    what: `no ACK progress from the ${peer}`, time: startUs / 1e6,
    values: { stallSeconds: (endUs - startUs) / 1e6, bytesInFlight, retransmissions, resolved, newStreams: opened.length },
  }];
  context.report({
    sender: peer, packetNumber: where.packet, timeUs: where.timeUs,
    message: `Path dead: the ${peer} acknowledged nothing for ${formatSeconds(endUs - startUs)} while the ${sender} had ${formatNumber(bytesInFlight)} bytes in flight` +
      `${retransmissions > 0 ? ` and retransmitted ${retransmissions} times` : ""}${resolved ? "" : " (still stalled when this was reported)"}.` +
      (opened.length > 0 ? ` The ${sender} kept opening streams on this dead connection: ${listStreams(opened)}.` : "") +
      (unanswered.length > 0 ? ` Requests left without a response: ${listStreams(unanswered)}.` : "") +
      pingFacts(sender, startUs, state) +
      " A client-side HTTP/2 health check (PING with a timeout) would close this connection and retry elsewhere.",
    evidence,
  });
}

function reportZeroWindow(advertiser: Peer, since: { timeUs: number; packet: number }, endUs: number, resolved: boolean, state: State, context: RuleContext): void {
  if (state.reportedZero?.[advertiser]) return;
  (state.reportedZero ??= {})[advertiser] = true;
  state.stalled = true;
  const sender = otherPeer(advertiser);
  const { opened, unanswered } = streamFacts(sender, since.timeUs, context);
  context.report({
    sender: advertiser, packetNumber: since.packet, timeUs: since.timeUs,
    message: `Peer not reading: the ${advertiser} advertised a zero TCP window for ${formatSeconds(endUs - since.timeUs)}${resolved ? "" : " (until the capture ended)"}, ` +
      `so the ${sender} could not send: its application stopped reading the socket.` +
      (opened.length > 0 ? ` The ${sender} opened streams meanwhile: ${listStreams(opened)}.` : "") +
      (unanswered.length > 0 ? ` Requests left without a response: ${listStreams(unanswered)}.` : "") +
      pingFacts(sender, since.timeUs, state),
    evidence: [{ what: `zero window advertised by the ${advertiser}`, packet: since.packet, time: since.timeUs / 1e6, sender: advertiser, values: { seconds: (endUs - since.timeUs) / 1e6, resolved } }],
  });
}

/** Complete requests with no response for long on a connection whose transport is fine. */
function checkSlowApplication(nowUs: number, state: State, context: RuleContext): void {
  if (state.reportedSlow || state.stalled || context.streams.openCount === 0) return;
  // A side advertising a zero window right now: the transport is not fine (its end or reopening judges it).
  if (state.zeroSince?.client !== undefined || state.zeroSince?.server !== undefined) return;
  const limitUs = context.params.slowResponseSeconds! * 1e6;
  const waiting = context.streams.openStreams().filter((stream) => stream.openedBy === "client" && stream.clientEndedUs !== undefined &&
    stream.responseUs === undefined && nowUs - stream.clientEndedUs >= limitUs);
  if (waiting.length === 0) return;
  state.reportedSlow = true;
  const oldest = waiting.reduce((left, right) => (left.openedUs <= right.openedUs ? left : right));
  const pings = (state.pings ?? []).filter((ping) => ping.timeUs >= oldest.openedUs);
  context.report({
    sender: "server", stream: oldest.id, packetNumber: oldest.openedPacket, timeUs: oldest.openedUs, severity: "warning",
    message: `Application slow: ${waiting.length} complete request${waiting.length > 1 ? "s have" : " has"} waited over ${formatSeconds(limitUs)} for a response ` +
      `(${listStreams(waiting.map((stream) => stream.id))}) while TCP kept acknowledging` +
      (pings.length > 0 ? ` and ${pings.filter((ping) => ping.acked).length} of ${pings.length} PINGs were answered` : "") +
      ": the transport is fine; the server application is not answering.",
    evidence: waiting.slice(0, 10).map((stream) => ({ what: `request ${stream.method ?? ""} ${stream.path ?? ""} without response`.replace(/\s+/g, " "), packet: stream.openedPacket, time: stream.openedUs / 1e6, stream: stream.id })),
  });
}
