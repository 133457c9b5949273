// Header block assembly (RFC 9113 §4.3, §6.10): HEADERS or PUSH_PROMISE plus CONTINUATIONs,
// joined into one block for HPACK. Bounded so a CONTINUATION flood cannot exhaust memory.

import { copyBytes } from "../../bytes/concat.js";

export interface PendingHeaderBlock {
  streamId: number;
  /** The frame that started the block. */
  startedBy: "HEADERS" | "PUSH_PROMISE";
  /** END_STREAM of the HEADERS frame, applied when the block ends (§8.1). */
  endStream: boolean;
  promisedStreamId: number | undefined;
  fragments: Uint8Array[];
  bytes: number;
  /** The block lost bytes (a gap, or it outgrew the limit): it cannot be decoded. */
  damaged: boolean;
}

/**
 * `complete`: the frame ends the block (END_HEADERS), which is decoded before the frame is done
 * with, so the fragment is used in place. Otherwise it is copied: it is a view into a buffer that
 * the frames still to come may not keep alive.
 */
export function startHeaderBlock(startedBy: "HEADERS" | "PUSH_PROMISE", streamId: number, fragment: Uint8Array,
  endStream: boolean, promisedStreamId: number | undefined, damaged: boolean, complete: boolean): PendingHeaderBlock {
  return { streamId, startedBy, endStream, promisedStreamId, fragments: [complete ? fragment : copyBytes(fragment)], bytes: fragment.length, damaged };
}

/** Adds a CONTINUATION fragment; false when the block passed `maxBytes` (it is then dropped). */
export function appendFragment(block: PendingHeaderBlock, fragment: Uint8Array, maxBytes: number): boolean {
  block.bytes += fragment.length;
  if (block.bytes > maxBytes) {
    block.fragments = [];
    block.damaged = true;
    return false;
  }
  block.fragments.push(copyBytes(fragment));
  return true;
}

export function joinHeaderBlock(block: PendingHeaderBlock): Uint8Array {
  if (block.fragments.length === 1) return block.fragments[0]!;
  const joined = new Uint8Array(block.bytes);
  let offset = 0;
  for (const fragment of block.fragments) {
    joined.set(fragment, offset);
    offset += fragment.length;
  }
  return joined;
}
