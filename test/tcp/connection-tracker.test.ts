import { describe, expect, it } from "vitest";
import type { TcpConnection } from "../../src/tcp/tcp-events.js";
import { ascii, ethernet, ipv4Tcp, pcapFile, type TcpPacketSpec } from "../support/bytes.js";
import { analyzeBytes, eventText } from "../support/collect.js";
import { http2PortsOf, loadCaptureBytes, loadFixtureMetas, loadKeyLogText } from "../support/fixtures.js";

const CLIENT: [number, number, number, number] = [10, 0, 0, 1];
const SERVER: [number, number, number, number] = [10, 0, 0, 2];

/** Packets one second apart unless `second` places one (seconds from the capture's start). */
function capture(specs: Array<TcpPacketSpec & { fromServer?: boolean; second?: number }>) {
  return pcapFile(specs.map((spec, index) => ({
    timeSeconds: 1_700_000_000 + (spec.second ?? index),
    timeFraction: 0,
    data: ethernet(ipv4Tcp({ ...spec, source: spec.fromServer ? SERVER : CLIENT, destination: spec.fromServer ? CLIENT : SERVER })),
  })));
}

function client(connection: TcpConnection): string {
  return connection.clientDirection === 0 ? connection.a : connection.b;
}

const handshake = (clientPort: number, clientIsn: number, serverIsn: number): Array<TcpPacketSpec & { fromServer?: boolean }> => [
  { sourcePort: clientPort, destinationPort: 8443, sequence: clientIsn, flags: "S" },
  { sourcePort: 8443, destinationPort: clientPort, sequence: serverIsn, acknowledgment: clientIsn + 1, flags: "SA", fromServer: true },
  { sourcePort: clientPort, destinationPort: 8443, sequence: clientIsn + 1, acknowledgment: serverIsn + 1, flags: "A" },
];

