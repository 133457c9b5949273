// `h2scope frames` for people: one block per frame, in the spirit of `nghttp -v`.

import type { AnomalyRecord, FrameRecord, SettingsAppliedRecord } from "./frame-view.js";

const INDENT = "              ";

/** `[  0.001234]` seconds since the first packet of the capture. */
function formatRelativeTime(time: number, startTime: number): string {
  return `[${(time - startTime).toFixed(6).padStart(11)}]`;
}

export function formatFrameText(record: FrameRecord, startTime: number): string {
  const arrow = record.sender === "client" ? "client→server" : "server→client";
  let text = `${formatRelativeTime(record.time, startTime)} #${record.packet} conn ${record.connection} ${arrow} ${record.type} ` +
    `<length=${record.length}, flags=0x${record.flags.toString(16).padStart(2, "0")}, stream=${record.stream}>` +
    (record.flagNames.length > 0 ? ` ${record.flagNames.join("|")}` : "") + "\n";
  const details: string[] = [];
  if (record.padLength !== undefined) details.push(`pad_length=${record.padLength}`);
  if (record.priority !== undefined) details.push(`depends_on=${record.priority.dependsOn}, weight=${record.priority.weight}, exclusive=${record.priority.exclusive}`);
  if (record.errorCode !== undefined) details.push(`error_code=${record.errorCode}`);
  if (record.lastStreamId !== undefined) details.push(`last_stream_id=${record.lastStreamId}`);
  if (record.debugData) details.push(`debug_data=${JSON.stringify(record.debugData)}`);
  if (record.windowIncrement !== undefined) details.push(`window_size_increment=${record.windowIncrement}`);
  if (record.promisedStream !== undefined) details.push(`promised_stream=${record.promisedStream}`);
  if (record.opaque !== undefined) details.push(`opaque_data=${record.opaque}`);
  if (record.connectionWindow !== undefined) {
    details.push(`windows after: connection=${record.connectionWindow ?? "unknown"}` +
      (record.streamWindow !== undefined ? `, stream=${record.streamWindow ?? "unknown"}` : ""));
  }
  if (record.tableSizeUpdates !== undefined) details.push(`hpack table size update: ${record.tableSizeUpdates.join(", ")}`);
  if (record.malformed !== undefined) details.push(`malformed: ${record.malformed}`);
  if (record.damagedBytes !== undefined) details.push(`${record.damagedBytes} octets missing from the capture`);
  if (details.length > 0) text += `${INDENT}(${details.join("; ")})\n`;
  for (const [name, value] of record.settings ?? []) text += `${INDENT}[${name}: ${value}]\n`;
  for (const [name, value] of record.headers ?? []) text += `${INDENT}${name}: ${value}\n`;
  return text;
}

export function formatAnomalyText(record: AnomalyRecord, startTime: number): string {
  return `${formatRelativeTime(record.time, startTime)} #${record.packet} conn ${record.connection} ! ${record.code}` +
    `${record.stream !== null ? ` (stream ${record.stream})` : ""}: ${record.detail}\n`;
}

export function formatSettingsAppliedText(record: SettingsAppliedRecord): string {
  const changes = record.changes.map(([name, previous, value]) => `${name} ${previous ?? "default"}→${value}`).join(", ");
  let text = `${INDENT}= the ${record.declaredBy}'s settings now apply${changes ? `: ${changes}` : ""}` +
    (record.roundTripMs === null ? " (acknowledged by the 101 response)" : ` (round trip ${record.roundTripMs.toFixed(3)} ms)`) + "\n";
  if (record.windowShifts.length > 0) {
    const shifts = record.windowShifts.map((shift) => `${shift.stream}→${shift.sizeAfter}`).join(", ");
    text += `${INDENT}  stream windows shifted by ${record.windowShifts[0]!.change}: ${shifts}\n`;
  }
  return text;
}
