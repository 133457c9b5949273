// One TLS connection seen from the wire: the hellos in the clear, then, when the key log holds
// this session's secrets and the version and suite are ones we open, each direction's plaintext
// in order. Sans-I/O: fed delivered TCP bytes, it calls back with plaintext or why there is none.

import { concatBytes } from "../bytes/concat.js";
import { toHex } from "../bytes/hex.js";
import { parseTlsHello, type TlsHello } from "../http2/detect/tls-hello.js";
import type { Direction } from "../tcp/tcp-events.js";
import { secretsFor, type KeyLog } from "./keylog.js";
import { TlsRecordReader, type TlsRecord } from "./record-reader.js";
import type { TlsDirection } from "./tls-direction.js";
import { Tls12Direction } from "./tls12-direction.js";
import { TLS12_CIPHER_SUITES, tls12KeyBlock, Tls12RecordOpener } from "./tls12-record-protection.js";
import { Tls13Direction } from "./tls13-direction.js";
import { TLS13_CIPHER_SUITES } from "./tls13-record-protection.js";

const TLS12 = 0x0303;
const TLS13 = 0x0304;
const CONTENT_CHANGE_CIPHER_SPEC = 20;
/** Protected records held while waiting for a followed key log to catch up (then given up). */
const MAX_HELD_BYTES = 1024 * 1024;
/** RFC 8446 §4.1.3: a ServerHello with this random is a HelloRetryRequest. */
const HELLO_RETRY_RANDOM = "cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c";

/** Whether the connection's application data can be read, and if not, why. */
export type TlsDecryption =
  | "pending"
  | "decrypted"
  | "no-keys"
  | "unsupported-version"
  | "unsupported-cipher-suite"
  | "hello-retry"
  | "bad-key"
  | "gap"
  | "not-tls";

export interface TlsSessionCallbacks {
  plaintext(direction: Direction, bytes: Uint8Array, packetNumber: number, timeUs: number): void;
  /** The session's decryption state changed (reported once per change). */
  status(decryption: TlsDecryption, detail: string): void;
  /** The ServerHello was read (its ALPN is there for TLS 1.2; TLS 1.3 encrypts it). */
  serverHello?(hello: TlsHello): void;
}

export class TlsSession {
  readonly #keyLog: KeyLog;
  readonly #clientDirection: Direction;
  readonly #callbacks: TlsSessionCallbacks;
  readonly #readers: [TlsRecordReader, TlsRecordReader] = [new TlsRecordReader(), new TlsRecordReader()];
  /** Plain handshake records per direction until its hello is parsed. */
  readonly #helloBytes: [Uint8Array, Uint8Array] = [new Uint8Array(0), new Uint8Array(0)];
  readonly #hellos: [TlsHello | undefined, TlsHello | undefined] = [undefined, undefined];
  #directions: [TlsDirection, TlsDirection] | undefined;
  #decryption: TlsDecryption = "pending";
  /** A direction lost bytes to a capture gap: its record boundaries and sequence are gone. */
  readonly #lost: [boolean, boolean] = [false, false];
  /** The key log may still receive this session's secrets (it is being followed). */
  #waitingForKeys = false;
  #held: Array<{ direction: Direction; record: TlsRecord; packetNumber: number; timeUs: number }> = [];
  #heldBytes = 0;
  /** A HelloRetryRequest was seen (at most one is allowed). */
  #retried = false;

  constructor(keyLog: KeyLog, clientDirection: Direction, callbacks: TlsSessionCallbacks) {
    this.#keyLog = keyLog;
    this.#clientDirection = clientDirection;
    this.#callbacks = callbacks;
  }

  get decryption(): TlsDecryption {
    return this.#decryption;
  }

