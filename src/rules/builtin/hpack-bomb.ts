// hpack-bomb: a header block that decodes to far more than it weighs on the wire (HPACK bomb,
// CVE-2016-6581), more than the receiver said it accepts (RFC 9113 §6.5.2), or that starts with
// more dynamic table size updates than RFC 7541 §4.2 allows.
//
// Judged per block, never per index reuse: referencing the same cookie or :authority across
// requests is what HPACK is for. One finding per side per kind per connection, reported at the
// first such block: it is the proof, and repeating it for every later block would bury it (a
// receiver usually closes the connection at the first one anyway).

import type { Peer } from "../../http2/connection/stream-state.js";
import type { HeaderList } from "../../http2/http2-events.js";
import { SETTINGS_MAX_HEADER_LIST_SIZE, settingName } from "../../http2/frame/frame-types.js";
import { DEFAULT_MAX_FIELDS_PER_BLOCK, DEFAULT_MAX_HEADER_LIST_BYTES, UNKNOWN_VALUE } from "../../http2/hpack/index.js";
import { defineRule, type EvidenceItem, type RuleContext, type RuleEvent, type Severity } from "../rule.js";
import { formatNumber, otherPeer } from "../support/describe.js";

type FrameEvent = Extract<RuleEvent, { kind: "h2.frame" }>;

/** RFC 9113 §6.5.2: each field costs its name, its value and 32 octets of overhead. */
const FIELD_OVERHEAD = 32;
/** RFC 7541 §4.2: "at most two dynamic table size updates" start a block. */
const MAX_TABLE_SIZE_UPDATES = 2;

type Kind = "amplification" | "over-receiver-limit" | "decoder-limit" | "table-size-updates";

interface OpenBlock {
  encodedBytes: number;
  frames: number;
  startPacket: number;
  startUs: number;
}

/**
 * A decoded block, judged once the events of its last frame are all in (the decoder's limit error
 * follows the frame). It carries its block's facts itself: most blocks are one HEADERS frame,
 * and need no OpenBlock besides.
 */
interface Pending extends OpenBlock {
  event: FrameEvent;
  headers: HeaderList;
  /** The decoder stopped adding fields at its own limit: the real list is larger. */
  capped: boolean;
}

interface State {
  open: Record<Peer, OpenBlock | undefined>;
  pending: Pending | undefined;
  /** Kinds reported per side (a few at most: a list, not a set per side); made at the first report. */
  reported: Record<Peer, Kind[]> | undefined;
  /**
   * SETTINGS_MAX_HEADER_LIST_SIZE each side declared (binding what the other side sends), once
   * acknowledged; made at the first (most peers never declare one).
   */
  maxHeaderListSize: Partial<Record<Peer, number>> | undefined;
}

export const hpackBomb = defineRule<State>({
  id: "hpack-bomb",
  events: ["h2.frame", "h2.anomaly", "h2.settings-acked"],
  severity: "error",
  description: "A header block that decodes to far more than its encoded size (HPACK bomb), past the receiver's SETTINGS_MAX_HEADER_LIST_SIZE, or with more than two table size updates",
  parameters: {
    maxRatio: {
      default: 100,
      description: "Decoded header-list size over encoded block size. Ordinary requests compress 2-10×, and a block of repeated references to a " +
        "big cookie well under 100× once the block is large; python-hyper's CVE-2016-6581 bomb reaches 4096×",
    },
    maxDecodedBytes: {
      default: 65_536,
      description: "Decoded header-list size (names + values + 32 per field) a block must also exceed for the ratio to count, so tiny blocks " +
        "that reuse one cookie stay quiet. 64 KiB is past Envoy's 60 KiB and nginx's 32 KiB request header limits",
    },
  },
  // Its end judges a block it saw: none without an event.
  stateOnFirstEvent: true,
  createState: () => ({
    open: { client: undefined, server: undefined }, pending: undefined, reported: undefined, maxHeaderListSize: undefined,
  }),
  onEvent(event, state, context) {
    const pending = state.pending;
    if (pending !== undefined) {
      if (event.kind === "h2.anomaly" && event.packetNumber === pending.event.packetNumber) {
        const limitHit = event.code === "hpack-error" && event.sender === pending.event.sender &&
          (event.values?.hpackError === "header-list-too-large" || event.values?.hpackError === "too-many-fields");
        if (limitHit) pending.capped = true;
        return;
      }
      state.pending = undefined;
      judge(pending, state, context);
    }
    if (event.kind === "h2.settings-acked") {
      const change = event.changes.find(([name]) => name === settingName(SETTINGS_MAX_HEADER_LIST_SIZE));
      if (change !== undefined) (state.maxHeaderListSize ??= {})[event.declaredBy] = change[2];
      return;
    }
    if (event.kind !== "h2.frame") return;
    const frame = event.frame;
    if (frame.kind === "HEADERS" || frame.kind === "PUSH_PROMISE") {
      if (event.headers !== undefined) {
        // The whole block in one frame (decoded with it).
        state.open[event.sender] = undefined;
        state.pending = {
          event, headers: event.headers, capped: false, encodedBytes: frame.fragment.length, frames: 1, startPacket: event.packetNumber, startUs: event.timeUs,
        };
        return;
      }
      state.open[event.sender] = { encodedBytes: frame.fragment.length, frames: 1, startPacket: event.packetNumber, startUs: event.timeUs };
    } else if (frame.kind === "CONTINUATION") {
      const block = state.open[event.sender];
      if (block === undefined) return;
      block.encodedBytes += frame.fragment.length;
      block.frames++;
    }
    const block = state.open[event.sender];
    if (event.headers === undefined || block === undefined) return;
    state.open[event.sender] = undefined;
    state.pending = {
      event, headers: event.headers, capped: false, encodedBytes: block.encodedBytes, frames: block.frames, startPacket: block.startPacket, startUs: block.startUs,
    };
  },
  onEnd(_endUs, state, context) {
    if (state.pending !== undefined) judge(state.pending, state, context);
    state.pending = undefined;
  },
});

