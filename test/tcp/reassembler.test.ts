import { describe, expect, it } from "vitest";
import { newDirectionStats } from "../../src/tcp/direction-stats.js";
import { DirectionReassembler, type GapReason, type ReassemblyLimits, type ReassemblyOutput } from "../../src/tcp/reassembler.js";
import { RingPool } from "../../src/tcp/recent-bytes.js";

type Recorded =
  | { kind: "data"; offset: number; text: string; packet: number }
  | { kind: "gap"; offset: number; length: number; reason: GapReason }
  | { kind: "retransmission"; offset: number; length: number; differ: boolean | undefined }
  | { kind: "stall"; durationUs: number; inFlight: number; resolved: boolean };

function setup(limits: Partial<ReassemblyLimits> = {}) {
  const events: Recorded[] = [];
  const output: ReassemblyOutput = {
    data: (offset, bytes, packet) => events.push({ kind: "data", offset, text: Buffer.from(bytes).toString("latin1"), packet }),
    gap: (offset, length, reason) => events.push({ kind: "gap", offset, length, reason }),
    retransmission: (offset, length, differ) => events.push({ kind: "retransmission", offset, length, differ }),
    ackStall: (durationUs, inFlight, resolved) => events.push({ kind: "stall", durationUs, inFlight, resolved }),
  };
  const stats = newDirectionStats();
  const reassembler = new DirectionReassembler(output, stats, {
    maxHeldBytes: limits.maxHeldBytes ?? 1 << 20,
    maxHistoryBytes: limits.maxHistoryBytes ?? 1 << 20,
    ackStallUs: limits.ackStallUs ?? 1_000_000,
    heldTotal: limits.heldTotal ?? { held: 0, max: 1 << 30 },
    ringPool: new RingPool(0),
  });
  let packet = 0;
  const send = (sequence: number, text: string, options: { fin?: boolean; capturedLength?: number; timeUs?: number } = {}) => {
    const bytes = Buffer.from(text, "latin1");
    const captured = options.capturedLength === undefined ? bytes : bytes.subarray(0, options.capturedLength);
    return reassembler.segment(sequence >>> 0, captured, bytes.byteLength, options.fin ?? false, false, ++packet, options.timeUs ?? packet);
  };
  const delivered = () => events.filter((event) => event.kind === "data").map((event) => (event as { text: string }).text).join("");
  return { events, stats, reassembler, send, delivered };
}

