// Http2Connection replays both directions: settings at the ACK, windows, states, anomalies.

import { describe, expect, it } from "vitest";
import { Http2Connection } from "../../../src/http2/connection/http2-connection.js";
import type { FrameDecoderMode } from "../../../src/http2/frame/frame-decoder.js";
import type { Http2Event } from "../../../src/http2/http2-events.js";
import { newDirectionStats } from "../../../src/tcp/direction-stats.js";
import type { TcpConnection } from "../../../src/tcp/tcp-events.js";
import { ascii, concat } from "../../support/bytes.js";
import {
  data, frame, goaway, headers, ping, PREFACE, REQUEST_BLOCK, RESPONSE_BLOCK, rstStream, settings, settingsAck, windowUpdate,
} from "../../support/h2-frames.js";

const CLIENT = 0;
const SERVER = 1;
const MAX = 2 ** 31 - 1;

function tcpConnection(): TcpConnection {
  return {
    id: 1, ipVersion: 4, a: "127.0.0.1:50000", b: "127.0.0.1:8080", clientDirection: 0, roleSource: "syn", handshakeSeen: true,
    firstPacket: 1, lastPacket: 1, firstTimeUs: 0, lastTimeUs: 0, directions: [newDirectionStats(), newDirectionStats()],
    closed: false, closeReason: undefined,
  };
}

function open(modes: [FrameDecoderMode, FrameDecoderMode] = ["preface", "frames"], discovery: "prior-knowledge" | "h2c-upgrade" = "prior-knowledge") {
  const events: Http2Event[] = [];
  const connection = new Http2Connection({
    tcp: tcpConnection(), discovery, modes, limits: { maxHeaderBlockBytes: 1 << 20, maxStreamsPerConnection: 1000 },
    emit: (event) => events.push(event),
  });
  let packet = 0;
  const send = (direction: 0 | 1, ...frames: Uint8Array[]) => connection.data(direction, concat(...frames), ++packet, packet * 1000);
  const anomalies = () => events.flatMap((event) => (event.kind === "h2.anomaly" ? [`${event.code}:${event.streamId ?? "-"}`] : []));
  const lastWindows = () => events.filter((event) => event.kind === "h2.frame" && event.windows !== undefined).at(-1);
  return { connection, events, send, anomalies, lastWindows };
}

/** Client preface + empty SETTINGS, server SETTINGS + ACKs: a connection at its defaults. */
function handshake(send: ReturnType<typeof open>["send"], serverSettings: Array<[number, number]> = []) {
  send(CLIENT, PREFACE, settings([]));
  send(SERVER, settings(serverSettings), settingsAck());
  send(CLIENT, settingsAck());
}

