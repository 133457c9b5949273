// GOAWAY debug strings that name the implementation and the limit behind them
// (shared/research/failure-signatures.md §0).

const FINGERPRINTS: Array<[RegExp, string]> = [
  [/^too_many_pings$/, "gRPC keepalive enforcement: the client sent PINGs more often than the server permits (grpc-go's default minimum interval is 5 minutes; 2 hours with no active stream)"],
  [/^too_many_internal_resets$/, "Rust h2's lifetime cap on streams it reset itself (about 1,024): usually a library or application bug on the sending side"],
  [/^too_many_resets$/, "Rust h2's cap on streams reset by the peer before the application accepted them (rapid-reset defence)"],
  [/Maximum number of RST frames reached/, "Netty's RST_STREAM rate limiter (200 per 30 s by default)"],
  [/^max_age$/, "grpc-go MaxConnectionAge rotation (benign)"],
  [/^max_idle$/, "grpc-go MaxConnectionIdle rotation (benign)"],
];

/** What a GOAWAY's debug data says about who sent it and why, when it is a known string. */
export function explainGoawayDebug(debug: string): string | undefined {
  for (const [pattern, meaning] of FINGERPRINTS) if (pattern.test(debug)) return meaning;
  return undefined;
}
