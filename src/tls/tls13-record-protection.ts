// TLS 1.3 record protection (RFC 8446 §5.2-5.3, §7.1-7.3): traffic keys from a logged traffic
// secret, per-record nonces, AEAD open with the tag checked — a wrong key is an error, never
// garbage handed to the HTTP/2 decoder.

import { lazyModule } from "../lazy-module.js";

const nodeCrypto = lazyModule<typeof import("node:crypto")>("node:crypto");

export interface Tls13CipherSuite {
  /** IANA name, as tshark and the RFC print it. */
  name: string;
  code: number;
  /** node:crypto names. */
  aead: "aes-128-gcm" | "aes-256-gcm" | "chacha20-poly1305";
  hash: "sha256" | "sha384";
  keyLength: number;
}

const TAG_LENGTH = 16;
const IV_LENGTH = 12;

export const TLS13_CIPHER_SUITES: ReadonlyMap<number, Tls13CipherSuite> = new Map([
  [0x1301, { name: "TLS_AES_128_GCM_SHA256", code: 0x1301, aead: "aes-128-gcm", hash: "sha256", keyLength: 16 }],
  [0x1302, { name: "TLS_AES_256_GCM_SHA384", code: 0x1302, aead: "aes-256-gcm", hash: "sha384", keyLength: 32 }],
  [0x1303, { name: "TLS_CHACHA20_POLY1305_SHA256", code: 0x1303, aead: "chacha20-poly1305", hash: "sha256", keyLength: 32 }],
]);

/** HKDF-Expand (RFC 5869 §2.3). */
export function hkdfExpand(hash: string, secret: Uint8Array, info: Uint8Array, length: number): Uint8Array {
  const output = new Uint8Array(length);
  let previous = new Uint8Array(0);
  for (let filled = 0, counter = 1; filled < length; counter++) {
    previous = new Uint8Array(nodeCrypto().createHmac(hash, secret).update(previous).update(info).update(Uint8Array.of(counter)).digest());
    output.set(previous.subarray(0, Math.min(previous.length, length - filled)), filled);
    filled += previous.length;
  }
  return output;
}

/** HKDF-Expand-Label (RFC 8446 §7.1): the label is prefixed with "tls13 ". */
export function hkdfExpandLabel(hash: string, secret: Uint8Array, label: string, context: Uint8Array, length: number): Uint8Array {
  const fullLabel = Buffer.from(`tls13 ${label}`, "latin1");
  const info = new Uint8Array(2 + 1 + fullLabel.length + 1 + context.length);
  info[0] = length >> 8;
  info[1] = length & 0xff;
  info[2] = fullLabel.length;
  info.set(fullLabel, 3);
  info[3 + fullLabel.length] = context.length;
  info.set(context, 4 + fullLabel.length);
  return hkdfExpand(hash, secret, info, length);
}

export interface TrafficKeys {
  key: Uint8Array;
  iv: Uint8Array;
}

/** RFC 8446 §7.3: the write key and IV of one traffic secret. */
export function trafficKeys(suite: Tls13CipherSuite, secret: Uint8Array): TrafficKeys {
  return {
    key: hkdfExpandLabel(suite.hash, secret, "key", new Uint8Array(0), suite.keyLength),
    iv: hkdfExpandLabel(suite.hash, secret, "iv", new Uint8Array(0), IV_LENGTH),
  };
}

/** RFC 8446 §7.2: the next generation of a traffic secret after a KeyUpdate. */
export function nextTrafficSecret(suite: Tls13CipherSuite, secret: Uint8Array): Uint8Array {
  return hkdfExpandLabel(suite.hash, secret, "traffic upd", new Uint8Array(0), secret.length);
}

export interface InnerPlaintext {
  /** The real content type (RFC 8446 §5.2 TLSInnerPlaintext), after the zero padding. */
  contentType: number;
  content: Uint8Array;
}

/**
 * One direction's record protection under one traffic secret: records are opened in order,
 * each with the next sequence number (which starts at 0 for every new key).
 */
export class Tls13RecordOpener {
  readonly suite: Tls13CipherSuite;
  #secret: Uint8Array;
  #keys: TrafficKeys;
  #sequence = 0n;

  constructor(suite: Tls13CipherSuite, secret: Uint8Array) {
    this.suite = suite;
    this.#secret = secret;
    this.#keys = trafficKeys(suite, secret);
  }

  /** Records opened with the current key. */
  get sequence(): bigint {
    return this.#sequence;
  }

  /** After a KeyUpdate from this direction's sender: the next secret, sequence back to 0. */
  update(): void {
    this.#secret = nextTrafficSecret(this.suite, this.#secret);
    this.#keys = trafficKeys(this.suite, this.#secret);
    this.#sequence = 0n;
  }

  /**
   * Opens an application_data record (`header` is its 5 octets, the additional data).
   * "bad-tag" when authentication fails: the wrong key, the wrong position in the stream, or
   * tampered bytes. The sequence number advances only on success.
   */
  open(header: Uint8Array, fragment: Uint8Array): InnerPlaintext | "bad-tag" | "malformed" {
    if (fragment.length < TAG_LENGTH + 1) return "malformed";
    const nonce = Uint8Array.from(this.#keys.iv);
    let sequence = this.#sequence;
    for (let i = IV_LENGTH - 1; i >= IV_LENGTH - 8; i--) {
      nonce[i]! ^= Number(sequence & 0xffn);
      sequence >>= 8n;
    }
    const cipherText = fragment.subarray(0, fragment.length - TAG_LENGTH);
    const tag = fragment.subarray(fragment.length - TAG_LENGTH);
    let plain: Uint8Array;
    try {
      // Typed as GCM: ChaCha20-Poly1305 deciphers take the same AAD and tag calls.
      const decipher = nodeCrypto().createDecipheriv(this.suite.aead as "aes-128-gcm", this.#keys.key, nonce, { authTagLength: TAG_LENGTH });
      decipher.setAAD(header);
      decipher.setAuthTag(tag);
      const head = decipher.update(cipherText);
      const tail = decipher.final();
      plain = tail.length === 0 ? new Uint8Array(head.buffer, head.byteOffset, head.length) : new Uint8Array(Buffer.concat([head, tail]));
    } catch {
      return "bad-tag";
    }
    this.#sequence++;
    // The content type is the last non-zero octet; zeros after it are padding.
    let end = plain.length - 1;
    while (end >= 0 && plain[end] === 0) end--;
    if (end < 0) return "malformed";
    return { contentType: plain[end]!, content: plain.subarray(0, end) };
  }
}