describe("Http2Connection", () => {
  it("shifts open stream windows by the SETTINGS_INITIAL_WINDOW_SIZE delta at the peer's ACK, not before (§6.9.2)", () => {
    const { send, events, anomalies } = open();
    handshake(send);
    send(CLIENT, headers(1, REQUEST_BLOCK), data(1, 16_384), data(1, 16_384), data(1, 16_384), data(1, 10_848));
    // The server shrinks the initial window; the client sends more before it ACKs.
    send(SERVER, settings([[4, 16_384]]));
    send(CLIENT, data(1, 1_000));
    const beforeAck = events.filter((event) => event.kind === "h2.frame").at(-1)!;
    expect(beforeAck.kind === "h2.frame" && beforeAck.windows).toEqual({ connectionWindow: 65_535 - 61_000, streamWindow: 65_535 - 61_000 });
    send(CLIENT, settingsAck());
    const shift = events.find((event) => event.kind === "h2.window" && event.cause === "settings");
    expect(shift).toMatchObject({ flow: "client-to-server", streamId: 1, change: 16_384 - 65_535, sizeAfter: 4_535 - 49_151 });
    // The stream window is negative now: any DATA exceeds it.
    send(CLIENT, data(1, 1));
    expect(anomalies()).toEqual(["window-exceeded:1"]);
    // A stream opened after the ACK starts at the new initial size.
    send(CLIENT, headers(3, REQUEST_BLOCK), data(3, 100));
    const last = events.filter((event) => event.kind === "h2.frame").at(-1)!;
    expect(last.kind === "h2.frame" && last.windows?.streamWindow).toBe(16_384 - 100);
  });

  it("allows a connection window of exactly 2^31-1 and flags one octet more (§6.9.1)", () => {
    const { send, anomalies, events } = open();
    handshake(send);
    send(SERVER, windowUpdate(0, MAX - 65_535));
    expect(anomalies()).toEqual([]);
    expect(events.filter((event) => event.kind === "h2.window").at(-1)).toMatchObject({ flow: "client-to-server", streamId: 0, sizeAfter: MAX });
    send(SERVER, windowUpdate(0, 1));
    expect(anomalies()).toEqual(["window-overflow:0"]);
  });

  it("flags a stream window pushed past 2^31-1, a zero increment, and DATA on stream 0", () => {
    const { send, anomalies } = open();
    handshake(send);
    send(CLIENT, headers(1, REQUEST_BLOCK, { endStream: true }));
    send(CLIENT, windowUpdate(1, MAX - 65_535 + 1), windowUpdate(0, 0), data(0, 4));
    expect(anomalies()).toEqual(["window-overflow:1", "zero-window-increment:0", "data-on-stream-0:0"]);
  });

  it("counts the whole DATA length, padding included, against both windows", () => {
    const { send, lastWindows } = open();
    handshake(send);
    send(CLIENT, headers(1, REQUEST_BLOCK));
    send(CLIENT, data(1, 100, { padLength: 20 }));
    expect(lastWindows()).toMatchObject({ windows: { connectionWindow: 65_435, streamWindow: 65_435 } });
  });

  it("flags stream-state violations: even client stream, DATA after END_STREAM, frames on idle streams", () => {
    const { send, anomalies } = open();
    handshake(send);
    send(CLIENT, headers(2, REQUEST_BLOCK, { endStream: true }));
    send(CLIENT, headers(3, REQUEST_BLOCK, { endStream: true }), data(3, 5));
    send(SERVER, data(9, 5));
    expect(anomalies()).toEqual(["stream-id-parity:2", "frame-after-end-stream:3", "frame-on-idle-stream:9"]);
  });

  it("flags a stream id that does not increase", () => {
    const { send, anomalies } = open();
    handshake(send);
    send(CLIENT, headers(5, REQUEST_BLOCK, { endStream: true }), headers(3, REQUEST_BLOCK, { endStream: true }));
    expect(anomalies()).toEqual(["stream-id-not-increasing:3"]);
  });

  it("assembles HEADERS + CONTINUATION into one block and decodes it on the last frame", () => {
    const { send, events, anomalies } = open();
    handshake(send);
    send(CLIENT, headers(1, REQUEST_BLOCK.subarray(0, 3), { endHeaders: false }), frame({ type: "CONTINUATION", streamId: 1, flags: 4, payload: REQUEST_BLOCK.subarray(3) }));
    const frames = events.filter((event) => event.kind === "h2.frame" && event.frame.streamId === 1);
    expect(frames.map((event) => event.kind === "h2.frame" && event.headers)).toEqual([
      undefined,
      [[":method", "GET"], [":path", "/"], [":scheme", "http"], [":authority", "localhost"]],
    ]);
    expect(anomalies()).toEqual([]);
  });

  it("flags a frame that interrupts a header block, and a CONTINUATION without one", () => {
    const { send, anomalies } = open();
    handshake(send);
    send(CLIENT, headers(1, REQUEST_BLOCK.subarray(0, 3), { endHeaders: false }), data(1, 3));
    send(CLIENT, frame({ type: "CONTINUATION", streamId: 1, flags: 4, payload: REQUEST_BLOCK.subarray(3) }));
    expect(anomalies()).toEqual(["continuation-expected:1", "unexpected-continuation:1"]);
  });

  it("pairs PING with its ACK and SETTINGS with theirs, with round-trip times", () => {
    const { send, events, connection } = open();
    handshake(send, [[3, 100]]);
    const opaque = Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8);
    send(CLIENT, ping(opaque));
    send(SERVER, ping(opaque, true));
    expect(events.find((event) => event.kind === "h2.ping-acked")).toMatchObject({ sender: "client", roundTripUs: 1000 });
    expect(events.filter((event) => event.kind === "h2.settings-acked").map((event) => event.kind === "h2.settings-acked" && event.declaredBy)).toEqual(["client", "server"]);
    expect(connection.info.pingRoundTripsMs).toEqual([1]);
  });

  it("remembers the newest 1,024 unacknowledged PINGs of a side: an ACK of an older one times nothing", () => {
    const { send, events } = open();
    handshake(send);
    const opaque = (n: number) => Uint8Array.of(0, 0, 0, 0, 0, 0, n >> 8, n & 0xff);
    for (let n = 0; n < 1100; n++) send(CLIENT, ping(opaque(n)));
    send(SERVER, ping(opaque(0), true), ping(opaque(75), true), ping(opaque(76), true), ping(opaque(1099), true));
    const acked = events.flatMap((event) => (event.kind === "h2.ping-acked" ? [event.roundTripUs] : []));
    // PINGs 0-75 were forgotten to keep 1,024; 76 and 1099 are timed from when they were sent
    // (one packet, 1 ms, each: PING n in packet 4 + n after the handshake's three, the ACKs in 1104).
    expect(acked).toEqual([(1104 - (4 + 76)) * 1000, (1104 - (4 + 1099)) * 1000]);
  });

  it("flags a frame larger than the receiver's SETTINGS_MAX_FRAME_SIZE, and allows it once raised and acknowledged", () => {
    const { send, anomalies } = open();
    handshake(send);
    send(CLIENT, headers(1, REQUEST_BLOCK, { endStream: true }));
    send(SERVER, headers(1, RESPONSE_BLOCK), frame({ type: "DATA", streamId: 1, payload: new Uint8Array(20_000) }));
    expect(anomalies()).toEqual(["frame-too-large:1"]);
    send(CLIENT, settings([[5, 32_768]]));
    send(SERVER, settingsAck(), frame({ type: "DATA", streamId: 1, flags: 1, payload: new Uint8Array(20_000) }));
    expect(anomalies().filter((code) => code.startsWith("frame-too-large"))).toHaveLength(1);
  });

  it("records resets and GOAWAYs by sender and reports unknown frame types without stopping", () => {
    const { send, connection, anomalies } = open();
    handshake(send);
    send(CLIENT, headers(1, REQUEST_BLOCK, { endStream: true }));
    send(SERVER, rstStream(1, 2), frame({ type: 0xfa, streamId: 0, payload: Uint8Array.of(1, 2, 3) }), goaway(1, 1, "bye"));
    expect(connection.info.resets).toEqual([{ streamId: 1, errorCode: "INTERNAL_ERROR", sender: "server", packetNumber: 5 }]);
    expect(connection.info.goaways).toMatchObject([{ lastStreamId: 1, errorCode: "PROTOCOL_ERROR", debugData: "bye", sender: "server" }]);
    expect(connection.info.framesByType["UNKNOWN(0xfa)"]).toBe(1);
    expect(anomalies()).toEqual(["unknown-frame-type:0"]);
  });

  it("h2c: applies HTTP2-Settings at the 101 and answers the upgraded request on stream 1", () => {
    const { connection, events, anomalies } = open(["http1-request", "http1-response"], "h2c-upgrade");
    // HTTP2-Settings: INITIAL_WINDOW_SIZE (4) = 1,000,000
    const settingsHeader = Buffer.from(Uint8Array.of(0, 4, 0, 0x0f, 0x42, 0x40)).toString("base64url");
    connection.data(0, ascii(`GET / HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: ${settingsHeader}\r\n\r\n`), 1, 1000);
    connection.data(1, concat(ascii("HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\n\r\n"), settings([]), headers(1, RESPONSE_BLOCK), data(1, 10, { endStream: true })), 2, 2000);
    connection.data(0, concat(PREFACE, settings([]), settingsAck()), 3, 3000);
    expect(anomalies()).toEqual([]);
    const dataFrame = events.find((event) => event.kind === "h2.frame" && event.frame.kind === "DATA");
    // The server's stream-1 data is limited by the client's 1,000,000 from HTTP2-Settings.
    expect(dataFrame?.kind === "h2.frame" && dataFrame.windows).toEqual({ connectionWindow: 65_525, streamWindow: 999_990 });
  });
});
