// The connection's round-trip time as far as the capture shows it.

import type { Http2ConnectionInfo } from "../../http2/http2-events.js";

/**
 * Smallest SETTINGS→ACK or PING→ACK time seen, in microseconds; `fallbackMs` when none was.
 * The smallest is the best estimate: ACKs are sent at once, so extra time is queuing.
 */
export function roundTripUs(connection: Http2ConnectionInfo, fallbackMs: number): number {
  const samples = [...connection.settingsRoundTripsMs, ...connection.pingRoundTripsMs];
  return (samples.length > 0 ? Math.min(...samples) : fallbackMs) * 1000;
}
