// HPACK Huffman decoding (RFC 7541 §5.2, Appendix B): a 4-bits-at-a-time state machine built once at load.

import { HUFFMAN_CODE_LENGTHS, HUFFMAN_EOS } from "./huffman-code.js";

/** decodeHuffman's result when the EOS symbol appears inside the string (§5.2: MUST be an error). */
export const HUFFMAN_EOS_IN_STRING = -1;
/** decodeHuffman's result when the padding is longer than 7 bits or not the high bits of EOS (§5.2). */
export const HUFFMAN_BAD_PADDING = -2;

/** Most octets `encodedLength` Huffman-coded octets can decode to: the shortest code is 5 bits. */
export function huffmanDecodedMaxLength(encodedLength: number): number {
  return Math.floor((encodedLength * 8) / 5);
}

/**
 * Decodes `input[start, end)` into `output` from index 0 and returns the decoded length, or
 * HUFFMAN_EOS_IN_STRING / HUFFMAN_BAD_PADDING. `output` must hold at least
 * huffmanDecodedMaxLength(end - start) octets; the caller owns and reuses it.
 */
export function decodeHuffman(input: Uint8Array, start: number, end: number, output: Uint8Array): number {
  let state = 0;
  let length = 0;
  for (let i = start; i < end; i++) {
    const octet = input[i]!;
    const high = TRANSITIONS[(state << 4) | (octet >>> 4)]!;
    if (high & STEP_HITS_EOS) return HUFFMAN_EOS_IN_STRING;
    if (high & STEP_EMITS) output[length++] = (high >>> 8) & 0xff;
    const low = TRANSITIONS[((high & 0xff) << 4) | (octet & 0x0f)]!;
    if (low & STEP_HITS_EOS) return HUFFMAN_EOS_IN_STRING;
    if (low & STEP_EMITS) output[length++] = (low >>> 8) & 0xff;
    state = low & 0xff;
  }
  return ACCEPTING[state] === 1 ? length : HUFFMAN_BAD_PADDING;
}

// The code as a binary tree: 257 leaves, so exactly 256 inner nodes (the code is complete), and an
// inner node id fits one octet. A state of the machine is "the bits read since the last symbol",
// i.e. an inner node; the root (0) is "at a symbol boundary".
//
// TRANSITIONS[state << 4 | nibble] packs what reading 4 bits from `state` does: bits 0–7 the
// next state, 8–15 the symbol finished (a code is ≥ 5 bits, so 4 bits finish at most one), bit 16
// a symbol was finished, bit 17 the EOS leaf was reached. Half-octet steps keep the table at 4,096
// entries: it is built at start-up, and an octet table (65,536 entries) took milliseconds to fill.
const STEP_EMITS = 1 << 16;
const STEP_HITS_EOS = 1 << 17;
const TRANSITIONS = new Uint32Array(256 * 16);
/** 1 for the states a string may end in: the root, or 1–7 one-bits (a prefix of EOS) read from it. */
const ACCEPTING = new Uint8Array(256);
/** A tree slot not filled yet (no real child id or ~symbol has this value). */
const UNSET = 0x7fffffff;


function buildStateMachine(): void {
  const codes = canonicalCodes(HUFFMAN_CODE_LENGTHS);
  // children[node * 2 + bit]: an inner node id (>= 0), or ~symbol (< 0) for a leaf.
  const children = new Int32Array(256 * 2).fill(UNSET);
  let innerNodes = 1;
  for (let symbol = 0; symbol < codes.length; symbol++) {
    const length = HUFFMAN_CODE_LENGTHS[symbol]!;
    let node = 0;
    for (let bitIndex = length - 1; bitIndex > 0; bitIndex--) {
      const slot = node * 2 + ((codes[symbol]! >>> bitIndex) & 1);
      if (children[slot] === UNSET) children[slot] = innerNodes++;
      node = children[slot]!;
    }
    children[node * 2 + (codes[symbol]! & 1)] = ~symbol;
  }
  if (innerNodes !== 256 || children.includes(UNSET)) throw new Error("HPACK Huffman table is not a complete code");

  for (let state = 0; state < 256; state++) {
    for (let nibble = 0; nibble < 16; nibble++) {
      let node = state;
      let step = 0;
      for (let bitIndex = 3; bitIndex >= 0; bitIndex--) {
        const child = children[node * 2 + ((nibble >>> bitIndex) & 1)]!;
        if (child >= 0) {
          node = child;
          continue;
        }
        const symbol = ~child;
        if (symbol === HUFFMAN_EOS) {
          step |= STEP_HITS_EOS;
          break;
        }
        step |= STEP_EMITS | (symbol << 8);
        node = 0;
      }
      TRANSITIONS[(state << 4) | nibble] = step | node;
    }
  }

  let node = 0;
  for (let ones = 0; ones <= 7; ones++) {
    ACCEPTING[node] = 1;
    node = children[node * 2 + 1]!;
  }
}


/** Canonical Huffman codes from code lengths: by (length, symbol), each code is the previous plus one. */
function canonicalCodes(lengths: readonly number[]): number[] {
  const order = lengths.map((_, symbol) => symbol).sort((a, b) => lengths[a]! - lengths[b]! || a - b);
  const codes = new Array<number>(lengths.length).fill(0);
  let code = 0;
  let previousLength = lengths[order[0]!]!;
  for (const symbol of order) {
    code *= 2 ** (lengths[symbol]! - previousLength);
    previousLength = lengths[symbol]!;
    codes[symbol] = code;
    code++;
  }
  return codes;
}

buildStateMachine();
