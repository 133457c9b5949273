// A full garbage collection asked of V8 every so much input: the CLI's bound on old garbage.
//
// V8 collects its old generation again only once it reaches some 3.5-4 times what survived the
// last full collection. Over a long capture, what the pipeline keeps a while and then drops
// (ended connections, frames a rule held) piles up toward that limit: on the 1.3 GB bench capture
// the peak RSS was 138-141 MiB, 40-48 MB of it old-generation space of which about 12 MB was
// alive. A full collection every 256 MiB of input keeps that space near what is alive: 117 MiB,
// with no time cost measurable (six alternating runs each; each collection takes a few
// milliseconds). Captures under 256 MiB are not affected.

import { lazyModule } from "../lazy-module.js";

// Loaded at the first collection: node:v8 costs some 2 ms of every start, and most captures
// are smaller than one step.
const v8 = lazyModule<typeof import("node:v8")>("node:v8");
const vm = lazyModule<typeof import("node:vm")>("node:vm");

export const FULL_COLLECTION_EVERY_BYTES = 256 * 1024 * 1024;

let fullCollection: (() => void) | null | undefined;

/** Runs a full collection now; does nothing where V8 offers none. */
export function collectGarbage(): void {
  if (fullCollection === undefined) {
    try {
      // The flag exposes gc() to contexts made after it is set: a fresh one hands it over.
      v8().setFlagsFromString("--expose-gc");
      const gc: unknown = vm().runInNewContext("gc");
      fullCollection = typeof gc === "function" ? (gc as () => void) : null;
    } catch {
      fullCollection = null;
    }
  }
  fullCollection?.();
}
