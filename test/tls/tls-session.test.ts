// TlsSession on real conversations (OpenSSL peers through a recording relay), fed in the order
// the bytes passed, as the pipeline feeds it: TLS 1.2 and 1.3, each AEAD suite HTTP/2 uses,
// and what it says when the keys are missing, wrong, or bytes are lost.

import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import type { AddressInfo, Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createServer as createTlsServer, type SecureVersion } from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addKeyLogText, emptyKeyLog, type KeyLog } from "../../src/tls/keylog.js";
import { TlsSession, type TlsDecryption } from "../../src/tls/tls-session.js";
import { converse, makeCertificate, startRecordingRelay, type Conversation } from "../support/tls-conversation.js";

let certificate: { key: Buffer; cert: Buffer };
const servers: Server[] = [];
beforeAll(() => {
  certificate = makeCertificate();
});
afterAll(() => {
  for (const server of servers) server.close();
});

interface Replay {
  plaintext: [Uint8Array, Uint8Array];
  statuses: Array<[TlsDecryption, string]>;
}

/** Feeds the conversation to a TlsSession in relay order; `lose` drops one chunk (a capture gap). */
function replay(conversation: Conversation, keyLogText: string | KeyLog, lose?: number): Replay {
  const plaintext: [Buffer[], Buffer[]] = [[], []];
  const statuses: Replay["statuses"] = [];
  const session = new TlsSession(typeof keyLogText === "string" ? addKeyLogText(emptyKeyLog(), keyLogText) : keyLogText, 0, {
    plaintext: (direction, bytes) => plaintext[direction].push(Buffer.from(bytes)),
    status: (decryption, detail) => statuses.push([decryption, detail]),
  });
  conversation.log.forEach((entry, index) => {
    if (index === lose) session.gap(entry.direction, entry.bytes.byteLength);
    else session.data(entry.direction, entry.bytes, index + 1, index);
  });
  return { plaintext: [new Uint8Array(Buffer.concat(plaintext[0])), new Uint8Array(Buffer.concat(plaintext[1]))], statuses };
}

const request = new Uint8Array(40_000).map((_, index) => (index * 13) & 0xff);
const CASES: Array<[SecureVersion, string]> = [
  ["TLSv1.2", "ECDHE-ECDSA-AES128-GCM-SHA256"],
  ["TLSv1.2", "ECDHE-ECDSA-AES256-GCM-SHA384"],
  ["TLSv1.2", "ECDHE-ECDSA-CHACHA20-POLY1305"],
  ["TLSv1.3", "TLS_AES_128_GCM_SHA256"],
  ["TLSv1.3", "TLS_CHACHA20_POLY1305_SHA256"],
];

