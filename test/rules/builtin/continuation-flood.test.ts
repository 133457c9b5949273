import { describe, expect, it } from "vitest";
import { continuationFlood } from "../../../src/rules/builtin/continuation-flood.js";
import { ascii, concat } from "../../support/bytes.js";
import { data, frame, goaway, headers, ping, REQUEST_BLOCK, RESPONSE_BLOCK } from "../../support/h2-frames.js";
import { CLIENT, ruleHarness, SERVER, summarize } from "../../support/rule-harness.js";

const PROTOCOL_ERROR = 1;
const ENHANCE_YOUR_CALM = 0xb;

function continuation(streamId: number, fragment: Uint8Array, endHeaders = false): Uint8Array {
  return frame({ type: "CONTINUATION", streamId, flags: endHeaders ? 4 : 0, payload: fragment });
}

/** HPACK integer with an n-bit prefix (RFC 7541 §5.1), the prefix octet's high bits given. */
function hpackInteger(value: number, prefixBits: number, high: number): Uint8Array {
  const max = (1 << prefixBits) - 1;
  if (value < max) return Uint8Array.of(high | value);
  const bytes = [high | max];
  for (value -= max; value >= 128; value = Math.floor(value / 128)) bytes.push((value % 128) | 128);
  bytes.push(value);
  return Uint8Array.from(bytes);
}

/** A literal field without indexing, with a literal name (RFC 7541 §6.2.2). */
function literal(name: string, value: string): Uint8Array {
  return concat(Uint8Array.of(0x00), hpackInteger(name.length, 7, 0), ascii(name), hpackInteger(value.length, 7, 0), ascii(value));
}

/** A request block split into HEADERS + one-octet CONTINUATIONs (the last one ends it). */
function splitRequest(streamId: number): Uint8Array[] {
  const frames = [headers(streamId, REQUEST_BLOCK.subarray(0, 2), { endStream: true, endHeaders: false })];
  for (let i = 2; i < REQUEST_BLOCK.length; i++) frames.push(continuation(streamId, REQUEST_BLOCK.subarray(i, i + 1), i === REQUEST_BLOCK.length - 1));
  return frames;
}

