// TLS 1.3 decryption checked against real peers: Node's TLS client and server (OpenSSL) talk on
// loopback through a relay that records the bytes each way, the client's `keylog` event gives
// the secrets, and what we decrypt must be exactly what the applications sent.

import type { Server } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addKeyLogText, emptyKeyLog, secretsFor } from "../../src/tls/keylog.js";
import { TlsRecordReader, type TlsRecord } from "../../src/tls/record-reader.js";
import { Tls13Direction } from "../../src/tls/tls13-direction.js";
import { TLS13_CIPHER_SUITES } from "../../src/tls/tls13-record-protection.js";
import { converse as converseAt, makeCertificate, type Conversation } from "../support/tls-conversation.js";

let certificate: { key: Buffer; cert: Buffer };
const servers: Server[] = [];
beforeAll(() => {
  certificate = makeCertificate();
});
afterAll(() => {
  for (const server of servers) server.close();
});

const converse = (suite: string, request: Uint8Array): Promise<Conversation> => converseAt(certificate, "TLSv1.3", suite, request, servers);

function records(bytes: Uint8Array, chunkSize: number): TlsRecord[] {
  const reader = new TlsRecordReader();
  const result: TlsRecord[] = [];
  for (let offset = 0; offset < bytes.byteLength; offset += chunkSize) {
    reader.push(bytes.subarray(offset, offset + chunkSize));
    for (let next = reader.next(); typeof next !== "string"; next = reader.next()) result.push(next);
  }
  expect(reader.pendingBytes).toBe(0);
  return result;
}

/** Decrypts both directions with the logged secrets; the hellos are the first plain records. */
function decrypt(conversation: Conversation, chunkSize = 4096, corrupt = false) {
  const clientRecords = records(conversation.clientToServer, chunkSize);
  const serverRecords = records(conversation.serverToClient, chunkSize);
  const clientHello = clientRecords[0]!.fragment;
  const serverHello = serverRecords[0]!.fragment;
  const clientRandom = clientHello.subarray(4 + 2, 4 + 2 + 32);
  const sessionIdLength = serverHello[4 + 2 + 32]!;
  const suiteOffset = 4 + 2 + 32 + 1 + sessionIdLength;
  const suite = TLS13_CIPHER_SUITES.get((serverHello[suiteOffset]! << 8) | serverHello[suiteOffset + 1]!)!;
  const secrets = secretsFor(addKeyLogText(emptyKeyLog(), conversation.keyLogText), clientRandom)!;
  const secret = (label: string) => {
    const value = Uint8Array.from(secrets.get(label)!);
    if (corrupt) value[0]! ^= 1;
    return value;
  };
  const run = (direction: Tls13Direction, list: TlsRecord[]) => {
    const outputs = list.slice(1).map((record) => direction.record(record)).filter((output) => output !== undefined);
    const data = Buffer.concat(outputs.flatMap((output) => (output.kind === "application-data" ? [output.data] : [])));
    return { outputs, data: new Uint8Array(data), established: direction.established };
  };
  return {
    suite,
    client: run(new Tls13Direction(suite, secret("CLIENT_HANDSHAKE_TRAFFIC_SECRET"), secret("CLIENT_TRAFFIC_SECRET_0")), clientRecords),
    server: run(new Tls13Direction(suite, secret("SERVER_HANDSHAKE_TRAFFIC_SECRET"), secret("SERVER_TRAFFIC_SECRET_0")), serverRecords),
  };
}

describe("TLS 1.3 decryption with a key log, real OpenSSL peers", () => {
  // 40,000 octets: several full records each way, so sequence numbers advance past one.
  const request = new Uint8Array(40_000).map((_, index) => (index * 7) & 0xff);

  for (const suiteName of ["TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256"]) {
    it(`recovers exactly what each side sent with ${suiteName}`, async () => {
      const conversation = await converse(suiteName, request);
      expect(conversation.replied).toEqual(Uint8Array.from(request).reverse());
      for (const chunkSize of [4096, 1, 1500]) {
        const result = decrypt(conversation, chunkSize);
        expect(result.suite.name).toBe(suiteName);
        expect(result.client.established && result.server.established).toBe(true);
        expect(result.client.data).toEqual(conversation.sent);
        expect(result.server.data).toEqual(conversation.replied);
        // The server's encrypted flight: EncryptedExtensions, Certificate, CertificateVerify, Finished.
        const serverHandshakeTypes = result.server.outputs.flatMap((output) => (output.kind === "handshake" ? output.messageTypes : []));
        expect(serverHandshakeTypes.slice(0, 4)).toEqual([8, 11, 15, 20]);
        expect(result.client.outputs.some((output) => output.kind === "undecryptable")).toBe(false);
        // The server ended the conversation with close_notify (alert 0).
        expect(result.server.outputs.at(-1)).toMatchObject({ kind: "alert", description: 0 });
      }
    });
  }

  it("reports a wrong key as undecryptable and decodes nothing from it", async () => {
    const conversation = await converse("TLS_AES_128_GCM_SHA256", request.subarray(0, 100));
    const result = decrypt(conversation, 4096, true);
    for (const side of [result.client, result.server]) {
      expect(side.outputs).toHaveLength(1);
      expect(side.outputs[0]).toMatchObject({ kind: "undecryptable", reason: "bad-tag" });
      expect(side.data.byteLength).toBe(0);
    }
  });
});
