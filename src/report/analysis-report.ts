// `h2scope analyze` output: a summary, findings grouped by connection, and a health line per
// connection (healthy ones past the first few only counted) — as a table for people, markdown
// for postmortems, JSON for programs.

import { captureSummaryView, formatCapturePartLines } from "./capture-view.js";
import type TableType from "cli-table3";
import { lazyModule } from "../lazy-module.js";

const cliTable = lazyModule<typeof TableType>("cli-table3");
import type { Finding, Severity } from "../rules/rule.js";
import { noFindingCounts, SEVERITY_RANK } from "../rules/rule.js";
import type { CaptureSummary } from "../pipeline.js";
import type { ConnectionCounts } from "./connection-collector.js";
import { isEncrypted, whyNotHttp2, type ConnectionView } from "./connection-view.js";
import { formatSeconds } from "./format-units.js";

export interface AnalysisReport {
  summary: CaptureSummary;
  connections: ConnectionView[];
  /** Connections counted but not listed (past --max-connections). */
  connectionsOmitted: number;
  /** All connections, listed or not. */
  connectionCounts: ConnectionCounts;
  /** The findings kept (at most --max-findings-per-rule of each rule). */
  findings: Finding[];
  /** Every finding by severity, kept or not. */
  findingCounts: Record<Severity, number>;
  /** Findings counted but not kept, by rule. */
  findingsOmitted: Record<string, number>;
  /** HTTP/2 frames decoded, both directions, all connections. */
  frames: number;
}

/**
 * Healthy connections (no error or warning) the Health section lists by name; the rest are one
 * count. A capture of a busy load balancer holds tens of thousands of connections, and a screen
 * of "healthy" lines hides the few that are not (those are always listed). JSON lists every
 * connection kept (--max-connections).
 */
export const HEALTHY_CONNECTIONS_LISTED = 20;

const SEVERITY_COLOURS: Record<Severity, string> = { error: "\u001b[31m", warning: "\u001b[33m", info: "\u001b[36m" };
const RESET = "\u001b[0m";

/** Findings in report order: by connection, then capture time. */
export function orderFindings(findings: Finding[]): Finding[] {
  return [...findings].sort((left, right) => left.connection - right.connection || left.time - right.time || left.packet - right.packet);
}

function startTime(report: AnalysisReport): number {
  return (report.summary.firstTimeUs ?? 0) / 1e6;
}

function formatSummaryLines(report: AnalysisReport): string[] {
  const summary = report.summary;
  const { tcp, http2, tls } = report.connectionCounts;
  const span = summary.firstTimeUs === undefined || summary.lastTimeUs === undefined ? 0 : (summary.lastTimeUs - summary.firstTimeUs) / 1e6;
  const counts = report.findingCounts;
  const omitted = Object.entries(report.findingsOmitted);
  const omittedText = omitted.length === 0 ? ""
    : ` (${omitted.reduce((sum, [, count]) => sum + count, 0)} not listed: ${omitted.map(([rule, count]) => `${rule} ${count}`).join(", ")}; --max-findings-per-rule)`;
  return [
    `Capture: ${summary.format}, ${summary.packets} packets over ${formatSeconds(span)}`,
    ...formatCapturePartLines(summary),
    `Connections: ${tcp} TCP, ${http2} HTTP/2${tls > 0 ? `, ${tls} TLS not read as HTTP/2` : ""}; ${report.frames} HTTP/2 frames` +
      (report.connectionsOmitted > 0 ? ` (${report.connectionsOmitted} without findings not listed: --max-connections)` : "") +
      (summary.evictedConnections > 0 ? ` (${summary.evictedConnections} evicted, too many open at once: --limit maxOpenConnections)` : ""),
    `Findings: ${counts.error} error, ${counts.warning} warning, ${counts.info} info${omittedText}`,
  ];
}

export function countBySeverity(findings: Finding[]): Record<Severity, number> {
  const counts = noFindingCounts();
  for (const finding of findings) counts[finding.severity]++;
  return counts;
}