describe("ConnectionTracker", () => {
  it("makes the SYN sender the client and reports a clean close as soon as both FINs are acknowledged", () => {
    const { connections, events } = analyzeBytes(capture([
      ...handshake(40000, 100, 900),
      { sourcePort: 40000, destinationPort: 8443, sequence: 101, acknowledgment: 901, flags: "FA" },
      { sourcePort: 8443, destinationPort: 40000, sequence: 901, acknowledgment: 102, flags: "FA", fromServer: true },
      { sourcePort: 40000, destinationPort: 8443, sequence: 102, acknowledgment: 902, flags: "A" },
    ]));
    expect(connections).toHaveLength(1);
    expect(client(connections[0]!)).toBe("10.0.0.1:40000");
    expect(connections[0]!.roleSource).toBe("syn");
    expect(connections[0]!.closeReason).toBe("fin");
    const close = events.find((event) => event.kind === "tcp.close");
    expect(close).toMatchObject({ packetNumber: 6, reason: "fin" });
  });

  it("starts a new connection when a SYN with a new sequence number reuses a closed 4-tuple", () => {
    const { connections } = analyzeBytes(capture([
      ...handshake(40001, 100, 900),
      { sourcePort: 40001, destinationPort: 8443, sequence: 101, acknowledgment: 901, flags: "R" },
      ...handshake(40001, 5000, 7000),
      { sourcePort: 40001, destinationPort: 8443, sequence: 5001, acknowledgment: 7001, flags: "PA", payload: ascii("again") },
    ]));
    expect(connections.map((connection) => [connection.id, connection.firstPacket, connection.closeReason])).toEqual([
      [1, 1, "rst"],
      [2, 5, "end-of-capture"],
    ]);
    expect(connections[1]!.directions[0].deliveredBytes).toBe(5);
  });

  it("keeps one connection for a retransmitted SYN", () => {
    const { connections } = analyzeBytes(capture([
      { sourcePort: 40002, destinationPort: 8443, sequence: 100, flags: "S" },
      ...handshake(40002, 100, 900),
    ]));
    expect(connections).toHaveLength(1);
  });

  it("without a handshake, takes roles from the HTTP/2 preface even against the port guess", () => {
    // Ports alone would make 8443 the server; the preface shows the 8443 side is the client.
    const { connections, events } = analyzeBytes(capture([
      { sourcePort: 50000, destinationPort: 8443, sequence: 77, acknowledgment: 1, flags: "A", fromServer: true },
      { sourcePort: 8443, destinationPort: 50000, sequence: 1, acknowledgment: 77, flags: "PA", payload: ascii("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n") },
    ]));
    expect(connections[0]!.handshakeSeen).toBe(false);
    expect(connections[0]!.roleSource).toBe("http2-preface");
    expect(client(connections[0]!)).toBe("10.0.0.1:8443");
    expect(events.some((event) => event.kind === "tcp.roles")).toBe(true);
  });

  it("without a handshake or telling payload, guesses the server by port", () => {
    const { connections } = analyzeBytes(capture([
      { sourcePort: 443, destinationPort: 51515, sequence: 1, acknowledgment: 1, flags: "PA", payload: ascii("\x17\x03\x03\x00\x05hello"), fromServer: true },
    ]));
    expect(connections[0]!.roleSource).toBe("port");
    expect(client(connections[0]!)).toBe("10.0.0.1:51515");
  });

  it("counts zero-window advertisements and the probes sent into them", () => {
    const { connections, events } = analyzeBytes(capture([
      ...handshake(40003, 100, 900),
      { sourcePort: 40003, destinationPort: 8443, sequence: 101, acknowledgment: 901, flags: "PA", payload: ascii("abcd") },
      { sourcePort: 8443, destinationPort: 40003, sequence: 901, acknowledgment: 105, flags: "A", window: 0, fromServer: true },
      { sourcePort: 40003, destinationPort: 8443, sequence: 104, acknowledgment: 901, flags: "A" },
      { sourcePort: 8443, destinationPort: 40003, sequence: 901, acknowledgment: 105, flags: "A", window: 0, fromServer: true },
    ]));
    const [toServer, toClient] = connections[0]!.directions;
    expect(toClient.zeroWindowAdvertisements).toBe(2);
    expect(toServer.zeroWindowProbes).toBe(1);
    expect(events.filter((event) => event.kind === "tcp.zero-window")).toHaveLength(1);
  });

  it("drops an ended connection's late packets for 10 s of capture time, then takes the tuple as new", () => {
    const { connections, events } = analyzeBytes(capture([
      ...handshake(40005, 100, 900),
      { sourcePort: 40005, destinationPort: 8443, sequence: 101, acknowledgment: 901, flags: "FA" },
      { sourcePort: 8443, destinationPort: 40005, sequence: 901, acknowledgment: 102, flags: "FA", fromServer: true },
      { sourcePort: 40005, destinationPort: 8443, sequence: 102, acknowledgment: 902, flags: "A" },
      // Closed at packet 6 (second 5). A retransmitted FIN and a stray segment: absorbed.
      { sourcePort: 8443, destinationPort: 40005, sequence: 901, acknowledgment: 102, flags: "FA", fromServer: true, second: 7 },
      { sourcePort: 40005, destinationPort: 8443, sequence: 102, acknowledgment: 902, flags: "PA", payload: ascii("late"), second: 14 },
      // 11 s after the end the tuple is forgotten: a segment there is a connection joined mid-way.
      { sourcePort: 40005, destinationPort: 8443, sequence: 5000, acknowledgment: 7000, flags: "PA", payload: ascii("new"), second: 16 },
    ]));
    expect(connections.map((connection) => [connection.id, connection.firstPacket, connection.lastPacket, connection.handshakeSeen, connection.closeReason])).toEqual([
      [1, 1, 6, true, "fin"],
      [2, 9, 9, false, "end-of-capture"],
    ]);
    expect(events.filter((event) => event.kind === "tcp.fin")).toHaveLength(2);
    expect(connections[0]!.directions[0].deliveredBytes).toBe(0);
  });

  it("past the open-connection limit, evicts the least recently active, whose later packets start a new connection", () => {
    const { connections, events, analyzer } = analyzeBytes(capture([
      ...handshake(40010, 100, 900),
      ...handshake(40011, 200, 800),
      { sourcePort: 40010, destinationPort: 8443, sequence: 101, acknowledgment: 901, flags: "PA", payload: ascii("busy") },
      // A third connection: 40011 (last active at packet 6) is evicted, 40010 stays.
      ...handshake(40012, 300, 700),
      { sourcePort: 40010, destinationPort: 8443, sequence: 105, acknowledgment: 901, flags: "PA", payload: ascii("!") },
      { sourcePort: 40011, destinationPort: 8443, sequence: 201, acknowledgment: 801, flags: "PA", payload: ascii("again") },
    ]), 1 << 20, { limits: { maxOpenConnections: 2 } });
    const rows = connections.map((connection) => [connection.id, client(connection), connection.firstPacket, connection.lastPacket, connection.closeReason]);
    expect(rows).toEqual([
      [1, "10.0.0.1:40010", 1, 11, "end-of-capture"],
      [2, "10.0.0.1:40011", 4, 6, "evicted"],
      // Its packet 12 opened a fourth connection, which evicted the least recently active again.
      [3, "10.0.0.1:40012", 8, 10, "evicted"],
      [4, "10.0.0.1:40011", 12, 12, "end-of-capture"],
    ]);
    expect(connections[3]!.handshakeSeen).toBe(false);
    expect(connections[0]!.directions[0].deliveredBytes).toBe(5);
    expect(analyzer.summary.evictedConnections).toBe(2);
    const warnings = events.filter((event) => event.kind === "capture.warning");
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ code: "connections-evicted", packetNumber: 8 });
    expect(events.findIndex((event) => event.kind === "tcp.close" && event.connection.id === 2))
      .toBeLessThan(events.findIndex((event) => event.kind === "tcp.open" && event.connection.id === 3));
  });

  it("delivers data carried on a SYN (TCP Fast Open)", () => {
    const { streams } = analyzeBytes(capture([
      { sourcePort: 40004, destinationPort: 8443, sequence: 100, flags: "S", payload: ascii("early") },
      { sourcePort: 8443, destinationPort: 40004, sequence: 900, acknowledgment: 106, flags: "SA", fromServer: true },
      { sourcePort: 40004, destinationPort: 8443, sequence: 106, acknowledgment: 901, flags: "PA", payload: ascii("+late") },
    ]));
    expect(Buffer.from(streams.get(1)![0].join(""), "hex").toString()).toBe("early+late");
  });
});

describe("ConnectionTracker's onData sink (the CLI's pipeline: no tcp.data events)", () => {
  // Captures with loss, reordering, duplicates and mid-stream joins: every delivery path.
  const metas = loadFixtureMetas().filter((meta) => /netem|lost|mid-connection|retrans|h2load|tls/.test(meta.name));

  it("covers captures with loss, reordering and mid-stream joins", () => {
    expect(metas.length).toBeGreaterThanOrEqual(6);
  });

  for (const meta of metas) {
    it(`${meta.name}: the HTTP/2 stage gets the same bytes, so every other event is the same`, () => {
      const options = { http2Ports: http2PortsOf(meta), keyLogText: loadKeyLogText(meta) };
      const bytes = loadCaptureBytes(meta);
      const withEvents = analyzeBytes(bytes, 1 << 20, options).events.filter((event) => event.kind !== "tcp.data");
      const withSink = analyzeBytes(bytes, 1 << 20, { ...options, tcpDataEvents: false }).events;
      expect(withSink.map(eventText)).toEqual(withEvents.map(eventText));
    });
  }
});