function judge(pending: Pending, state: State, context: RuleContext): void {
  const { event, headers, capped } = pending;
  const block: OpenBlock = pending;
  const sender = event.sender;
  const receiver = otherPeer(sender);
  let decodedBytes = 0;
  let unknownFields = 0;
  for (let i = 0; i < headers.length; i++) {
    const field = headers[i]!;
    const name = field[0];
    const value = field[1];
    // A reference to an entry we never saw (joined mid-way): its size is unknown, count only the overhead.
    if (value === UNKNOWN_VALUE && name.startsWith("<unknown entry")) {
      unknownFields++;
      decodedBytes += FIELD_OVERHEAD;
    } else {
      decodedBytes += name.length + value.length + FIELD_OVERHEAD;
    }
  }
  const encodedBytes = Math.max(1, block.encodedBytes);
  const ratio = decodedBytes / encodedBytes;
  const receiverLimit = state.maxHeaderListSize?.[receiver];
  const amplification = ratio > context.params.maxRatio! && decodedBytes > context.params.maxDecodedBytes!;
  const overReceiverLimit = receiverLimit !== undefined && decodedBytes > receiverLimit;
  const tooManyUpdates = (event.tableSizeUpdates?.length ?? 0) > MAX_TABLE_SIZE_UPDATES;
  // Every block of every connection is judged: the common verdict costs no allocation.
  if (!amplification && !capped && !overReceiverLimit && !tooManyUpdates) return;
  const updates = event.tableSizeUpdates ?? [];
  const kinds: Kind[] = [];
  if (amplification) kinds.push("amplification");
  if (capped) kinds.push("decoder-limit");
  if (overReceiverLimit) kinds.push("over-receiver-limit");
  if (tooManyUpdates) kinds.push("table-size-updates");
  const reported = (state.reported ??= { client: [], server: [] })[sender];
  if (!kinds.some((kind) => !reported.includes(kind))) return;
  for (const kind of kinds) if (!reported.includes(kind)) reported.push(kind);

  const streamId = event.frame.streamId;
  const reused = mostCostlyField(headers);
  const atLeast = capped ? "at least " : "";
  const ratioText = `${atLeast}${formatNumber(Math.round(ratio))}×`;
  const size = `${atLeast}${formatNumber(decodedBytes)} octets (names + values + 32 per field, RFC 9113 §6.5.2) from ${formatNumber(block.encodedBytes)} encoded octets in ${block.frames} frame${block.frames === 1 ? "" : "s"}: ${ratioText}`;
  const reuseText = reused !== undefined && reused.count > 1
    ? ` ${formatNumber(reused.count)} of its ${formatNumber(headers.length)} fields are the same ${formatNumber(reused.fieldBytes - FIELD_OVERHEAD)}-octet field "${preview(reused.name, reused.value)}", ${Math.round((100 * reused.count * reused.fieldBytes) / decodedBytes)}% of the decoded size.`
    : "";
  const parts: string[] = [];
  if (kinds.includes("amplification")) {
    parts.push("This is the HPACK bomb pattern (CVE-2016-6581): a few KiB on the wire make the receiver build a list many times larger, in memory and CPU.");
  }
  if (capped) {
    // The decoder reads on past its limit without keeping fields, so the encoded octets behind
    // the fields shown are unknown: the ratio shown is a floor, not the block's real one.
    parts.push(`h2scope stopped decoding at its own limit (${formatNumber(DEFAULT_MAX_HEADER_LIST_BYTES)} octets of names and values, or ${formatNumber(DEFAULT_MAX_FIELDS_PER_BLOCK)} fields), ` +
      "so the real list and ratio are larger than shown: no common receiver accepts a list this large (Chromium's 256 KiB is the most)" +
      (kinds.includes("amplification") ? "." : ", and a small block decoding past it is likely an HPACK bomb (CVE-2016-6581)."));
  }
  if (kinds.includes("over-receiver-limit")) {
    parts.push(`The ${receiver} advertised SETTINGS_MAX_HEADER_LIST_SIZE ${formatNumber(receiverLimit!)}, so it will likely refuse this block (431, RST_STREAM or GOAWAY).`);
  }
  if (kinds.includes("table-size-updates")) {
    parts.push(`The block starts with ${updates.length} dynamic table size updates (${updates.map((value) => formatNumber(value)).join(", ")}); RFC 7541 §4.2 allows at most two (the smallest size since the last block, then the final one), and each resize makes the receiver rework its table.`);
  }
  const amplified = ratio > context.params.maxRatio! || capped;
  const severity: Severity = amplified || kinds.includes("table-size-updates") ? "error" : "warning";
  const message = (
    `The ${sender}'s header block on stream ${streamId} decodes to ${size}.${reuseText} ${parts.join(" ")} ` +
    (amplified
      ? `To stop it: have the ${receiver} advertise and enforce SETTINGS_MAX_HEADER_LIST_SIZE (nginx and Envoy cap requests at 32 and 60 KiB), and block the ${sender}.`
      : severity === "warning" ? `The size, not compression, is the problem here (${ratioText}): the ${sender} sends more header data than the ${receiver} accepts.` : "")
  ).trim();

  const evidence: EvidenceItem[] = [
    { what: `the block begins (${block.frames} frame${block.frames === 1 ? "" : "s"})`, packet: block.startPacket, time: block.startUs / 1e6, stream: streamId, sender },
    {
      what: "the frame that ends the block", packet: event.packetNumber, time: event.timeUs / 1e6, stream: streamId, sender,
      values: {
        decodedBytes, encodedBytes: block.encodedBytes, ratio: Math.round(ratio * 10) / 10, fields: headers.length,
        decodingStoppedAtLimit: capped, unknownFields, tableSizeUpdates: updates.length === 0 ? null : updates.join(","),
      },
    },
  ];
  if (reused !== undefined && reused.count > 1) {
    evidence.push({
      what: "the entry reused most", stream: streamId, sender,
      values: { name: reused.name, valueLength: reused.value.length, valueStart: reused.value.slice(0, 32), occurrences: reused.count, decodedBytes: reused.count * reused.fieldBytes },
    });
  }
  for (const limit of limitsFor(sender, receiver, receiverLimit)) {
    evidence.push({ what: limit.what, values: { wouldFire: limit.bytes === null ? null : decodedBytes > limit.bytes, limit: limit.bytes, decodedBytes } });
  }
  context.report({ sender, stream: streamId, packetNumber: event.packetNumber, timeUs: event.timeUs, message, evidence, severity });
}