/**
 * One line per HTTP/2 (or TLS) connection: what it is and how it fared. `counts`: its findings by
 * severity, the view's own when it has them (they include findings past --max-findings-per-rule).
 */
function formatHealthLine(view: ConnectionView, counts: Record<Severity, number>): string {
  const verdict = counts.error > 0 ? `${counts.error} error${counts.error > 1 ? "s" : ""}` : counts.warning > 0 ? `${counts.warning} warning${counts.warning > 1 ? "s" : ""}` : "healthy";
  const http2 = view.http2!;
  const what = isEncrypted(http2)
    ? `TLS${http2.tls?.alpnOffered.length ? ` (ALPN ${http2.tls.alpnSelected ?? http2.tls.alpnOffered.join(",")})` : ""}, ${whyNotHttp2(http2)}`
    : `HTTP/2${http2.discovery === "tls" ? " over TLS" : ""}, ${http2.streams} stream${http2.streams === 1 ? "" : "s"}${http2.joinedMidway ? ", joined mid-way" : ""}`;
  return `conn ${view.id} ${view.client} → ${view.server}: ${what}, ${view.closeReason ?? "open"} — ${verdict}`;
}

export function formatAnalysisTable(report: AnalysisReport, colour: boolean, healthyListed = HEALTHY_CONNECTIONS_LISTED): string {
  let text = `${formatSummaryLines(report).join("\n")}\n`;
  const paint = (severity: Severity) => (colour ? `${SEVERITY_COLOURS[severity]}${severity}${RESET}` : severity);
  const byConnection = groupByConnection(orderFindings(report.findings));
  const views = viewsById(report);
  for (const [connectionId, findings] of byConnection) {
    const view = views.get(connectionId);
    text += `\nConnection ${connectionId}${view ? ` (${view.client} → ${view.server})` : ""}\n`;
    // 80 columns: 30 + 13 + 33 plus four borders; the longest rule id (28) fits whole.
    const table = new (cliTable())({
      head: ["Finding", "Where", "What"],
      colWidths: [30, 13, 33],
      wordWrap: true,
      style: { head: [], border: [] },
    });
    for (const finding of findings) {
      const where = `packet ${finding.packet}${finding.stream !== null ? `\nstream ${finding.stream}` : ""}\n+${(finding.time - startTime(report)).toFixed(3)} s`;
      table.push([`${paint(finding.severity)}\n${finding.rule}`, where, finding.message]);
    }
    text += `${table.toString()}\n`;
  }
  const health = formatHealthLines(report, byConnection, healthyListed);
  if (health.length > 0) text += `\nHealth\n${health.map((line) => `  ${line}`).join("\n")}\n`;
  if (report.findings.length === 0) text += "\nNo findings.\n";
  return text;
}

/** One finding as a line, for --follow: printed the moment it is raised. */
export function formatFindingLine(finding: Finding, startTime: number, colour: boolean): string {
  const severity = colour ? `${SEVERITY_COLOURS[finding.severity]}${finding.severity}${RESET}` : finding.severity;
  const where = `conn ${finding.connection} packet ${finding.packet}${finding.stream !== null ? ` stream ${finding.stream}` : ""}`;
  return `[+${(finding.time - startTime).toFixed(3)} s] ${severity} ${finding.rule} (${where}): ${finding.message}\n`;
}

/** What --follow prints at the end: the findings were already printed as they came. */
export function formatAnalysisFollowEnd(report: AnalysisReport, healthyListed = HEALTHY_CONNECTIONS_LISTED): string {
  let text = `\n${formatSummaryLines(report).join("\n")}\n`;
  const health = formatHealthLines(report, groupByConnection(report.findings), healthyListed);
  if (health.length > 0) text += `\nHealth\n${health.map((line) => `  ${line}`).join("\n")}\n`;
  return text;
}

