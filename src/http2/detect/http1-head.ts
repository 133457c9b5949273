// The head of an HTTP/1.1 message (start line and header fields), for the h2c upgrade
// (RFC 9113 §3.2 as in RFC 7540 §3.2; RFC 9110 §7.8 Upgrade, RFC 9112 message syntax).

import { latin1 } from "../frame/latin1.js";

export interface Http1Head {
  startLine: string;
  /** Field names lower-cased, values trimmed, in order. */
  fields: Array<[string, string]>;
  /** Octets from the start of the message to the end of the blank line. */
  headLength: number;
}

/** A head larger than this is not an upgrade request worth waiting for. */
export const MAX_HTTP1_HEAD_BYTES = 64 * 1024;

/** True when `bytes` start like an HTTP/1 request line ("GET ") or status line ("HTTP/1."). */
export function looksLikeHttp1(bytes: Uint8Array): boolean {
  let index = 0;
  while (index < bytes.length && index < 16 && bytes[index]! >= 0x41 && bytes[index]! <= 0x5a) index++;
  if (index === bytes.length) return index > 0; // all capitals so far: could still be a method
  if (index > 0 && bytes[index] === 0x20) return true;
  const status = "HTTP/1.";
  for (let i = 0; i < Math.min(status.length, bytes.length); i++) if (bytes[i] !== status.charCodeAt(i)) return false;
  return true;
}

/**
 * Parses the head at the start of `bytes`; undefined when the blank line has not arrived yet,
 * "invalid" when the bytes are not an HTTP/1 message head.
 */
export function parseHttp1Head(bytes: Uint8Array): Http1Head | "invalid" | undefined {
  const end = findHeadEnd(bytes);
  if (end < 0) return bytes.length > MAX_HTTP1_HEAD_BYTES ? "invalid" : undefined;
  const text = latin1(bytes.subarray(0, end));
  const lines = text.split("\r\n");
  const startLine = lines[0] ?? "";
  if (!/^[A-Z]+ \S+ HTTP\/1\.[01]$/.test(startLine) && !/^HTTP\/1\.[01] \d{3}/.test(startLine)) return "invalid";
  const fields: Array<[string, string]> = [];
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(":");
    if (colon <= 0) continue;
    fields.push([line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim()]);
  }
  return { startLine, fields, headLength: end + 4 };
}

export function fieldValue(head: Http1Head, name: string): string | undefined {
  return head.fields.find(([fieldName]) => fieldName === name)?.[1];
}

function findHeadEnd(bytes: Uint8Array): number {
  const limit = Math.min(bytes.length, MAX_HTTP1_HEAD_BYTES + 4);
  for (let i = 0; i + 3 < limit; i++) {
    if (bytes[i] === 0x0d && bytes[i + 1] === 0x0a && bytes[i + 2] === 0x0d && bytes[i + 3] === 0x0a) return i;
  }
  return -1;
}
