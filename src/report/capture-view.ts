// How the capture itself (CaptureSummary) reads in reports, the files of a split one included.

import type { CapturePart, CaptureSummary } from "../pipeline.js";

/**
 * The summary in JSON (the `capture` object of every command's document): times in epoch
 * seconds, Decryption Secrets Blocks counted, the parts of a split capture listed.
 */
export function captureSummaryView(summary: CaptureSummary) {
  const { decryptionSecrets, firstTimeUs, lastTimeUs, parts, ...counts } = summary;
  return {
    ...counts,
    firstTime: firstTimeUs === undefined ? null : firstTimeUs / 1e6,
    lastTime: lastTimeUs === undefined ? null : lastTimeUs / 1e6,
    parts: parts === undefined ? undefined : capturePartViews(parts),
    decryptionSecretsBlocks: decryptionSecrets.length,
  };
}

/** A part in JSON: times in seconds, as the capture's own. */
export interface CapturePartView {
  file: string | null;
  format: string;
  inputBytes: number;
  firstPacketNumber: number;
  lastPacketNumber: number;
  firstTime: number | null;
  lastTime: number | null;
}

function capturePartViews(parts: CapturePart[]): CapturePartView[] {
  return parts.map((part) => ({
    file: part.file ?? null,
    format: part.format,
    inputBytes: part.inputBytes,
    firstPacketNumber: part.firstPacketNumber,
    lastPacketNumber: part.lastPacketNumber,
    firstTime: part.firstTimeUs === undefined ? null : part.firstTimeUs / 1e6,
    lastTime: part.lastTimeUs === undefined ? null : part.lastTimeUs / 1e6,
  }));
}

/**
 * One line per part for text reports: which packet numbers came from which file, so a finding's
 * packet can be found in the file Wireshark opens (which numbers from 1 in each).
 */
export function formatCapturePartLines(summary: CaptureSummary): string[] {
  const parts = summary.parts;
  if (parts === undefined) return [];
  const start = summary.firstTimeUs;
  const at = (timeUs: number | undefined) => (timeUs === undefined || start === undefined ? "" : `+${((timeUs - start) / 1e6).toFixed(3)} s`);
  return [
    `Parts: ${parts.length} files read as one capture, in order`,
    ...parts.map((part) => {
      const packets = part.lastPacketNumber < part.firstPacketNumber ? "no packets"
        : `packets ${part.firstPacketNumber}–${part.lastPacketNumber} (1–${part.lastPacketNumber - part.firstPacketNumber + 1} in the file)`;
      const span = part.firstTimeUs === undefined ? "" : `, ${at(part.firstTimeUs)} to ${at(part.lastTimeUs)}`;
      return `  ${part.file ?? "(unnamed)"}: ${packets}${span}`;
    }),
  ];
}
