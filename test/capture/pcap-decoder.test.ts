import { describe, expect, it } from "vitest";
import { CaptureReader } from "../../src/capture/capture-reader.js";
import { capturedData } from "../../src/capture/captured-packet.js";
import { H2scopeError } from "../../src/errors.js";
import { ascii, ethernet, ipv4Tcp, pcapFile } from "../support/bytes.js";
import { chunksOf, collectingSink } from "../support/collect.js";

function read(bytes: Uint8Array, chunkSize = bytes.byteLength || 1) {
  const sink = collectingSink();
  const reader = new CaptureReader(sink);
  try {
    for (const chunk of chunksOf(bytes, chunkSize)) reader.push(chunk);
    reader.end();
  } catch (error) {
    if (!(error instanceof H2scopeError)) throw error;
    sink.error = error;
  }
  return { sink, reader };
}

const packetA = ethernet(ipv4Tcp({ sourcePort: 1234, destinationPort: 80, sequence: 1, flags: "PA", payload: ascii("hello") }));
const packetB = ethernet(ipv4Tcp({ sourcePort: 80, destinationPort: 1234, sequence: 9, flags: "A" }));

describe("classic pcap", () => {
  it.each([
    { littleEndian: true, nanoseconds: false, name: "pcap (microsecond, little-endian)" },
    { littleEndian: false, nanoseconds: false, name: "pcap (microsecond, big-endian)" },
    { littleEndian: true, nanoseconds: true, name: "pcap (nanosecond, little-endian)" },
    { littleEndian: false, nanoseconds: true, name: "pcap (nanosecond, big-endian)" },
  ])("reads $name", ({ littleEndian, nanoseconds, name }) => {
    const fraction = nanoseconds ? 123_456_789 : 123_456;
    const file = pcapFile([
      { timeSeconds: 1_700_000_000, timeFraction: fraction, data: packetA },
      { timeSeconds: 1_700_000_001, timeFraction: 0, data: packetB, originalLength: packetB.byteLength + 10 },
    ], { littleEndian, nanoseconds });
    const { sink, reader } = read(file);
    expect(reader.formatName).toBe(name);
    expect(sink.error).toBeUndefined();
    expect(sink.packets.map((packet) => [packet.packetNumber, packet.timeUs, packet.originalLength, packet.linkType])).toEqual([
      [1, 1_700_000_000_123_456, packetA.byteLength, 1],
      [2, 1_700_000_001_000_000, packetB.byteLength + 10, 1],
    ]);
    expect(sink.packets[0]!.data).toBe(Buffer.from(packetA).toString("hex"));
    expect(sink.packets[1]!.recordOffset).toBe(24 + 16 + packetA.byteLength);
  });

  it("fills one packet object for every record (the sink keeps fields, not the object), and keeps each data view valid", () => {
    const file = pcapFile([
      { timeSeconds: 1, timeFraction: 2, data: packetA },
      { timeSeconds: 3, timeFraction: 4, data: packetB },
    ]);
    const seen: Array<{ object: object; packetNumber: number; data: Uint8Array }> = [];
    const reader = new CaptureReader({ packet: (packet) => seen.push({ object: packet, packetNumber: packet.packetNumber, data: capturedData(packet) }), warning() {}, secrets() {} });
    reader.push(file);
    reader.end();
    expect(seen.map((entry) => entry.packetNumber)).toEqual([1, 2]);
    expect(seen[1]!.object).toBe(seen[0]!.object);
    expect([...seen[0]!.data]).toEqual([...packetA]);
    expect([...seen[1]!.data]).toEqual([...packetB]);
  });

  it("gives the same packets fed one byte at a time as all at once", () => {
    const file = pcapFile([
      { timeSeconds: 1, timeFraction: 2, data: packetA },
      { timeSeconds: 3, timeFraction: 4, data: packetB },
    ]);
    const whole = read(file).sink;
    const bytewise = read(file, 1).sink;
    expect(bytewise.packets).toEqual(whole.packets);
    expect(bytewise.packets).toHaveLength(2);
  });

  it("keeps every packet before a final record cut short, and warns where", () => {
    const file = pcapFile([
      { timeSeconds: 1, timeFraction: 0, data: packetA },
      { timeSeconds: 2, timeFraction: 0, data: packetB },
    ]);
    const cut = file.subarray(0, file.byteLength - 5);
    const { sink } = read(cut);
    expect(sink.error).toBeUndefined();
    expect(sink.packets).toHaveLength(1);
    expect(sink.warnings).toHaveLength(1);
    expect(sink.warnings[0]).toMatchObject({ code: "truncated-record", packetNumber: 2, byteOffset: 24 + 16 + packetA.byteLength });
  });

  it("stops at an impossible record length, naming its byte offset, after the packets before it", () => {
    const file = pcapFile([
      { timeSeconds: 1, timeFraction: 0, data: packetA },
      { timeSeconds: 2, timeFraction: 0, data: packetB },
    ]);
    const damagedOffset = 24 + 16 + packetA.byteLength;
    new DataView(file.buffer, file.byteOffset).setUint32(damagedOffset + 8, 0xffffff00, true);
    const { sink } = read(file);
    expect(sink.packets).toHaveLength(1);
    expect(sink.error?.code).toBe("capture-damaged");
    expect(sink.error?.byteOffset).toBe(damagedOffset);
    expect(sink.error?.message).toContain(`byte offset ${damagedOffset}`);
  });

  it("says the input is empty", () => {
    const { sink } = read(new Uint8Array(0));
    expect(sink.error?.code).toBe("not-a-capture");
    expect(sink.error?.message).toBe("the input is empty");
  });

  it("names the magic bytes of something that is not a capture", () => {
    const { sink } = read(ascii("GET / HTTP/1.1\r\n"));
    expect(sink.error?.code).toBe("not-a-capture");
    expect(sink.error?.message).toContain("47455420");
    expect(sink.error?.message).toContain('"GET "');
  });
});
