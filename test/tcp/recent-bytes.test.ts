import { describe, expect, it } from "vitest";
import { RecentBytes } from "../../src/tcp/recent-bytes.js";

const bytes = (text: string) => new Uint8Array(Buffer.from(text, "latin1"));

describe("RecentBytes", () => {
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
});
