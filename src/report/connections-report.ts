// `h2scope connections` output: a table for people, JSON for programs.

import Table from "cli-table3";
import type { CaptureSummary } from "../pipeline.js";
import type { ConnectionView } from "./connection-view.js";
import { formatBytes, formatSeconds } from "./format-units.js";

export function formatConnectionsTable(connections: ConnectionView[], summary: CaptureSummary): string {
  const table = new Table({
    head: ["#", "Client", "Server", "C→S pkts", "C→S bytes", "S→C pkts", "S→C bytes", "Duration", "Retrans", "Gaps", "Roles by"],
    style: { head: [], border: [] },
  });
  for (const view of connections) {
    const retransmissions = view.clientToServer.retransmissions + view.serverToClient.retransmissions;
    const gaps = view.clientToServer.gaps + view.serverToClient.gaps;
    const gapBytes = view.clientToServer.gapBytes + view.serverToClient.gapBytes;
    table.push([
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
    ]);
  }
  return `${table.toString()}\n${formatCaptureLine(connections.length, summary)}\n`;
}

function formatCaptureLine(connectionCount: number, summary: CaptureSummary): string {
  const parts = [`${summary.format}`, `${summary.packets} packets`, `${connectionCount} TCP connection${connectionCount === 1 ? "" : "s"}`];
  return parts.join(", ");
}

/** The JSON document for `--format json`. */
export function formatConnectionsJson(connections: ConnectionView[], summary: CaptureSummary, warnings: string[]): string {
  const { decryptionSecrets, firstTimeUs, lastTimeUs, ...counts } = summary;
  const document = {
    capture: {
      ...counts,
      firstTime: firstTimeUs === undefined ? null : firstTimeUs / 1e6,
      lastTime: lastTimeUs === undefined ? null : lastTimeUs / 1e6,
      decryptionSecretsBlocks: decryptionSecrets.length,
    },
    warnings,
    connections,
  };
  return `${JSON.stringify(document, null, 2)}\n`;
}
