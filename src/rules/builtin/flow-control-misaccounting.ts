// flow-control-misaccounting: a peer answers FLOW_CONTROL_ERROR although the exact accounting
// (RFC 9113 §6.9) stays within limits; and, when the numbers fit, the likely cause: it applied
// SETTINGS_INITIAL_WINDOW_SIZE to the connection window (shared/research/failure-signatures.md
// §3, R3.1 — the httpcore5 bug; nginx's 2147483647 / 2147418112 pair triggers it).

import type { Peer } from "../../http2/connection/stream-state.js";
import { SETTINGS_INITIAL_WINDOW_SIZE } from "../../http2/frame/frame-types.js";
import { defineRule, type EvidenceItem } from "../rule.js";
import { formatNumber, frameEvidence, otherPeer } from "../support/describe.js";
import { appended, sharedEmptyList } from "../../small-list.js";

const FLOW_CONTROL_ERROR = 0x3;
const MAX_WINDOW = 2 ** 31 - 1;
const DEFAULT_WINDOW = 65_535;

interface ConnectionUpdate {
  increment: number;
  sizeAfter: number;
  packet: number;
  timeUs: number;
}

/** Real peers declare one or two initial window sizes; a flood of distinct ones is not this rule's case. */
const MAX_INITIAL_WINDOW_SIZES = 64;

const NO_SIZES = sharedEmptyList<number>();

/** Each record made at its first entry, the list a small list (a connection without violations has no violation record). */
interface State {
  /** The last connection WINDOW_UPDATE granting each side's data (keyed by the data sender). */
  lastConnectionUpdate: Partial<Record<Peer, ConnectionUpdate>> | undefined;
  /** Distinct SETTINGS_INITIAL_WINDOW_SIZE values declared on the connection (the first MAX_INITIAL_WINDOW_SIZES). */
  initialWindowSizes: readonly number[];
  /** Capture time of the last real violation by each side (window exceeded or overflowed). */
  lastViolationUs: Partial<Record<Peer, number>> | undefined;
}

export const flowControlMisaccounting = defineRule<State>({
  id: "flow-control-misaccounting",
  events: ["h2.frame", "h2.anomaly", "h2.window"],
  frames: ["SETTINGS", "GOAWAY", "RST_STREAM"],
  severity: "warning",
  description: "A peer answers FLOW_CONTROL_ERROR although the exact window accounting stays within limits; names the likely bug when the numbers fit",
  parameters: {
    violationMemorySeconds: {
      default: 2,
      description: "A FLOW_CONTROL_ERROR this soon after a real violation by the other side is the correct reaction to it (a few round trips)",
    },
  },
  createState: () => ({ lastConnectionUpdate: undefined, initialWindowSizes: NO_SIZES, lastViolationUs: undefined }),
  onEvent(event, state, context) {
    if (event.kind === "h2.anomaly") {
      if (event.code === "window-overflow" || event.code === "window-exceeded" || event.code === "settings-window-overflow") (state.lastViolationUs ??= {})[event.sender] = event.timeUs;
      return;
    }
    if (event.kind === "h2.window") {
      if (event.streamId === 0 && event.cause === "window-update") {
        const dataSender: Peer = event.flow === "client-to-server" ? "client" : "server";
        const updates = (state.lastConnectionUpdate ??= {});
        const update = updates[dataSender];
        // Updated in place: a connection WINDOW_UPDATE comes every few frames on a busy connection.
        if (update === undefined) updates[dataSender] = { increment: event.change, sizeAfter: event.sizeAfter, packet: event.packetNumber, timeUs: event.timeUs };
        else {
          update.increment = event.change;
          update.sizeAfter = event.sizeAfter;
          update.packet = event.packetNumber;
          update.timeUs = event.timeUs;
        }
      }
      return;
    }
    if (event.kind !== "h2.frame") return;
    const frame = event.frame;
    if (frame.kind === "SETTINGS") {
      for (const [id, value] of frame.settings) {
        if (id !== SETTINGS_INITIAL_WINDOW_SIZE) continue;
        // A small list: most connections declare one value (a push onto [] would reserve 17 slots).
        const sizes = state.initialWindowSizes;
        if (sizes.length < MAX_INITIAL_WINDOW_SIZES && !sizes.includes(value)) state.initialWindowSizes = appended(sizes, value);
      }
      return;
    }
    if ((frame.kind !== "GOAWAY" && frame.kind !== "RST_STREAM") || frame.errorCode !== FLOW_CONTROL_ERROR) return;
    // Without the whole connection from its start the exact accounting is unknown: never guess.
    if (context.connection.joinedMidway) return;
    const complainer = event.sender;
    const accused = otherPeer(complainer);
    const violation = state.lastViolationUs?.[accused];
    if (violation !== undefined && event.timeUs - violation <= context.params.violationMemorySeconds! * 1e6) return;
    const evidence: EvidenceItem[] = [frameEvidence(event, "the FLOW_CONTROL_ERROR")];
    let message = `The ${complainer} answered ${frame.kind} FLOW_CONTROL_ERROR, but by the RFC 9113 §6.9 accounting the ${accused} broke no flow-control limit: ` +
      `the ${complainer}'s own window bookkeeping is probably wrong.`;
    const update = state.lastConnectionUpdate?.[complainer];
    if (update !== undefined) {
      evidence.push({ what: `the last connection WINDOW_UPDATE the ${complainer} received`, packet: update.packet, time: update.timeUs / 1e6, values: { increment: update.increment, correctWindowAfter: update.sizeAfter } });
      const culprit = state.initialWindowSizes.find((initial) => update.sizeAfter <= MAX_WINDOW && update.sizeAfter + (initial - DEFAULT_WINDOW) > MAX_WINDOW);
      if (culprit !== undefined) {
        message += ` The numbers fit one known bug: the ${accused}'s WINDOW_UPDATE of ${formatNumber(update.increment)} (packet ${update.packet}) brought the connection window to ` +
          `${formatNumber(update.sizeAfter)}, legal; but a peer that also applied SETTINGS_INITIAL_WINDOW_SIZE ${formatNumber(culprit)} to the connection window counts ` +
          `${formatNumber(update.sizeAfter + culprit - DEFAULT_WINDOW)}, past 2^31-1. That setting applies to stream windows only (RFC 9113 §6.9.2): fix the ${complainer}.`;
        evidence.push({ what: "the likely wrong computation", values: { initialWindowSize: culprit, wrongWindow: update.sizeAfter + culprit - DEFAULT_WINDOW } });
      }
    }
    context.report({ sender: complainer, stream: frame.streamId === 0 ? undefined : frame.streamId, packetNumber: event.packetNumber, timeUs: event.timeUs, message, evidence });
  },
});