export function formatAnalysisMarkdown(report: AnalysisReport, healthyListed = HEALTHY_CONNECTIONS_LISTED): string {
  let text = `# h2scope analysis\n\n${formatSummaryLines(report).map((line) => `- ${line}`).join("\n")}\n`;
  const byConnection = groupByConnection(orderFindings(report.findings));
  const views = viewsById(report);
  for (const [connectionId, findings] of byConnection) {
    const view = views.get(connectionId);
    text += `\n## Connection ${connectionId}${view ? `: ${view.client} → ${view.server}` : ""}\n\n`;
    text += "| Severity | Rule | Packet | Stream | Finding |\n|---|---|---|---|---|\n";
    for (const finding of findings) {
      text += `| ${finding.severity} | \`${finding.rule}\` | ${finding.packet} | ${finding.stream ?? ""} | ${escapeCell(finding.message)} |\n`;
    }
    for (const finding of findings) {
      text += `\n**${finding.rule}** (packet ${finding.packet}) evidence:\n\n`;
      for (const item of finding.evidence) {
        const where = [item.packet !== undefined ? `packet ${item.packet}` : "", item.stream !== undefined ? `stream ${item.stream}` : ""].filter(Boolean).join(", ");
        const values = item.values ? ` — ${Object.entries(item.values).map(([key, value]) => `${key}=${value}`).join(", ")}` : "";
        text += `- ${item.what}${where ? ` (${where})` : ""}${values}\n`;
      }
    }
  }
  const health = formatHealthLines(report, byConnection, healthyListed);
  if (health.length > 0) text += `\n## Connections\n\n${health.map((line) => `- ${line}`).join("\n")}\n`;
  if (report.findings.length === 0) text += "\nNo findings.\n";
  return text;
}

export function formatAnalysisJson(report: AnalysisReport): string {
  return `${JSON.stringify({
    capture: {
      ...captureSummaryView(report.summary),
      http2Frames: report.frames,
      connectionsOmitted: report.connectionsOmitted,
      findingsOmitted: report.findingsOmitted,
    },
    connections: report.connections,
    findings: orderFindings(report.findings),
  }, null, 2)}\n`;
}

/** The last NDJSON line. */
export function formatAnalysisSummaryLine(report: AnalysisReport): string {
  return `${JSON.stringify({ kind: "summary", packets: report.summary.packets, connections: report.connectionCounts.tcp, frames: report.frames, findings: report.findingCounts })}\n`;
}

export function atLeast(severity: Severity, threshold: Severity): boolean {
  return SEVERITY_RANK[severity] >= SEVERITY_RANK[threshold];
}

/** Findings by connection, in the order given (one pass: reports may hold thousands). */
function groupByConnection(findings: Finding[]): Map<number, Finding[]> {
  const groups = new Map<number, Finding[]>();
  for (const finding of findings) {
    const group = groups.get(finding.connection);
    if (group === undefined) groups.set(finding.connection, [finding]);
    else group.push(finding);
  }
  return groups;
}

function viewsById(report: AnalysisReport): Map<number, ConnectionView> {
  return new Map(report.connections.map((view) => [view.id, view]));
}

/**
 * The health line of each HTTP/2 (or TLS) connection with an error or warning, and of the first
 * `healthyListed` healthy ones; one line counts the healthy ones not named.
 */
function formatHealthLines(report: AnalysisReport, byConnection: Map<number, Finding[]>, healthyListed: number): string[] {
  const lines: string[] = [];
  let healthyNamed = 0;
  let healthyUnnamed = 0;
  for (const view of report.connections) {
    if (view.http2 === undefined) continue;
    const counts = view.findingCounts ?? countBySeverity(byConnection.get(view.id) ?? []);
    if (counts.error === 0 && counts.warning === 0) {
      if (healthyNamed === healthyListed) {
        healthyUnnamed++;
        continue;
      }
      healthyNamed++;
    }
    lines.push(formatHealthLine(view, counts));
  }
  if (healthyUnnamed > 0) {
    lines.push(`… and ${healthyUnnamed} more healthy connection${healthyUnnamed === 1 ? "" : "s"} (--format json lists each)`);
  }
  return lines;
}

function escapeCell(text: string): string {
  return text.replaceAll("|", "\\|").replaceAll("\n", " ");
}
