// One direction of a TLS 1.2 connection, decrypted: records are plain until the sender's
// ChangeCipherSpec, protected after it (the first one carries its Finished). The outer content
// type is the real one in TLS 1.2.

import type { TlsRecord } from "./record-reader.js";
import { splitHandshakeMessages, type TlsDirection, type TlsDirectionOutput } from "./tls-direction.js";
import { Tls12RecordOpener } from "./tls12-record-protection.js";

const CONTENT_CHANGE_CIPHER_SPEC = 20;
const CONTENT_ALERT = 21;
const CONTENT_HANDSHAKE = 22;
const CONTENT_APPLICATION_DATA = 23;

export class Tls12Direction implements TlsDirection {
  readonly #opener: Tls12RecordOpener;
  #encrypting = false;
  #failed = false;
  #pendingHandshake: Uint8Array = new Uint8Array(0);

  constructor(opener: Tls12RecordOpener) {
    this.#opener = opener;
  }

  record(record: TlsRecord): TlsDirectionOutput | undefined {
    if (this.#failed) return undefined;
    if (record.contentType === CONTENT_CHANGE_CIPHER_SPEC) {
      // Renegotiation would switch keys again here; h2 forbids it (RFC 9113 §9.2.1).
      this.#encrypting = true;
      return undefined;
    }
    // The rest of the plain handshake (Certificate, ServerKeyExchange, …) carries nothing we need.
    if (!this.#encrypting) return undefined;
    const opened = this.#opener.open(record.contentType, record.version, record.fragment);
    if (opened === "bad-tag" || opened === "malformed") {
      this.#failed = true;
      return { kind: "undecryptable", reason: opened, record };
    }
    if (record.contentType === CONTENT_APPLICATION_DATA) return { kind: "application-data", data: opened, record };
    if (record.contentType === CONTENT_ALERT) return { kind: "alert", level: opened[0] ?? 0, description: opened[1] ?? 0, record };
    if (record.contentType === CONTENT_HANDSHAKE) {
      const { types, rest } = splitHandshakeMessages(this.#pendingHandshake, opened);
      this.#pendingHandshake = rest;
      return { kind: "handshake", messageTypes: types, record };
    }
    this.#failed = true;
    return { kind: "undecryptable", reason: "malformed", record };
  }
}
