import { describe, expect, it } from "vitest";
import { errorCodeName, flagNames, frameTypeName, settingName } from "../../../src/http2/frame/frame-types.js";
import { parseFrame, parseFrameHeader } from "../../../src/http2/frame/parse-frame.js";
import { concat, u16, u32 } from "../../support/bytes.js";
import { frame } from "../../support/h2-frames.js";

function decode(bytes: Uint8Array) {
  const header = parseFrameHeader(bytes);
  return parseFrame(header, bytes.subarray(9, 9 + header.length));
}

describe("frame parsers", () => {
  it("reads the 9-octet header and drops the reserved bit of the stream id", () => {
    const bytes = frame({ type: "DATA", flags: 1, streamId: 0x80000003, payload: Uint8Array.of(1, 2) });
    expect(parseFrameHeader(bytes)).toEqual({ length: 2, type: 0, flags: 1, streamId: 3 });
  });

  it("strips DATA padding and keeps the pad length", () => {
    const payload = concat(Uint8Array.of(3), Uint8Array.of(0x41, 0x42), new Uint8Array(3));
    const parsed = decode(frame({ type: "DATA", flags: 0x8, streamId: 1, payload }));
    expect(parsed).toMatchObject({ kind: "DATA", padLength: 3, length: 6 });
    expect(parsed.kind === "DATA" && [...parsed.data]).toEqual([0x41, 0x42]);
  });

  it("flags padding as long as the payload as malformed", () => {
    const parsed = decode(frame({ type: "DATA", flags: 0x8, streamId: 1, payload: Uint8Array.of(4, 0, 0, 0) }));
    expect(parsed.malformed).toContain("pad length 4");
  });

  it("reads HEADERS with padding and priority fields", () => {
    const payload = concat(Uint8Array.of(2), u32(0x80000005), Uint8Array.of(15), Uint8Array.of(0x82, 0x84), new Uint8Array(2));
    const parsed = decode(frame({ type: "HEADERS", flags: 0x4 | 0x8 | 0x20, streamId: 7, payload }));
    expect(parsed).toMatchObject({ kind: "HEADERS", padLength: 2, priority: { exclusive: true, dependsOn: 5, weight: 16 } });
    expect(parsed.kind === "HEADERS" && [...parsed.fragment]).toEqual([0x82, 0x84]);
  });

  it("reads SETTINGS pairs, keeping unknown ids, and rejects a non-multiple of 6", () => {
    const parsed = decode(frame({ type: "SETTINGS", payload: concat(u16(4), u32(1 << 20), u16(0x4242), u32(7)) }));
    expect(parsed).toMatchObject({ kind: "SETTINGS", settings: [[4, 1 << 20], [0x4242, 7]] });
    expect(decode(frame({ type: "SETTINGS", payload: new Uint8Array(5) })).malformed).toContain("multiple of 6");
    expect(decode(frame({ type: "SETTINGS", flags: 1, payload: new Uint8Array(6) })).malformed).toContain("ACK");
  });

  it("reads RST_STREAM, PING, GOAWAY, WINDOW_UPDATE and PUSH_PROMISE fields", () => {
    expect(decode(frame({ type: "RST_STREAM", streamId: 1, payload: u32(8) }))).toMatchObject({ errorCode: 8 });
    expect(decode(frame({ type: "PING", payload: Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8) }))).toMatchObject({ kind: "PING" });
    expect(decode(frame({ type: "GOAWAY", payload: concat(u32(0x7fffffff), u32(0), new Uint8Array(Buffer.from("bye"))) })))
      .toMatchObject({ lastStreamId: 0x7fffffff, errorCode: 0 });
    expect(decode(frame({ type: "WINDOW_UPDATE", streamId: 3, payload: u32(0x80000010) }))).toMatchObject({ windowIncrement: 16 });
    expect(decode(frame({ type: "PUSH_PROMISE", flags: 4, streamId: 1, payload: concat(u32(2), Uint8Array.of(0x82)) })))
      .toMatchObject({ kind: "PUSH_PROMISE", promisedStreamId: 2 });
  });

  it("flags fixed-size frames of the wrong size", () => {
    expect(decode(frame({ type: "PING", payload: new Uint8Array(7) })).malformed).toContain("not 8");
    expect(decode(frame({ type: "RST_STREAM", streamId: 1, payload: new Uint8Array(5) })).malformed).toContain("not 4");
    expect(decode(frame({ type: "PRIORITY", streamId: 1, payload: new Uint8Array(4) })).malformed).toContain("not 5");
    expect(decode(frame({ type: "WINDOW_UPDATE", payload: new Uint8Array(3) })).malformed).toContain("not 4");
  });

  it("reads ALTSVC, ORIGIN and PRIORITY_UPDATE", () => {
    const origin = new Uint8Array(Buffer.from("https://example.com"));
    expect(decode(frame({ type: "ALTSVC", payload: concat(u16(origin.byteLength), origin, new Uint8Array(Buffer.from('h2=":443"'))) })))
      .toMatchObject({ kind: "ALTSVC", origin: "https://example.com", fieldValue: 'h2=":443"' });
    expect(decode(frame({ type: "ORIGIN", payload: concat(u16(origin.byteLength), origin) }))).toMatchObject({ origins: ["https://example.com"] });
    expect(decode(frame({ type: "PRIORITY_UPDATE", payload: concat(u32(5), new Uint8Array(Buffer.from("u=1"))) })))
      .toMatchObject({ prioritizedStreamId: 5, priorityFieldValue: "u=1" });
  });

  it("keeps an unknown frame type with its number and payload", () => {
    const parsed = decode(frame({ type: 0xfa, streamId: 1, payload: Uint8Array.of(9, 9) }));
    expect(parsed).toMatchObject({ kind: "UNKNOWN", type: 0xfa, length: 2 });
    expect(frameTypeName(0xfa)).toBe("UNKNOWN(0xfa)");
  });

  it("names flags, error codes and settings as the RFC spells them", () => {
    expect(flagNames(1, 0x2d)).toEqual(["END_STREAM", "END_HEADERS", "PADDED", "PRIORITY"]);
    expect(flagNames(4, 1)).toEqual(["ACK"]);
    expect(errorCodeName(3)).toBe("FLOW_CONTROL_ERROR");
    expect(errorCodeName(0xb)).toBe("ENHANCE_YOUR_CALM");
    expect(errorCodeName(0x1f)).toBe("UNKNOWN(0x1f)");
    expect(settingName(4)).toBe("INITIAL_WINDOW_SIZE");
    expect(settingName(0x4242)).toBe("UNKNOWN(0x4242)");
  });
});
