// Connection views for the final report, gathered as connections close and bounded: a capture
// of a million short connections must not keep a million records until the end.

import type { Http2ConnectionInfo } from "../http2/http2-events.js";
import type { Severity } from "../rules/rule.js";
import type { TcpConnection } from "../tcp/tcp-events.js";
import { isEncrypted, toConnectionView, type ConnectionView } from "./connection-view.js";

/** How many connections ended, by what they carried (`tls`: listed with ALPN and SNI, not decrypted). */
export interface ConnectionCounts {
  tcp: number;
  http2: number;
  tls: number;
}

export class ConnectionCollector {
  readonly #max: number;
  /** Whether close() must build every connection's view (NDJSON prints each), not only those kept. */
  readonly #everyView: boolean;
  readonly #http2 = new Map<number, Http2ConnectionInfo>();
  readonly #views: ConnectionView[] = [];
  #omitted = 0;
  readonly #counts: ConnectionCounts = { tcp: 0, http2: 0, tls: 0 };

  constructor(max: number, options: { everyView?: boolean } = {}) {
    this.#max = max;
    this.#everyView = options.everyView ?? false;
  }

  /** The HTTP/2 (or TLS) side of a connection, as soon as it is known. */
  http2(info: Http2ConnectionInfo): void {
    this.#http2.set(info.tcp.id, info);
  }

  /**
   * A connection ended: it is counted, its view built if it is kept (or every view is wanted),
   * and everything else about it released. Details are kept for the first `max` connections of
   * the capture, and always when `mustKeep` (it has findings in the report). `findingCounts`
   * (analyze) goes into the view. Returns the view when one was built.
   */
  close(connection: TcpConnection, mustKeep = false, findingCounts?: Record<Severity, number>): ConnectionView | undefined {
    const http2 = this.#http2.get(connection.id);
    this.#http2.delete(connection.id);
    this.#counts.tcp++;
    if (http2 !== undefined && isEncrypted(http2)) this.#counts.tls++;
    else if (http2 !== undefined) this.#counts.http2++;
    // Connection ids count up from 1 in order of first packet, so the first N are ids 1..N,
    // whichever order they end in.
    const kept = connection.id <= this.#max || mustKeep;
    if (!kept) this.#omitted++;
    // A capture of churn ends tens of thousands of connections past the limit: no view for them.
    if (!kept && !this.#everyView) return undefined;
    const view = toConnectionView(connection, http2);
    if (findingCounts !== undefined) view.findingCounts = findingCounts;
    if (kept) this.#views.push(view);
    return view;
  }

  /** Kept views in connection order. */
  views(): ConnectionView[] {
    return this.#views.sort((left, right) => left.id - right.id);
  }

  /** Connections counted but not listed (past the limit). */
  get omitted(): number {
    return this.#omitted;
  }

  /** Every connection that ended, listed or not. */
  get counts(): ConnectionCounts {
    return { ...this.#counts };
  }
}