/** The field whose repetitions cost the most decoded octets. */
function mostCostlyField(headers: HeaderList): { name: string; value: string; count: number; fieldBytes: number } | undefined {
  const counts = new Map<string, { name: string; value: string; count: number; fieldBytes: number }>();
  let best: { name: string; value: string; count: number; fieldBytes: number } | undefined;
  for (const [name, value] of headers) {
    const key = `${name}\u0000${value}`;
    let entry = counts.get(key);
    if (entry === undefined) counts.set(key, (entry = { name, value, count: 0, fieldBytes: name.length + value.length + FIELD_OVERHEAD }));
    entry.count++;
    if (best === undefined || entry.count * entry.fieldBytes > best.count * best.fieldBytes) best = entry;
  }
  return best;
}

function preview(name: string, value: string): string {
  const shown = value.length > 24 ? `${value.slice(0, 24)}…` : value;
  return `${name}: ${shown}`;
}

function limitsFor(sender: Peer, receiver: Peer, receiverLimit: number | undefined): Array<{ what: string; bytes: number | null }> {
  const limits: Array<{ what: string; bytes: number | null }> = [
    receiverLimit !== undefined
      ? { what: `the ${receiver}'s SETTINGS_MAX_HEADER_LIST_SIZE`, bytes: receiverLimit }
      : { what: `the ${receiver} advertised no SETTINGS_MAX_HEADER_LIST_SIZE (unlimited by the RFC; its implementation still has one)`, bytes: null },
  ];
  if (sender === "client") {
    limits.push({ what: "nginx: request headers beyond large_client_header_buffers (4 × 8 KiB) → 431 or GOAWAY ENHANCE_YOUR_CALM", bytes: 32 * 1024 });
    limits.push({ what: "Envoy: max_request_headers_kb 60 → stream reset", bytes: 60 * 1024 });
  } else {
    limits.push({ what: "Chromium: kSpdyMaxHeaderListSize 256 KiB → the response is refused", bytes: 256 * 1024 });
  }
  return limits;
}
