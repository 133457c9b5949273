// rst-internal-error-burst: many RST_STREAM INTERNAL_ERROR from one side of a connection in a
// short time (shared/research/failure-signatures.md §1, R1.2): application-side resets, as when
// an HTTP/2 library loses track of streams; reported with who sends them and whether they grow.

import type { Peer } from "../../http2/connection/stream-state.js";
import { defineRule, type RuleContext } from "../rule.js";
import { formatSeconds, listStreams, otherPeer } from "../support/describe.js";

const INTERNAL_ERROR = 0x2;

interface Reset {
  streamId: number;
  packet: number;
  timeUs: number;
}

interface Episode {
  resets: Reset[];
  /** Index in `resets` where the threshold was first crossed. */
  crossedAt: number;
}

/** Made at the first RST_STREAM INTERNAL_ERROR: most connections never have one. */
interface State {
  recent: Record<Peer, Reset[]> | undefined;
  episodes: Partial<Record<Peer, Episode>> | undefined;
}

export const rstInternalErrorBurst = defineRule<State>({
  id: "rst-internal-error-burst",
  events: ["h2.frame"],
  frames: ["RST_STREAM"],
  severity: "error",
  description: "At least N RST_STREAM INTERNAL_ERROR from one side of one connection within T seconds; reports the trend, the sender and the streams hit",
  parameters: {
    count: { default: 5, description: "Resets within the window that make a burst: a few are ordinary failures, five in ten seconds is a pattern" },
    windowSeconds: { default: 10, description: "The sliding window, and the quiet time that ends a burst" },
  },
  // Its ticks and end report bursts of resets it was sent: none without an event.
  stateOnFirstEvent: true,
  createState: () => ({ recent: undefined, episodes: undefined }),
  onEvent(event, state, context) {
    if (event.kind !== "h2.frame" || event.frame.kind !== "RST_STREAM" || event.frame.errorCode !== INTERNAL_ERROR) return;
    const windowUs = context.params.windowSeconds! * 1e6;
    const reset: Reset = { streamId: event.frame.streamId, packet: event.packetNumber, timeUs: event.timeUs };
    const episodes = (state.episodes ??= {});
    const episode = episodes[event.sender];
    if (episode !== undefined) {
      episode.resets.push(reset);
      return;
    }
    const recentBySide = (state.recent ??= { client: [], server: [] });
    const recent = recentBySide[event.sender].filter((earlier) => event.timeUs - earlier.timeUs <= windowUs);
    recent.push(reset);
    recentBySide[event.sender] = recent;
    if (recent.length >= context.params.count!) {
      episodes[event.sender] = { resets: [...recent], crossedAt: recent.length - 1 };
      recentBySide[event.sender] = [];
    }
  },
  // A burst is reported when it ends (a quiet window) or with the connection, so the trend is known.
  onTime(nowUs, state, context) {
    const episodes = state.episodes;
    if (episodes === undefined) return; // no burst yet (most connections, every tick)
    for (const side of ["client", "server"] as const) {
      const episode = episodes[side];
      if (episode !== undefined && nowUs - episode.resets.at(-1)!.timeUs > context.params.windowSeconds! * 1e6) {
        report(side, episode, context);
        delete episodes[side];
      }
    }
  },
  onEnd(_endUs, state, context) {
    for (const side of ["client", "server"] as const) {
      const episode = state.episodes?.[side];
      if (episode !== undefined) report(side, episode, context);
    }
  },
});

function report(side: Peer, episode: Episode, context: RuleContext): void {
  const resets = episode.resets;
  const windowUs = context.params.windowSeconds! * 1e6;
  const first = resets[0]!;
  const last = resets.at(-1)!;
  // Resets per window from the first to the last: the trend users need ("is it growing?").
  const buckets: number[] = [];
  for (const reset of resets) {
    const index = Math.floor((reset.timeUs - first.timeUs) / windowUs);
    while (buckets.length <= index) buckets.push(0);
    buckets[index]!++;
  }
  const trend = buckets.length < 2 ? "a single burst" : buckets.at(-1)! > buckets[0]! ? "growing" : buckets.at(-1)! < buckets[0]! ? "shrinking" : "steady";
  const streams = [...new Set(resets.map((reset) => reset.streamId))];
  context.report({
    sender: side, packetNumber: resets[episode.crossedAt]!.packet, timeUs: resets[episode.crossedAt]!.timeUs,
    message: `The ${side} reset ${resets.length} streams with INTERNAL_ERROR over ${formatSeconds(last.timeUs - first.timeUs)} ` +
      `(${buckets.join(", ")} per ${context.params.windowSeconds} s: ${trend}). INTERNAL_ERROR resets come from the ${side}'s own HTTP/2 stack or application, ` +
      `not from anything the ${otherPeer(side)} did (hyper/h2 maps unknown errors to it): look at the ${side}'s logs around these times. Streams: ${listStreams(streams)}.`,
    evidence: [
      { what: "resets per window", values: { windowSeconds: context.params.windowSeconds!, perWindow: buckets.join(" "), trend } },
      ...resets.slice(0, 10).map((reset) => ({ what: `RST_STREAM INTERNAL_ERROR from the ${side}`, packet: reset.packet, time: reset.timeUs / 1e6, stream: reset.streamId })),
    ],
  });
}
