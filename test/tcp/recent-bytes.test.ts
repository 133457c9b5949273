import { describe, expect, it } from "vitest";
import { RecentBytes, RingPool } from "../../src/tcp/recent-bytes.js";

const bytes = (text: string) => new Uint8Array(Buffer.from(text, "latin1"));

describe("RecentBytes", () => {
  it("takes rings from a shared pool and gives them back, never reading another direction's stale bytes", () => {
    const pool = new RingPool(512);
    const first = new RecentBytes(16384, pool);
    first.write(0, bytes("abcdef"));
    first.release(); // its 512-byte ring goes to the pool
    const second = new RecentBytes(16384, pool);
    second.write(100, bytes("xy")); // takes that ring, "abcdef" still in it
    expect(second.differs(0, bytes("abcdef"))).toBeUndefined();
    expect(second.differs(100, bytes("xy"))).toBe(false);
    expect(second.differs(100, bytes("xz"))).toBe(true);
    // Growing gives the small ring back; the pool keeps at most 512 bytes, so only one such ring.
    second.write(102, new Uint8Array(1000).fill(7));
    expect(second.differs(100, bytes("xy"))).toBe(false);
    const third = new RecentBytes(16384, pool);
    const fourth = new RecentBytes(16384, pool);
    third.write(0, bytes("third"));
    fourth.write(0, bytes("fourth"));
    expect(third.differs(0, bytes("third"))).toBe(false);
    expect(fourth.differs(0, bytes("fourth"))).toBe(false);
  });

  it("compares a retransmission with the bytes delivered at its offset, across the ring's wrap", () => {
    const recent = new RecentBytes(8);
    recent.write(0, bytes("abcdef"));
    recent.write(6, bytes("ghij")); // wraps: the ring holds "cdefghij"
    expect(recent.differs(4, bytes("efgh"))).toBe(false);
    expect(recent.differs(4, bytes("efXh"))).toBe(true);
    expect(recent.differs(2, bytes("cdefghij"))).toBe(false);
  });

  it("says undefined when the original bytes were overwritten or never kept", () => {
    const recent = new RecentBytes(4);
    recent.write(0, bytes("abcdefgh"));
    expect(recent.differs(0, bytes("abcd"))).toBeUndefined();
    expect(recent.differs(2, bytes("cdef"))).toBeUndefined(); // half kept, half not, all equal
    expect(recent.differs(2, bytes("Xdef"))).toBeUndefined(); // the differing byte was not kept
    expect(recent.differs(2, bytes("cdXf"))).toBe(true); // offset 4 was kept, and differs
  });

  it("forgets what came before a gap, and everything once released", () => {
    const recent = new RecentBytes(16);
    recent.write(0, bytes("abcd"));
    recent.write(10, bytes("klmn")); // offsets 4..9 were a gap
    expect(recent.differs(0, bytes("abcd"))).toBeUndefined();
    expect(recent.differs(10, bytes("klmn"))).toBe(false);
    recent.release();
    expect(recent.differs(10, bytes("klmn"))).toBeUndefined();
    recent.write(14, bytes("op"));
    expect(recent.differs(14, bytes("op"))).toBe(false);
  });

  it("starts small and grows with what the direction carries, keeping every byte it held, wrapped or not", () => {
    // Capacity 4096: the ring starts at 512 bytes and doubles; each step must carry the old
    // contents over. Starting at stream offset 400, the first 200 bytes already wrap round the
    // 512-byte ring's end.
    const recent = new RecentBytes(4096);
    const first = 400;
    const delivered: number[] = [];
    let offset = first;
    for (const length of [200, 300, 300, 700, 1000, 1500, 1200, 3000]) {
      const segment = Uint8Array.from({ length }, (_, index) => (offset + index) * 7 % 251);
      recent.write(offset, segment);
      for (const byte of segment) delivered.push(byte);
      offset += length;
      // The last min(4096, all) bytes are kept and compare equal; one byte changed is caught.
      const kept = Math.min(4096, offset - first);
      const original = Uint8Array.from(delivered.slice(delivered.length - kept));
      expect(recent.differs(offset - kept, original)).toBe(false);
      original[0] ^= 0xff;
      expect(recent.differs(offset - kept, original)).toBe(true);
    }
    // Past the capacity nothing older is claimed.
    expect(recent.differs(offset - 4097, Uint8Array.from(delivered.slice(delivered.length - 4097)))).toBeUndefined();
  });

  it("a small direction keeps a small ring: a gap before growing drops what came before it", () => {
    const recent = new RecentBytes(16384);
    recent.write(0, bytes("x".repeat(400)));
    recent.write(1000, bytes("y".repeat(600))); // a gap, then more than the first ring holds
    expect(recent.differs(0, bytes("x".repeat(400)))).toBeUndefined();
    expect(recent.differs(1000, bytes("y".repeat(600)))).toBe(false);
    expect(recent.differs(1000, bytes("y".repeat(599) + "z"))).toBe(true);
  });
});

