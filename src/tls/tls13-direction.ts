// One direction of a TLS 1.3 connection, decrypted: handshake traffic keys until the sender's
// Finished, application traffic keys after it, the next generation after each KeyUpdate
// (RFC 8446 §4.4.4, §4.6.3, §7.2). Fed records in stream order; gives back what they carried.

import type { TlsRecord } from "./record-reader.js";
import { splitHandshakeMessages, type TlsDirection, type TlsDirectionOutput } from "./tls-direction.js";
import { Tls13RecordOpener, type Tls13CipherSuite } from "./tls13-record-protection.js";

const CONTENT_CHANGE_CIPHER_SPEC = 20;
const CONTENT_ALERT = 21;
const CONTENT_HANDSHAKE = 22;
const CONTENT_APPLICATION_DATA = 23;
const HANDSHAKE_FINISHED = 20;
const HANDSHAKE_KEY_UPDATE = 24;

export class Tls13Direction implements TlsDirection {
  readonly #handshake: Tls13RecordOpener;
  readonly #application: Tls13RecordOpener;
  #current: Tls13RecordOpener;
  /** Handshake octets not yet a whole message (messages may span records). */
  #pendingHandshake: Uint8Array = new Uint8Array(0);
  #failed = false;

  constructor(suite: Tls13CipherSuite, handshakeSecret: Uint8Array, applicationSecret: Uint8Array) {
    this.#handshake = new Tls13RecordOpener(suite, handshakeSecret);
    this.#application = new Tls13RecordOpener(suite, applicationSecret);
    this.#current = this.#handshake;
  }

  /** Application traffic keys are in use (the sender's Finished was seen). */
  get established(): boolean {
    return this.#current === this.#application;
  }

  /**
   * One record after the hellos. Plain records (change_cipher_spec for middlebox compatibility)
   * carry nothing. After an undecryptable record the rest of the direction cannot be opened
   * either (sequence numbers are implicit), so it is reported once and later records are skipped.
   */
  record(record: TlsRecord): TlsDirectionOutput | undefined {
    if (record.contentType === CONTENT_CHANGE_CIPHER_SPEC || this.#failed) return undefined;
    if (record.contentType !== CONTENT_APPLICATION_DATA) {
      this.#failed = true;
      return { kind: "undecryptable", reason: "malformed", record };
    }
    const opened = this.#current.open(record.header, record.fragment);
    if (opened === "bad-tag" || opened === "malformed") {
      this.#failed = true;
      return { kind: "undecryptable", reason: opened, record };
    }
    if (opened.contentType === CONTENT_APPLICATION_DATA) return { kind: "application-data", data: opened.content, record };
    if (opened.contentType === CONTENT_ALERT) return { kind: "alert", level: opened.content[0] ?? 0, description: opened.content[1] ?? 0, record };
    if (opened.contentType === CONTENT_HANDSHAKE) return { kind: "handshake", messageTypes: this.#handshakeMessages(opened.content), record };
    this.#failed = true;
    return { kind: "undecryptable", reason: "malformed", record };
  }

  /** Types of the handshake messages completed by `content`, acting on Finished and KeyUpdate. */
  #handshakeMessages(content: Uint8Array): number[] {
    const { types, rest } = splitHandshakeMessages(this.#pendingHandshake, content);
    this.#pendingHandshake = rest;
    for (const type of types) {
      // Keys change after the record that ends the message (RFC 8446 §5.1: a key change must
      // fall on a record boundary).
      if (type === HANDSHAKE_FINISHED && this.#current === this.#handshake) this.#current = this.#application;
      else if (type === HANDSHAKE_KEY_UPDATE && this.#current === this.#application) this.#current.update();
    }
    return types;
  }
}
