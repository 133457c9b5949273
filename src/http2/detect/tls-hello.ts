// TLS ClientHello / ServerHello (RFC 8446 §4.1.2-4.1.3, RFC 5246): the server name and ALPN
// protocols (RFC 7301), readable before any decryption.

import { latin1 } from "../frame/latin1.js";

export interface TlsHello {
  kind: "client-hello" | "server-hello";
  /** ALPN: offered list (ClientHello) or the one chosen (ServerHello; TLS 1.3 hides it). */
  alpn: string[];
  serverName: string | undefined;
  /** The 32-octet random: a key log finds a session's secrets by the client's. */
  random: Uint8Array;
  /** ServerHello: the chosen cipher suite. */
  cipherSuite: number | undefined;
  /** ServerHello: the version from supported_versions (0x0304 for TLS 1.3), else the legacy one. */
  version: number;
}

const CONTENT_TYPE_HANDSHAKE = 22;
const HANDSHAKE_CLIENT_HELLO = 1;
const HANDSHAKE_SERVER_HELLO = 2;
const EXTENSION_SERVER_NAME = 0;
const EXTENSION_ALPN = 16;
const EXTENSION_SUPPORTED_VERSIONS = 43;
/** A hello larger than this is not worth waiting for (real ones are a few hundred octets). */
export const MAX_TLS_HELLO_BYTES = 16 * 1024;

/** True when `bytes` begin like a TLS handshake record. */
export function looksLikeTlsHandshake(bytes: Uint8Array): boolean {
  return bytes.length >= 3 && bytes[0] === CONTENT_TYPE_HANDSHAKE && bytes[1] === 0x03 && bytes[2]! <= 0x04;
}

/**
 * Parses the hello at the start of a direction's bytes. Undefined when more bytes are needed,
 * "invalid" when it is not a hello we can read. Handles a hello split over several records.
 */
export function parseTlsHello(bytes: Uint8Array): TlsHello | "invalid" | undefined {
  // Gather handshake bytes from consecutive handshake records.
  const handshake: number[] = [];
  let offset = 0;
  let needed = -1;
  while (offset + 5 <= bytes.length) {
    if (bytes[offset] !== CONTENT_TYPE_HANDSHAKE) break;
    const recordLength = (bytes[offset + 3]! << 8) | bytes[offset + 4]!;
    const end = Math.min(bytes.length, offset + 5 + recordLength);
    for (let i = offset + 5; i < end; i++) handshake.push(bytes[i]!);
    if (needed < 0 && handshake.length >= 4) needed = 4 + ((handshake[1]! << 16) | (handshake[2]! << 8) | handshake[3]!);
    if (needed >= 0 && handshake.length >= needed) break;
    if (end < offset + 5 + recordLength) break;
    offset += 5 + recordLength;
  }
  if (needed < 0 || handshake.length < needed) return bytes.length > MAX_TLS_HELLO_BYTES ? "invalid" : undefined;
  const message = Uint8Array.from(handshake.slice(0, needed));
  const type = message[0];
  if (type !== HANDSHAKE_CLIENT_HELLO && type !== HANDSHAKE_SERVER_HELLO) return "invalid";
  try {
    return readHello(message, type === HANDSHAKE_CLIENT_HELLO ? "client-hello" : "server-hello");
  } catch {
    return "invalid";
  }
}

function readHello(message: Uint8Array, kind: TlsHello["kind"]): TlsHello {
  const legacyVersion = (message[4]! << 8) | message[5]!;
  const random = message.slice(6, 6 + 32);
  if (random.length < 32) throw new RangeError("hello cut short");
  let cursor = 4 + 2 + 32; // handshake header, legacy version, random
  const take = (length: number) => {
    if (cursor + length > message.length) throw new RangeError("hello cut short");
    const start = cursor;
    cursor += length;
    return message.subarray(start, start + length);
  };
  const u8 = () => take(1)[0]!;
  const u16 = () => {
    const bytes = take(2);
    return (bytes[0]! << 8) | bytes[1]!;
  };
  take(u8()); // session id
  let cipherSuite: number | undefined;
  if (kind === "client-hello") {
    take(u16()); // cipher suites
    take(u8()); // compression methods
    cipherSuite = undefined;
  } else {
    cipherSuite = u16();
    take(1); // compression method
  }
  const hello: TlsHello = { kind, alpn: [], serverName: undefined, random, cipherSuite, version: legacyVersion };
  if (cursor >= message.length) return hello;
  const extensionsEnd = cursor + 2 + u16();
  while (cursor + 4 <= extensionsEnd) {
    const type = u16();
    const data = take(u16());
    if (type === EXTENSION_ALPN) {
      let position = 2;
      while (position < data.length) {
        const length = data[position]!;
        hello.alpn.push(latin1(data.subarray(position + 1, position + 1 + length)));
        position += 1 + length;
      }
    } else if (type === EXTENSION_SUPPORTED_VERSIONS && kind === "server-hello" && data.length === 2) {
      hello.version = (data[0]! << 8) | data[1]!;
    } else if (type === EXTENSION_SERVER_NAME && data.length > 5 && data[2] === 0) {
      const length = (data[3]! << 8) | data[4]!;
      hello.serverName = latin1(data.subarray(5, 5 + length));
    }
  }
  return hello;
}
