// TLS 1.2 AEAD record protection with the master secret from a key log (CLIENT_RANDOM): the PRF
// and key expansion (RFC 5246 §5, §6.3), AES-GCM records with an 8-octet explicit nonce
// (RFC 5288 §3) and ChaCha20-Poly1305 records with the sequence number XORed into the IV
// (RFC 7905 §2). Extended master secret (RFC 7627) changes only how the master secret is made,
// and the key log already holds it.

import { lazyModule } from "../lazy-module.js";

const nodeCrypto = lazyModule<typeof import("node:crypto")>("node:crypto");

export interface Tls12CipherSuite {
  name: string;
  code: number;
  aead: "aes-128-gcm" | "aes-256-gcm" | "chacha20-poly1305";
  /** The PRF's hash. */
  hash: "sha256" | "sha384";
  keyLength: number;
  /** Fixed IV octets from the key block: 4 (GCM salt) or 12 (ChaCha20-Poly1305). */
  fixedIvLength: 4 | 12;
}

const TAG_LENGTH = 16;
const EXPLICIT_NONCE_LENGTH = 8;

function gcm(name: string, code: number, keyLength: 16 | 32, hash: "sha256" | "sha384"): [number, Tls12CipherSuite] {
  return [code, { name, code, aead: keyLength === 16 ? "aes-128-gcm" : "aes-256-gcm", hash, keyLength, fixedIvLength: 4 }];
}
function chacha(name: string, code: number): [number, Tls12CipherSuite] {
  return [code, { name, code, aead: "chacha20-poly1305", hash: "sha256", keyLength: 32, fixedIvLength: 12 }];
}

/** The AEAD suites HTTP/2 may use over TLS 1.2 (RFC 9113 §9.2.2 forbids the CBC ones). */
export const TLS12_CIPHER_SUITES: ReadonlyMap<number, Tls12CipherSuite> = new Map([
  gcm("TLS_RSA_WITH_AES_128_GCM_SHA256", 0x009c, 16, "sha256"),
  gcm("TLS_RSA_WITH_AES_256_GCM_SHA384", 0x009d, 32, "sha384"),
  gcm("TLS_DHE_RSA_WITH_AES_128_GCM_SHA256", 0x009e, 16, "sha256"),
  gcm("TLS_DHE_RSA_WITH_AES_256_GCM_SHA384", 0x009f, 32, "sha384"),
  gcm("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", 0xc02b, 16, "sha256"),
  gcm("TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", 0xc02c, 32, "sha384"),
  gcm("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", 0xc02f, 16, "sha256"),
  gcm("TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", 0xc030, 32, "sha384"),
  chacha("TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", 0xcca8),
  chacha("TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", 0xcca9),
  chacha("TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256", 0xccaa),
]);

/** P_hash(secret, label + seed) to `length` octets (RFC 5246 §5). */
export function tls12Prf(hash: string, secret: Uint8Array, label: string, seed: Uint8Array, length: number): Uint8Array {
  const labelSeed = Buffer.concat([Buffer.from(label, "latin1"), seed]);
  const output = new Uint8Array(length);
  let a: Uint8Array = labelSeed;
  for (let filled = 0; filled < length;) {
    a = nodeCrypto().createHmac(hash, secret).update(a).digest();
    const block = nodeCrypto().createHmac(hash, secret).update(a).update(labelSeed).digest();
    output.set(block.subarray(0, Math.min(block.length, length - filled)), filled);
    filled += block.length;
  }
  return output;
}

export interface Tls12WriteKeys {
  key: Uint8Array;
  fixedIv: Uint8Array;
}

/** RFC 5246 §6.3: the key block (AEAD suites have no MAC keys), split per writer. */
export function tls12KeyBlock(suite: Tls12CipherSuite, masterSecret: Uint8Array, clientRandom: Uint8Array, serverRandom: Uint8Array): { client: Tls12WriteKeys; server: Tls12WriteKeys } {
  const seed = Buffer.concat([serverRandom, clientRandom]);
  const block = tls12Prf(suite.hash, masterSecret, "key expansion", seed, 2 * (suite.keyLength + suite.fixedIvLength));
  const k = suite.keyLength;
  const iv = suite.fixedIvLength;
  return {
    client: { key: block.slice(0, k), fixedIv: block.slice(2 * k, 2 * k + iv) },
    server: { key: block.slice(k, 2 * k), fixedIv: block.slice(2 * k + iv, 2 * k + 2 * iv) },
  };
}

/** One writer's protected records, opened in order from its ChangeCipherSpec on. */
export class Tls12RecordOpener {
  readonly #suite: Tls12CipherSuite;
  readonly #keys: Tls12WriteKeys;
  #sequence = 0n;

  constructor(suite: Tls12CipherSuite, keys: Tls12WriteKeys) {
    this.#suite = suite;
    this.#keys = keys;
  }

  open(contentType: number, version: number, fragment: Uint8Array): Uint8Array | "bad-tag" | "malformed" {
    const gcmRecord = this.#suite.fixedIvLength === 4;
    const overhead = TAG_LENGTH + (gcmRecord ? EXPLICIT_NONCE_LENGTH : 0);
    if (fragment.length < overhead) return "malformed";
    const plainLength = fragment.length - overhead;
    const sequence = new Uint8Array(8);
    new DataView(sequence.buffer).setBigUint64(0, this.#sequence);
    let nonce: Uint8Array;
    if (gcmRecord) {
      nonce = new Uint8Array(12);
      nonce.set(this.#keys.fixedIv, 0);
      nonce.set(fragment.subarray(0, EXPLICIT_NONCE_LENGTH), 4);
    } else {
      nonce = Uint8Array.from(this.#keys.fixedIv);
      for (let i = 0; i < 8; i++) nonce[4 + i]! ^= sequence[i]!;
    }
    const additional = new Uint8Array(13);
    additional.set(sequence, 0);
    additional[8] = contentType;
    additional[9] = version >> 8;
    additional[10] = version & 0xff;
    additional[11] = plainLength >> 8;
    additional[12] = plainLength & 0xff;
    const cipherText = fragment.subarray(fragment.length - TAG_LENGTH - plainLength, fragment.length - TAG_LENGTH);
    try {
      // Typed as GCM: ChaCha20-Poly1305 deciphers take the same AAD and tag calls.
      const decipher = nodeCrypto().createDecipheriv(this.#suite.aead as "aes-128-gcm", this.#keys.key, nonce, { authTagLength: TAG_LENGTH });
      decipher.setAAD(additional, { plaintextLength: plainLength });
      decipher.setAuthTag(fragment.subarray(fragment.length - TAG_LENGTH));
      const plain = Buffer.concat([decipher.update(cipherText), decipher.final()]);
      this.#sequence++;
      return new Uint8Array(plain.buffer, plain.byteOffset, plain.length);
    } catch {
      return "bad-tag";
    }
  }
}