  data(direction: Direction, bytes: Uint8Array, packetNumber: number, timeUs: number): void {
    if (!this.#reading(direction)) return;
    const reader = this.#readers[direction];
    reader.push(bytes);
    for (let record = reader.next(); this.#reading(direction); record = reader.next()) {
      if (record === "need-more") return;
      if (record === "not-tls") {
        this.#set("not-tls", `the ${this.#side(direction)}'s bytes stop being TLS records at stream offset ${reader.streamOffset}`);
        return;
      }
      if (this.#hellos[direction] === undefined) {
        // A change_cipher_spec may come before the ServerHello that follows a HelloRetryRequest.
        if (record.contentType === CONTENT_CHANGE_CIPHER_SPEC) continue;
        const joined = concatBytes(this.#helloBytes[direction], record.header, record.fragment);
        this.#helloBytes[direction] = joined;
        const hello = parseTlsHello(joined);
        if (hello === undefined) continue;
        this.#helloBytes[direction] = new Uint8Array(0);
        if (hello === "invalid") {
          this.#set("unsupported-version", `the ${this.#side(direction)}'s hello could not be read`);
          return;
        }
        this.#hellos[direction] = hello;
        if (direction !== this.#clientDirection) {
          if (isHelloRetryRequest(hello)) {
            // RFC 8446 §4.1.4: the client answers with a second ClientHello (same random, so the
            // key log entry is the same) and the server with the real ServerHello; read that one.
            if (this.#retried) {
              this.#set("hello-retry", "the server sent a second HelloRetryRequest");
              return;
            }
            this.#retried = true;
            this.#hellos[direction] = undefined;
            continue;
          }
          this.#callbacks.serverHello?.(hello);
          this.#chooseKeys();
        }
        continue;
      }
      if (this.#directions === undefined && this.#waitingForKeys) {
        this.#hold(direction, record, packetNumber, timeUs);
        continue;
      }
      // Before the ServerHello only a middlebox-compatibility change_cipher_spec comes here.
      if (this.#directions !== undefined) this.#open(direction, record, packetNumber, timeUs);
    }
  }

  #open(direction: Direction, record: TlsRecord, packetNumber: number, timeUs: number): void {
    const output = this.#directions![direction].record(record);
    if (output === undefined) return;
    if (output.kind === "application-data") {
      if (this.#decryption === "pending" || this.#decryption === "no-keys") this.#set("decrypted", "");
      this.#callbacks.plaintext(direction, output.data, packetNumber, timeUs);
    } else if (output.kind === "undecryptable") {
      this.#set("bad-key", `a ${this.#side(direction)} record at stream offset ${output.record.streamOffset} did not authenticate with the logged secrets (${output.reason})`);
    }
  }

  /**
   * Keys not logged yet (the client writes them around its handshake, h2scope may read the
   * ServerHello first): records wait, bounded, and the key log is asked again as they come.
   */
  #hold(direction: Direction, record: TlsRecord, packetNumber: number, timeUs: number): void {
    this.#held.push({ direction, record, packetNumber, timeUs });
    this.#heldBytes += record.fragment.length;
    this.#chooseKeys();
    if (this.#directions !== undefined) {
      const held = this.#held;
      this.#held = [];
      this.#waitingForKeys = false;
      for (const entry of held) if (this.#reading(entry.direction)) this.#open(entry.direction, entry.record, entry.packetNumber, entry.timeUs);
    } else if (this.#heldBytes > MAX_HELD_BYTES) {
      this.#held = [];
      this.#waitingForKeys = false;
    }
  }

  /** Lost bytes: records and their implicit sequence numbers cannot be recovered after it. */
  gap(direction: Direction, length: number): void {
    if (!this.#reading(direction)) return;
    this.#lost[direction] = true;
    this.#set("gap", `${length} bytes of the ${this.#side(direction)}'s TLS stream are missing from the capture; that direction is not decrypted past them`);
  }

  /**
   * Whether a direction is still read: until a failure that ends the session, and, after a gap,
   * only the other direction (its records and sequence numbers are intact).
   */
  #reading(direction: Direction): boolean {
    const decryption = this.#decryption;
    return (decryption === "pending" || decryption === "decrypted" || decryption === "gap" || (decryption === "no-keys" && (this.#waitingForKeys || this.#directions !== undefined)))
      && !this.#lost[direction];
  }

  #chooseKeys(): void {
    const clientHello = this.#hellos[this.#clientDirection];
    const serverHello = this.#hellos[this.#clientDirection === 0 ? 1 : 0]!;
    if (clientHello === undefined) {
      this.#set("no-keys", "the ClientHello was not captured");
      return;
    }
    if (serverHello.version === TLS12) {
      this.#chooseTls12Keys(clientHello, serverHello);
      return;
    }
    if (serverHello.version !== TLS13) {
      this.#set("unsupported-version", `TLS version 0x${serverHello.version.toString(16)}: h2scope decrypts TLS 1.2 and 1.3`);
      return;
    }
    const suite = TLS13_CIPHER_SUITES.get(serverHello.cipherSuite ?? -1);
    if (suite === undefined) {
      this.#set("unsupported-cipher-suite", `cipher suite 0x${(serverHello.cipherSuite ?? 0).toString(16).padStart(4, "0")}`);
      return;
    }
    const names = ["CLIENT_HANDSHAKE_TRAFFIC_SECRET", "CLIENT_TRAFFIC_SECRET_0", "SERVER_HANDSHAKE_TRAFFIC_SECRET", "SERVER_TRAFFIC_SECRET_0"];
    const secrets = secretsFor(this.#keyLog, clientHello.random, names);
    const missing = names.filter((name) => secrets?.get(name) === undefined);
    if (missing.length > 0) {
      this.#waitingForKeys = this.#keyLog.more !== undefined && this.#heldBytes <= MAX_HELD_BYTES;
      this.#set("no-keys", `no ${missing.join(", ")} in the key log for client random ${toHex(clientHello.random)}`);
      return;
    }
    const client = new Tls13Direction(suite, secrets!.get(names[0]!)!, secrets!.get(names[1]!)!);
    const server = new Tls13Direction(suite, secrets!.get(names[2]!)!, secrets!.get(names[3]!)!);
    this.#directions = this.#clientDirection === 0 ? [client, server] : [server, client];
  }

  #chooseTls12Keys(clientHello: TlsHello, serverHello: TlsHello): void {
    const suite = TLS12_CIPHER_SUITES.get(serverHello.cipherSuite ?? -1);
    if (suite === undefined) {
      this.#set("unsupported-cipher-suite", `TLS 1.2 cipher suite 0x${(serverHello.cipherSuite ?? 0).toString(16).padStart(4, "0")} (h2scope opens the AEAD suites HTTP/2 allows)`);
      return;
    }
    const masterSecret = secretsFor(this.#keyLog, clientHello.random, ["CLIENT_RANDOM"])?.get("CLIENT_RANDOM");
    if (masterSecret === undefined) {
      this.#waitingForKeys = this.#keyLog.more !== undefined && this.#heldBytes <= MAX_HELD_BYTES;
      this.#set("no-keys", `no CLIENT_RANDOM in the key log for client random ${toHex(clientHello.random)}`);
      return;
    }
    const keys = tls12KeyBlock(suite, masterSecret, clientHello.random, serverHello.random);
    const client = new Tls12Direction(new Tls12RecordOpener(suite, keys.client));
    const server = new Tls12Direction(new Tls12RecordOpener(suite, keys.server));
    this.#directions = this.#clientDirection === 0 ? [client, server] : [server, client];
  }

  #set(decryption: TlsDecryption, detail: string): void {
    if (this.#decryption === decryption) return;
    this.#decryption = decryption;
    this.#callbacks.status(decryption, detail);
  }

  #side(direction: Direction): "client" | "server" {
    return direction === this.#clientDirection ? "client" : "server";
  }
}

function isHelloRetryRequest(hello: TlsHello): boolean {
  return toHex(hello.random) === HELLO_RETRY_RANDOM;
}