describe("continuation-flood", () => {
  it("reports more than 8 CONTINUATIONs when the receiver reacts, with frames, octets, ending and reaction", () => {
    const h = ruleHarness([continuationFlood]);
    h.handshake();
    h.at(0.1);
    const frames = splitRequest(1);
    // Two empty CONTINUATIONs in a row, as in the zero-length sub-variant.
    frames.splice(3, 0, continuation(1, new Uint8Array(0)), continuation(1, new Uint8Array(0)));
    h.send(CLIENT, ...frames);
    expect(h.findings).toEqual([]); // ended; waiting for the server's reaction
    h.at(0.105);
    h.send(SERVER, goaway(1, ENHANCE_YOUR_CALM));
    expect(summarize(h.findings)).toEqual(["continuation-flood:error:client:1"]);
    const finding = h.findings[0]!;
    expect(finding.message).toContain("1 HEADERS + 14 CONTINUATION frames (14 octets, 2 of them empty)");
    expect(finding.message).toContain("more than 8 CONTINUATION frames");
    expect(finding.message).toContain("ended normally with END_HEADERS");
    expect(finding.message).toContain("The server reacted with GOAWAY ENHANCE_YOUR_CALM 5.0 ms after the block began");
    expect(finding.message).toContain("nghttp2 ≥ 1.61 would have dropped the connection");
    expect(finding.message).toContain("Envoy would have closed it (2 empty CONTINUATIONs in a row");
    expect(finding.evidence[1]!.values).toMatchObject({ continuations: 14, emptyContinuations: 2, bytes: 14, ended: true });
    expect(h.close()).toHaveLength(1);
  });

  it("reports without a reaction once the wait is over", () => {
    const h = ruleHarness([continuationFlood]);
    h.handshake();
    h.at(0.1);
    h.send(CLIENT, ...splitRequest(1));
    h.at(0.8);
    h.send(SERVER, ping(new Uint8Array(8)));
    expect(h.findings).toEqual([]);
    h.at(1.2);
    h.send(SERVER, ping(new Uint8Array(8)));
    expect(summarize(h.findings)).toEqual(["continuation-flood:error:client:1"]);
    expect(h.findings[0]!.message).toContain("The server showed no reaction");
  });

  it("reports a flood still open when the receiver reacts, and one interrupted by another frame", () => {
    const open = ruleHarness([continuationFlood]);
    open.handshake();
    open.send(CLIENT, ...splitRequest(1).slice(0, 11)); // HEADERS + 10 CONTINUATIONs, no END_HEADERS
    open.send(SERVER, goaway(0, PROTOCOL_ERROR));
    expect(summarize(open.findings)).toEqual(["continuation-flood:error:client:1"]);
    expect(open.findings[0]!.message).toContain("was still open");
    expect(open.findings[0]!.message).toContain("The server reacted with GOAWAY PROTOCOL_ERROR");

    const interrupted = ruleHarness([continuationFlood]);
    interrupted.handshake();
    interrupted.send(CLIENT, ...splitRequest(1).slice(0, 11), data(1, 10));
    interrupted.send(SERVER, goaway(0, PROTOCOL_ERROR));
    expect(interrupted.findings[0]!.message).toContain("was interrupted by a DATA frame on stream 1");
  });

  it("reports a small block that never ends, at the close or after 10 s", () => {
    const closed = ruleHarness([continuationFlood]);
    closed.handshake();
    closed.at(0.1);
    closed.send(CLIENT, ...splitRequest(1).slice(0, 3));
    closed.at(0.6);
    expect(summarize(closed.close())).toEqual(["continuation-flood:error:client:1"]);
    expect(closed.findings[0]!.message).toContain("because it never ended");
    expect(closed.findings[0]!.message).toContain("never ended: the connection closed (fin) 0.50 s after it began");
    expect(closed.findings[0]!.message).toContain("The server showed no reaction (no GOAWAY, RST_STREAM, response or close) before the connection ended");

    const slow = ruleHarness([continuationFlood]);
    slow.handshake();
    const frames = splitRequest(1);
    for (let i = 0; i < 4; i++) {
      slow.at(i * 3);
      slow.send(CLIENT, frames[i]!);
    }
    slow.at(9.9);
    slow.send(SERVER, ping(new Uint8Array(8)));
    expect(slow.findings).toEqual([]);
    slow.at(10.2);
    slow.send(SERVER, ping(new Uint8Array(8)));
    expect(summarize(slow.findings)).toEqual(["continuation-flood:error:client:1"]);
    expect(slow.findings[0]!.message).toContain("it was still open after 10.");
    expect(slow.close()).toHaveLength(1);
  });

  it("at the end of the capture, reports an open flood but not a small block the capture cut off", () => {
    // The harness types only FIN and RST; the engine passes on any close reason.
    const endOfCapture = "end-of-capture";
    const cutOff = ruleHarness([continuationFlood]);
    cutOff.handshake();
    cutOff.send(CLIENT, ...splitRequest(1).slice(0, 3));
    expect(cutOff.close(endOfCapture)).toEqual([]);

    const flood = ruleHarness([continuationFlood]);
    flood.handshake();
    flood.send(CLIENT, ...splitRequest(1).slice(0, 11));
    expect(summarize(flood.close(endOfCapture))).toEqual(["continuation-flood:error:client:1"]);
    expect(flood.findings[0]!.message).toContain("was still open when the capture ended");
  });

  it("judges octets against the receiver's SETTINGS_MAX_HEADER_LIST_SIZE, and cites its 431", () => {
    const h = ruleHarness([continuationFlood]);
    h.handshake([[6, 16_384]]);
    const block = concat(REQUEST_BLOCK, literal("cookie", "c".repeat(20_000)));
    h.send(CLIENT, headers(1, block.subarray(0, 10_000), { endStream: true, endHeaders: false }), continuation(1, block.subarray(10_000), true));
    h.send(SERVER, headers(1, concat(Uint8Array.of(0x08, 0x03), ascii("431")), { endStream: true }));
    expect(summarize(h.findings)).toEqual(["continuation-flood:error:client:1"]);
    expect(h.findings[0]!.message).toContain("because its 20,026 octets pass 16,384 (the server's SETTINGS_MAX_HEADER_LIST_SIZE)");
    expect(h.findings[0]!.message).toContain("The server reacted with a response (:status 431)");
  });

  it("stays quiet on a legitimately large block in HEADERS + 2 CONTINUATIONs", () => {
    const h = ruleHarness([continuationFlood]);
    h.handshake();
    const block = concat(REQUEST_BLOCK, literal("cookie", "c".repeat(40_000)));
    h.send(CLIENT,
      headers(1, block.subarray(0, 16_384), { endStream: true, endHeaders: false }),
      continuation(1, block.subarray(16_384, 32_768)),
      continuation(1, block.subarray(32_768), true));
    h.send(SERVER, headers(1, RESPONSE_BLOCK, { endStream: true }));
    expect(h.close()).toEqual([]);
    // The same block cut into 9 CONTINUATIONs is one too many.
    const cut = ruleHarness([continuationFlood]);
    cut.handshake();
    const step = Math.ceil(block.length / 10);
    const frames = [headers(1, block.subarray(0, step), { endStream: true, endHeaders: false })];
    for (let offset = step; offset < block.length; offset += step) frames.push(continuation(1, block.subarray(offset, offset + step), offset + step >= block.length));
    cut.send(CLIENT, ...frames);
    expect(summarize(cut.close())).toEqual(["continuation-flood:error:client:1"]);
  });
});
