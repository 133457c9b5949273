// NSS key log files (SSLKEYLOGFILE, as written by curl, browsers, Go's KeyLogWriter, Node's
// `keylog` event): one secret per line, found again by the ClientHello's random.
//
//   <LABEL> <client random, 64 hex> <secret, hex>
//
// TLS 1.2 uses CLIENT_RANDOM (the 48-octet master secret); TLS 1.3 one line per traffic secret.

import { toHex } from "../bytes/hex.js";

/** The secrets of one TLS session, by key log label (`CLIENT_RANDOM`, `SERVER_TRAFFIC_SECRET_0`, …). */
export type SessionSecrets = Map<string, Uint8Array>;

export interface KeyLog {
  /** Keyed by the client random in lowercase hex. */
  sessions: Map<string, SessionSecrets>;
  /** Lines that are neither comments nor readable entries, with their 1-based numbers. */
  badLines: number[];
  /**
   * Text appended to the key log since the last call, for a log still being written (a live
   * capture while the client runs with SSLKEYLOGFILE): asked when a session's keys are missing.
   */
  more?: () => string;
  /** Lines read so far, so bad lines keep their numbers across `more` calls. */
  lineCount?: number;
}

const CLIENT_RANDOM_HEX_LENGTH = 64;

export function emptyKeyLog(): KeyLog {
  return { sessions: new Map(), badLines: [] };
}

/**
 * Adds the entries of a key log's text to `keyLog` (several files, and the Decryption Secrets
 * Blocks of a pcapng, can feed one key log). Later entries for the same label replace earlier ones.
 */
export function addKeyLogText(keyLog: KeyLog, text: string): KeyLog {
  const lines = text.split(/\r?\n/);
  const firstLine = keyLog.lineCount ?? 0;
  // A text ending in a newline has an empty last piece: not a line.
  keyLog.lineCount = firstLine + (text.endsWith("\n") ? lines.length - 1 : lines.length);
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!.trim();
    if (line === "" || line.startsWith("#")) continue;
    const [label, random, secret, ...rest] = line.split(/\s+/);
    if (label === undefined || random === undefined || secret === undefined || rest.length > 0
      || random.length !== CLIENT_RANDOM_HEX_LENGTH || !isHex(random) || secret.length % 2 !== 0 || secret.length === 0 || !isHex(secret)) {
      keyLog.badLines.push(firstLine + index + 1);
      continue;
    }
    const key = random.toLowerCase();
    let session = keyLog.sessions.get(key);
    if (session === undefined) {
      session = new Map();
      keyLog.sessions.set(key, session);
    }
    session.set(label, Uint8Array.from(Buffer.from(secret, "hex")));
  }
  return keyLog;
}

/** The secrets logged for a ClientHello random, if any. */
export function secretsFor(keyLog: KeyLog, clientRandom: Uint8Array, wanted: readonly string[] = []): SessionSecrets | undefined {
  const key = toHex(clientRandom);
  const found = keyLog.sessions.get(key);
  const complete = found !== undefined && wanted.every((label) => found.has(label));
  if (!complete && keyLog.more !== undefined) {
    const text = keyLog.more();
    if (text !== "") addKeyLogText(keyLog, text);
  }
  return keyLog.sessions.get(key);
}

function isHex(text: string): boolean {
  return /^[0-9a-fA-F]+$/.test(text);
}
