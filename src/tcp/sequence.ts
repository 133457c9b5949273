// TCP sequence-number arithmetic modulo 2^32 (RFC 9293 §3.4).

/** Signed distance from `from` to `to`, correct across the 2^32 wrap for |distance| < 2^31. */
export function seqDistance(from: number, to: number): number {
  return (to - from) | 0;
}

/** `base + offset` as a 32-bit sequence number, for any non-negative integer offset. */
export function seqAdd(base: number, offset: number): number {
  return (base + offset) >>> 0;
}
