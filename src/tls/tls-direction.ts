// What one decrypted direction of a TLS connection gives back per record, whatever the version.

import { concatBytes } from "../bytes/concat.js";
import type { TlsRecord } from "./record-reader.js";

export type TlsDirectionOutput =
  | { kind: "application-data"; data: Uint8Array; record: TlsRecord }
  | { kind: "alert"; level: number; description: number; record: TlsRecord }
  | { kind: "handshake"; messageTypes: number[]; record: TlsRecord }
  /** A record that did not authenticate under the key the stream position calls for. */
  | { kind: "undecryptable"; reason: "bad-tag" | "malformed"; record: TlsRecord };

/** One direction after the hellos: fed records in stream order. */
export interface TlsDirection {
  record(record: TlsRecord): TlsDirectionOutput | undefined;
}

/** Types of the whole handshake messages in `pending` + `content`, and the octets left over. */
export function splitHandshakeMessages(pending: Uint8Array, content: Uint8Array): { types: number[]; rest: Uint8Array } {
  const joined = concatBytes(pending, content);
  const types: number[] = [];
  let offset = 0;
  while (offset + 4 <= joined.length) {
    const length = (joined[offset + 1]! << 16) | (joined[offset + 2]! << 8) | joined[offset + 3]!;
    if (offset + 4 + length > joined.length) break;
    types.push(joined[offset]!);
    offset += 4 + length;
  }
  return { types, rest: joined.slice(offset) };
}
