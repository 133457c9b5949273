// Http2Analyzer's detection: a connection whose first bytes are the whole client preface starts
// decoding at once; a preface cut across segments waits for the rest; either way the same events
// come out, and bytes kept across calls never depend on the caller's buffer.

import { describe, expect, it } from "vitest";
import { Http2Analyzer } from "../../src/http2/http2-analyzer.js";
import type { Http2Event } from "../../src/http2/http2-events.js";
import { newDirectionStats } from "../../src/tcp/direction-stats.js";
import type { Direction, TcpConnection } from "../../src/tcp/tcp-events.js";
import { concat } from "../support/bytes.js";
import { headers, PREFACE, REQUEST_BLOCK, RESPONSE_BLOCK, settings, settingsAck } from "../support/h2-frames.js";

const CLIENT: Direction = 0;
const SERVER: Direction = 1;

function tcpConnection(): TcpConnection {
  return {
    id: 1, ipVersion: 4, a: "127.0.0.1:50000", b: "127.0.0.1:8080", clientDirection: CLIENT, roleSource: "syn", handshakeSeen: true,
    firstPacket: 1, lastPacket: 1, firstTimeUs: 0, lastTimeUs: 0, directions: [newDirectionStats(), newDirectionStats()],
    closed: false, closeReason: undefined,
  };
}

/**
 * Runs one connection through an analyzer: each segment is copied into one shared buffer that
 * is overwritten with 0xee after its call, as the CLI's file reader reuses its read buffer.
 */
function analyse(segments: Array<[Direction, Uint8Array]>): Http2Event[] {
  const events: Http2Event[] = [];
  const analyzer = new Http2Analyzer({
    forcedPorts: new Set(), limits: { maxHeaderBlockBytes: 1 << 20, maxStreamsPerConnection: 1000 }, emit: (event) => events.push(event),
  });
  const tcp = tcpConnection();
  analyzer.tcpEvent({ kind: "tcp.open", connection: tcp, packetNumber: 1, timeUs: 0 });
  const buffer = new Uint8Array(4096);
  segments.forEach(([direction, bytes], index) => {
    buffer.set(bytes);
    analyzer.data(tcp, direction, buffer.subarray(0, bytes.length), index + 2, (index + 2) * 1000);
    buffer.fill(0xee);
  });
  analyzer.tcpEvent({ kind: "tcp.close", connection: tcp, reason: "fin", packetNumber: segments.length + 2, timeUs: (segments.length + 2) * 1000 });
  return events;
}

/** What the events say, without the packet numbers and times that depend on the segmentation. */
function summary(events: Http2Event[]): string[] {
  return events.map((event) => {
    if (event.kind === "h2.connection") return `connection ${event.connection.discovery}`;
    if (event.kind === "h2.frame") return `${event.sender} ${event.frame.kind} ${event.frame.streamId} ${JSON.stringify(event.headers ?? null)}`;
    if (event.kind === "h2.anomaly") return `anomaly ${event.code}`;
    return event.kind;
  });
}

const clientStart = concat(PREFACE, settings([[3, 100]]), headers(1, REQUEST_BLOCK, { endStream: true }));
// The client's HEADERS is cut after its first octets, so the decoder keeps them across calls.
const headersCut = PREFACE.length + settings([[3, 100]]).length + 4;

describe("Http2Analyzer detection", () => {
  const whole = analyse([
    [CLIENT, clientStart.subarray(0, headersCut)],
    [CLIENT, clientStart.subarray(headersCut)],
    [SERVER, concat(settings([]), settingsAck(), headers(1, RESPONSE_BLOCK, { endStream: true }))],
    [CLIENT, settingsAck()],
  ]);

  it("decodes a connection whose first segment holds the whole preface, keeping a cut frame's bytes past the caller's buffer", () => {
    expect(summary(whole)).toEqual([
      "connection prior-knowledge",
      "client SETTINGS 0 null",
      "client HEADERS 1 " + JSON.stringify([[":method", "GET"], [":path", "/"], [":scheme", "http"], [":authority", "localhost"]]),
      "server SETTINGS 0 null",
      "server SETTINGS 0 null",
      "h2.settings-acked",
      "server HEADERS 1 " + JSON.stringify([[":status", "200"]]),
      "client SETTINGS 0 null",
      "h2.settings-acked",
    ]);
  });

  it("decodes the same when the preface is cut across segments (detection waits for the rest)", () => {
    const cut = analyse([
      [CLIENT, clientStart.subarray(0, 10)],
      [CLIENT, clientStart.subarray(10, PREFACE.length + 3)],
      [CLIENT, clientStart.subarray(PREFACE.length + 3)],
      [SERVER, concat(settings([]), settingsAck(), headers(1, RESPONSE_BLOCK, { endStream: true }))],
      [CLIENT, settingsAck()],
    ]);
    expect(summary(cut)).toEqual(summary(whole));
  });

  it("decodes the same when the server's SETTINGS come before the client's preface", () => {
    const serverFirst = analyse([
      [SERVER, settings([])],
      [CLIENT, clientStart],
      [SERVER, concat(settingsAck(), headers(1, RESPONSE_BLOCK, { endStream: true }))],
      [CLIENT, settingsAck()],
    ]);
    expect(summary(serverFirst)).toEqual([
      "connection prior-knowledge",
      "server SETTINGS 0 null",
      ...summary(whole).slice(1, 3),
      ...summary(whole).slice(4),
    ]);
  });

  it("leaves a connection whose first bytes are not HTTP/2 alone", () => {
    const http1 = analyse([[CLIENT, new TextEncoder().encode("GET / HTTP/1.1\r\nHost: example.com\r\n\r\n")]]);
    expect(http1).toEqual([]);
  });
});