describe("DirectionReassembler", () => {
  it("delivers in-order segments as they come", () => {
    const { reassembler, send, delivered, stats } = setup();
    reassembler.synchronize(999);
    expect(send(1000, "hello ")).toBe("in-order");
    expect(send(1006, "world")).toBe("in-order");
    expect(delivered()).toBe("hello world");
    expect(stats.deliveredBytes).toBe(11);
    expect(stats.retransmissions).toBe(0);
  });

  it("buffers out-of-order segments and delivers them once the hole fills", () => {
    const { reassembler, send, delivered, events, stats } = setup();
    reassembler.synchronize(99);
    send(100, "aaaa");
    expect(send(108, "cccc")).toBe("out-of-order");
    expect(send(112, "dddd")).toBe("out-of-order");
    expect(delivered()).toBe("aaaa");
    expect(send(104, "bbbb")).toBe("in-order");
    expect(delivered()).toBe("aaaabbbbccccdddd");
    // Delivery keeps each byte's own packet number.
    expect(events.filter((event) => event.kind === "data").map((event) => (event as { packet: number }).packet)).toEqual([1, 4, 2, 3]);
    expect(stats.outOfOrderSegments).toBe(1); // the late "bbbb" that filled the hole
    expect(stats.gaps).toBe(0);
  });

  it("counts a full duplicate as a retransmission with identical bytes, and delivers nothing twice", () => {
    const { reassembler, send, delivered, events, stats } = setup();
    reassembler.synchronize(0);
    send(1, "abcdef");
    expect(send(1, "abcdef")).toBe("retransmission");
    expect(delivered()).toBe("abcdef");
    expect(stats.retransmissions).toBe(1);
    expect(stats.retransmittedBytes).toBe(6);
    expect(events.at(-1)).toEqual({ kind: "retransmission", offset: 0, length: 6, differ: false });
    expect(stats.overlapMismatches).toBe(0);
  });

  it("flags a retransmission whose bytes differ from the original", () => {
    const { reassembler, send, delivered, events, stats } = setup();
    reassembler.synchronize(0);
    send(1, "abcdef");
    send(4, "XYZghi"); // overlaps "def" with different bytes, then adds "ghi"
    expect(delivered()).toBe("abcdefghi");
    expect(events.find((event) => event.kind === "retransmission")).toEqual({ kind: "retransmission", offset: 3, length: 3, differ: true });
    expect(stats.overlapMismatches).toBe(1);
  });

  it("trims a segment overlapping both sides of a held one", () => {
    const { reassembler, send, delivered } = setup();
    reassembler.synchronize(0);
    send(1, "ab");
    send(7, "ghij"); // held
    send(3, "cdefgh"); // fills the hole and overlaps "gh" of the held segment
    expect(delivered()).toBe("abcdefghij");
  });

  it("unwraps sequence numbers across 2^32", () => {
    const { reassembler, send, delivered, stats } = setup();
    reassembler.synchronize(0xfffffff0);
    send(0xfffffff1, "0123456789"); // ends at 0xfffffffb
    send(0x00000003, "late"); // after the wrap: held (hole from 0xfffffffb to 3)
    send(0xfffffffb, "ABCDEFGH"); // fills 0xfffffffb..0x00000002
    expect(delivered()).toBe("0123456789ABCDEFGHlate");
    expect(reassembler.nextOffset).toBe(22);
    expect(stats.gaps).toBe(0);
  });

  it("turns bytes the receiver acknowledged but the capture missed into a gap, and goes on", () => {
    const { reassembler, send, delivered, events } = setup();
    reassembler.synchronize(0);
    send(1, "aaaa");
    send(9, "cccc"); // bytes 5..8 were lost by the capture
    reassembler.acknowledge(13, 10, 10);
    expect(delivered()).toBe("aaaacccc");
    expect(events.filter((event) => event.kind === "gap")).toEqual([{ kind: "gap", offset: 4, length: 4, reason: "acked-unseen" }]);
  });

  it("does not count the FIN's sequence number as a missing byte", () => {
    const { reassembler, send, events } = setup();
    reassembler.synchronize(0);
    send(1, "abc", { fin: true });
    reassembler.acknowledge(5, 2, 2); // acknowledges 3 bytes + FIN
    expect(events.filter((event) => event.kind === "gap")).toEqual([]);
  });

  it("gives up on a hole when out-of-order bytes pass the buffer limit", () => {
    const { reassembler, send, delivered, events } = setup({ maxHeldBytes: 8 });
    reassembler.synchronize(0);
    send(1, "aa");
    send(5, "cccc");
    expect(delivered()).toBe("aa");
    send(9, "ddddd"); // held bytes now 9 > 8
    expect(events.filter((event) => event.kind === "gap")).toEqual([{ kind: "gap", offset: 2, length: 2, reason: "buffer-limit" }]);
    expect(delivered()).toBe("aaccccddddd");
  });

  it("gives up on its hole when all directions together hold more than their shared total", () => {
    const heldTotal = { held: 0, max: 8 };
    const first = setup({ heldTotal });
    const second = setup({ heldTotal });
    first.reassembler.synchronize(0);
    second.reassembler.synchronize(0);
    first.send(1, "aa");
    first.send(5, "cccc"); // first holds 4
    second.send(3, "xxx"); // second holds 3: 7 in all
    expect(heldTotal.held).toBe(7);
    expect(first.events.concat(second.events).filter((event) => event.kind === "gap")).toEqual([]);
    second.send(7, "yy"); // 9 in all: the direction that buffers more gives up its own hole
    expect(second.events.filter((event) => event.kind === "gap")).toEqual([{ kind: "gap", offset: 0, length: 2, reason: "buffer-limit" }]);
    expect(first.events.filter((event) => event.kind === "gap")).toEqual([]);
    expect(second.delivered()).toBe("xxx");
    expect(heldTotal.held).toBe(6);
    // Bytes leave the total as they are delivered, also when a hole fills.
    first.send(3, "bb");
    expect(first.delivered()).toBe("aabbcccc");
    expect(heldTotal.held).toBe(2);
    second.reassembler.finish(9, 9);
    expect(heldTotal.held).toBe(0);
  });

  it("flushes held segments at the end with the holes as gaps", () => {
    const { reassembler, send, delivered, events } = setup();
    reassembler.synchronize(0);
    send(1, "a");
    send(3, "c");
    send(6, "f");
    reassembler.finish(9, 9);
    expect(delivered()).toBe("acf");
    expect(events.filter((event) => event.kind === "gap").map((event) => [(event as { offset: number }).offset, (event as { length: number }).length]))
      .toEqual([[1, 1], [3, 2]]);
  });

  it("delivers the captured part of a snaplen-cut segment and a not-captured gap for the rest", () => {
    const { reassembler, send, delivered, events, stats } = setup();
    reassembler.synchronize(0);
    send(1, "abcdefgh", { capturedLength: 3 });
    send(9, "ij");
    expect(delivered()).toBe("abcij");
    expect(events.find((event) => event.kind === "gap")).toEqual({ kind: "gap", offset: 3, length: 5, reason: "not-captured" });
    expect(stats.deliveredBytes + stats.gapBytes).toBe(10);
  });

  it("starts at the first sequence number seen when the handshake is missing", () => {
    const { send, delivered, reassembler } = setup();
    send(123456, "mid");
    send(123459, "way");
    expect(delivered()).toBe("midway");
    expect(reassembler.offsetOf(123459 + 3)).toBe(6);
  });

  it("takes a one-byte segment just below the edge for a keep-alive, not a retransmission", () => {
    const { reassembler, send, stats } = setup();
    reassembler.synchronize(0);
    send(1, "abc");
    expect(send(3, "c")).toBe("keep-alive");
    expect(stats.keepAlives).toBe(1);
    expect(stats.retransmissions).toBe(0);
  });

  it("measures bytes in flight and reports an ACK stall past the threshold", () => {
    const { reassembler, send, events, stats } = setup({ ackStallUs: 500 });
    reassembler.synchronize(0);
    reassembler.acknowledge(1, 1, 0);
    send(1, "x".repeat(100), { timeUs: 1000 });
    expect(reassembler.bytesInFlight).toBe(100);
    reassembler.acknowledge(51, 3, 1200); // progress after 200 µs: no event
    reassembler.acknowledge(101, 4, 2000); // progress after another 800 µs: a stall
    expect(events.filter((event) => event.kind === "stall")).toEqual([{ kind: "stall", durationUs: 800, inFlight: 50, resolved: true }]);
    expect(stats.maxBytesInFlight).toBe(100);
    expect(stats.maxAckStallUs).toBe(800);
    expect(reassembler.bytesInFlight).toBe(0);
  });

  it("reports a stall while it lasts, each time it doubles, and again when ACKs resume", () => {
    const { reassembler, send, events } = setup({ ackStallUs: 1000 });
    reassembler.synchronize(0);
    reassembler.acknowledge(1, 1, 0);
    send(1, "abc", { timeUs: 100 });
    send(1, "abc", { timeUs: 600 }); // a retransmission before the threshold: nothing yet
    expect(events.filter((event) => event.kind === "stall")).toEqual([]);
    send(1, "abc", { timeUs: 1500 }); // another, past it: reported as ongoing
    expect(events.filter((event) => event.kind === "stall")).toEqual([{ kind: "stall", durationUs: 1400, inFlight: 3, resolved: false }]);
    send(1, "abc", { timeUs: 2500 }); // 2400 µs: not yet twice 1400
    send(1, "abc", { timeUs: 3000 }); // 2900 µs: doubled, reported again
    reassembler.acknowledge(4, 9, 3500);
    expect(events.filter((event) => event.kind === "stall")).toEqual([
      { kind: "stall", durationUs: 1400, inFlight: 3, resolved: false },
      { kind: "stall", durationUs: 2900, inFlight: 3, resolved: false },
      { kind: "stall", durationUs: 3400, inFlight: 3, resolved: true },
    ]);
  });

  it("delivers the same bytes whether segments come in order or reversed", () => {
    const text = "The quick brown fox jumps over the lazy dog, again and again.";
    const pieces: Array<[number, string]> = [];
    for (let offset = 0; offset < text.length; offset += 7) pieces.push([offset, text.slice(offset, offset + 7)]);
    const ordered = setup();
    ordered.reassembler.synchronize(41);
    for (const [offset, piece] of pieces) ordered.send(42 + offset, piece);
    const reversed = setup();
    reversed.reassembler.synchronize(41);
    for (const [offset, piece] of [...pieces].reverse()) reversed.send(42 + offset, piece);
    expect(ordered.delivered()).toBe(text);
    expect(reversed.delivered()).toBe(text);
  });
});
