// `h2scope connections` output: a table for people, JSON for programs.

import { captureSummaryView, formatCapturePartLines } from "./capture-view.js";
import type { CaptureSummary } from "../pipeline.js";
import { formatBoxTable } from "./box-table.js";
import { isEncrypted, type ConnectionView, type Http2View } from "./connection-view.js";
import { formatBytes, formatSeconds } from "./format-units.js";

/** `omitted`: connections counted but not listed (past --max-connections). */
export function formatConnectionsTable(connections: ConnectionView[], summary: CaptureSummary, omitted = 0): string {
  const head = ["#", "Client", "Server", "C→S pkts", "C→S bytes", "S→C pkts", "S→C bytes", "Duration", "Retrans", "Gaps", "Roles by", "Protocol", "Streams", "Resets", "GOAWAY"];
  const rows: Array<Array<string | number>> = [];
  for (const view of connections) {
    const retransmissions = view.clientToServer.retransmissions + view.serverToClient.retransmissions;
    const gaps = view.clientToServer.gaps + view.serverToClient.gaps;
    const gapBytes = view.clientToServer.gapBytes + view.serverToClient.gapBytes;
    rows.push([
      view.id,
      view.client,
      view.server,
      view.clientToServer.packets,
      formatBytes(view.clientToServer.payloadBytes),
      view.serverToClient.packets,
      formatBytes(view.serverToClient.payloadBytes),
      formatSeconds(view.durationSeconds),
      retransmissions,
      gaps === 0 ? "0" : `${gaps} (${formatBytes(gapBytes)})`,
      view.handshakeSeen ? view.rolesDecidedBy : `${view.rolesDecidedBy}, joined mid-way`,
      formatProtocol(view),
      view.http2 && !isEncrypted(view.http2) ? view.http2.streams : "",
      view.http2 ? formatResets(view.http2) : "",
      view.http2 ? view.http2.goaways.map((goaway) => `${goaway.errorCode} by ${goaway.sender}`).join(", ") : "",
    ]);
  }
  return `${formatBoxTable(head, rows)}\n${[formatCaptureLine(connections.length, omitted, summary), ...formatCapturePartLines(summary)].join("\n")}\n`;
}

function formatProtocol(view: ConnectionView): string {
  const http2 = view.http2;
  if (http2 === undefined) return "";
  const version = http2.tls?.version ?? "TLS";
  if (http2.discovery === "tls" && !isEncrypted(http2)) return `HTTP/2 (${version}, decrypted)`;
  if (http2.discovery === "tls") {
    const alpn = http2.tls?.alpnSelected ?? (http2.tls?.alpnOffered.length ? `offers ${http2.tls.alpnOffered.join(",")}` : "no ALPN");
    return http2.tls?.decryption === "decrypted" ? `${version} (${alpn}), decrypted, not HTTP/2` : `${version} (${alpn})`;
  }
  const how = { "prior-knowledge": "prior knowledge", "h2c-upgrade": "h2c upgrade", "mid-connection": "joined mid-way", "forced-port": "--h2-port" }[http2.discovery] ?? http2.discovery;
  return `HTTP/2 (${how})`;
}

/** "3 (CANCEL×2 by client, INTERNAL_ERROR by server)". */
function formatResets(http2: Http2View): string {
  if (http2.resets.length === 0) return isEncrypted(http2) ? "" : "0";
  const counts = new Map<string, number>();
  for (const reset of http2.resets) {
    const key = `${reset.errorCode} by ${reset.sender}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const parts = [...counts.entries()].map(([key, count]) => (count === 1 ? key : key.replace(" by", `×${count} by`)));
  return `${http2.resets.length} (${parts.join(", ")})`;
}

function formatCaptureLine(listed: number, omitted: number, summary: CaptureSummary): string {
  const connectionCount = listed + omitted;
  const parts = [`${summary.format}`, `${summary.packets} packets`, `${connectionCount} TCP connection${connectionCount === 1 ? "" : "s"}`];
  if (omitted > 0) parts.push(`${omitted} not listed (--max-connections)`);
  if (summary.evictedConnections > 0) parts.push(`${summary.evictedConnections} evicted (--limit maxOpenConnections)`);
  return parts.join(", ");
}

/** The JSON document for `--format json`. */
export function formatConnectionsJson(connections: ConnectionView[], summary: CaptureSummary, warnings: string[], omitted = 0): string {
  const document = {
    capture: {
      ...captureSummaryView(summary),
      connectionsOmitted: omitted,
    },
    warnings,
    connections,
  };
  return `${JSON.stringify(document, null, 2)}\n`;
}