describe("TlsSession with real OpenSSL peers", () => {
  for (const [version, cipher] of CASES) {
    it(`gives back exactly what each side sent: ${version} ${cipher}`, async () => {
      const conversation = await converse(certificate, version, cipher, request, servers);
      const result = replay(conversation, conversation.keyLogText);
      expect(result.statuses.map(([decryption]) => decryption)).toEqual(["decrypted"]);
      expect(result.plaintext[0]).toEqual(conversation.sent);
      expect(result.plaintext[1]).toEqual(conversation.replied);
    });
  }

  it("TLS 1.2: names the client random when the key log lacks it, and calls wrong secrets bad-key", async () => {
    const conversation = await converse(certificate, "TLSv1.2", "ECDHE-ECDSA-AES128-GCM-SHA256", request.subarray(0, 500), servers);
    const random = /^CLIENT_RANDOM ([0-9a-f]{64}) /im.exec(conversation.keyLogText)![1]!.toLowerCase();
    const missing = replay(conversation, "");
    expect(missing.statuses).toEqual([["no-keys", expect.stringContaining(random)]]);
    expect(missing.plaintext[0].byteLength + missing.plaintext[1].byteLength).toBe(0);
    const wrong = replay(conversation, conversation.keyLogText.replace(/[0-9a-f]$/gim, (digit) => (digit === "0" ? "1" : "0")));
    expect(wrong.statuses[0]![0]).toBe("bad-key");
    expect(wrong.plaintext[0].byteLength + wrong.plaintext[1].byteLength).toBe(0);
  });

  it("stops one direction at a capture gap and says so; the other direction is still decrypted", async () => {
    const conversation = await converse(certificate, "TLSv1.3", "TLS_AES_128_GCM_SHA256", request, servers);
    // Lose the last chunk of the client's request.
    const lose = conversation.log.findLastIndex((entry) => entry.direction === 0 && entry.bytes.byteLength > 1000);
    expect(lose).toBeGreaterThan(0);
    const result = replay(conversation, conversation.keyLogText, lose);
    expect(result.statuses.at(-1)![0]).toBe("gap");
    expect(result.statuses.at(-1)![1]).toContain("client's TLS stream");
    expect(result.plaintext[0].byteLength).toBeLessThan(conversation.sent.byteLength);
    expect(conversation.sent.subarray(0, result.plaintext[0].byteLength)).toEqual(result.plaintext[0]);
    expect(result.plaintext[1]).toEqual(conversation.replied);
  });

  it("follows a TLS 1.3 KeyUpdate (OpenSSL s_client's `k` command) to the next traffic secret", async () => {
    const received: Buffer[] = [];
    const server = createTlsServer({ ...certificate, minVersion: "TLSv1.3" }, (socket) => {
      socket.on("data", (chunk: Buffer) => received.push(chunk));
      socket.on("end", () => socket.end());
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const relay = await startRecordingRelay((server.address() as AddressInfo).port, servers);
    const keyLogFile = join(mkdtempSync(join(tmpdir(), "h2scope-keyupdate-")), "keys.txt");
    const client = spawn("openssl", ["s_client", "-connect", `127.0.0.1:${relay.port}`, "-tls1_3", "-keylogfile", keyLogFile], { stdio: ["pipe", "pipe", "pipe"] });
    // Bounded: s_client exits when its input ends; if it does not, it is stopped by its PID.
    const guard = setTimeout(() => client.kill(), 8_000);
    let output = "";
    client.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    // s_client reports the KeyUpdate it sent on standard error.
    client.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    // "k" on a line of its own makes s_client send KeyUpdate; the lines around it are data.
    for (const line of ["before the update\n", "k\n", "after the update\n"]) {
      await pause(300);
      client.stdin.write(line);
    }
    await pause(300);
    client.stdin.end();
    await new Promise((resolve) => client.on("exit", resolve));
    clearTimeout(guard);
    await relay.closed;
    expect(output).toContain("KEYUPDATE");
    expect(Buffer.concat(received).toString()).toBe("before the update\nafter the update\n");
    const log = relay.log;
    const result = replay({ log, clientToServer: new Uint8Array(0), serverToClient: new Uint8Array(0), keyLogText: readFileSync(keyLogFile, "latin1"), sent: new Uint8Array(0), replied: new Uint8Array(0) },
      readFileSync(keyLogFile, "latin1"));
    expect(result.statuses.map(([decryption]) => decryption)).toEqual(["decrypted"]);
    expect(Buffer.from(result.plaintext[0]).toString()).toBe("before the update\nafter the update\n");
  });

  it("waits for a followed key log that has not caught up at the ServerHello, then decrypts", async () => {
    for (const [version, cipher] of [["TLSv1.3", "TLS_AES_128_GCM_SHA256"], ["TLSv1.2", "ECDHE-ECDSA-AES128-GCM-SHA256"]] as const) {
      const conversation = await converse(certificate, version, cipher, request.subarray(0, 3000), servers);
      // The first look (at the ServerHello) finds nothing; the secrets are there at the next.
      let asked = 0;
      const late: KeyLog = { ...emptyKeyLog(), more: () => (asked++ === 1 ? conversation.keyLogText : "") };
      const result = replay(conversation, late);
      expect(result.statuses.map(([decryption]) => decryption), version).toEqual(["no-keys", "decrypted"]);
      expect(result.plaintext[0]).toEqual(conversation.sent);
      expect(result.plaintext[1]).toEqual(conversation.replied);
      // A followed log that never gets them: no keys, nothing decrypted.
      const never = replay(conversation, { ...emptyKeyLog(), more: () => "" });
      expect(never.statuses.map(([decryption]) => decryption)).toEqual(["no-keys"]);
      expect(never.plaintext[0].byteLength + never.plaintext[1].byteLength).toBe(0);
    }
  });
});
