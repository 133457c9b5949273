// Modules loaded on first use. Each of these costs start-up time and 1.5–5 MB of memory (node's
// crypto, zlib, worker_threads, the cli-table3 package), and most runs need only some of them:
// no TLS, no gzip, one capture, JSON output.

import { createRequire } from "node:module";

const require = createRequire(import.meta.url);

/** A getter that loads `specifier` (a node built-in or a CommonJS package) the first time it is called. */
export function lazyModule<T>(specifier: string): () => T {
  let loaded: T | undefined;
  return () => (loaded ??= require(specifier) as T);
}
