// TLS decryption from the command line, on curl's real TLS 1.3 conversation with nghttpd: the
// secrets inside a pcapng (Decryption Secrets Block) or beside a pcap (--keylog), and what is
// reported when they are missing or wrong.

import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { FIXTURES_DIR, fixturePath, loadFixtureMetas } from "../support/fixtures.js";
import { main } from "../../src/cli/main.js";
import { runCli } from "../support/run-cli.js";

const metas = new Map(loadFixtureMetas().map((meta) => [meta.name, meta] as const));
const withSecrets = fixturePath(metas.get("h2-tls-dsb")!);
const plain = fixturePath(metas.get("h2-tls-keylog")!);
const keyLog = join(FIXTURES_DIR, (metas.get("h2-tls-keylog") as { keyLog?: string }).keyLog!);

function frameLines(stdout: string): unknown[] {
  return stdout.trim().split("\n").filter((line) => line !== "").map((line) => JSON.parse(line)).filter((record) => record.type !== undefined);
}

function writeTemp(name: string, text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), "h2scope-keylog-")), name);
  writeFileSync(path, text);
  return path;
}

describe("TLS decryption (h2scope CLI)", () => {
  it("decodes the same frames with --keylog as with the pcapng's Decryption Secrets Block", async () => {
    const fromDsb = await runCli(["frames", "-f", "ndjson", withSecrets]);
    const fromKeyLog = await runCli(["frames", "-f", "ndjson", "--keylog", keyLog, plain]);
    expect(fromKeyLog.exitCode).toBe(0);
    const frames = frameLines(fromKeyLog.stdout);
    expect(frames.length).toBeGreaterThan(0);
    expect(frames).toEqual(frameLines(fromDsb.stdout));
    const connections = JSON.parse((await runCli(["connections", "-f", "json", "--keylog", keyLog, plain])).stdout);
    expect(connections.connections[0].http2.tls).toMatchObject({ decryption: "decrypted", alpnOffered: ["h2", "http/1.1"] });
  });

  it("without keys lists the connection as TLS and says why it was not decrypted", async () => {
    const connections = JSON.parse((await runCli(["connections", "-f", "json", plain])).stdout);
    expect(connections.connections[0].http2.tls.decryption).toBe("no-keys");
    expect(connections.connections[0].http2.tls.decryptionDetail).toContain("--keylog");
    expect(connections.connections[0].http2.framesByType).toEqual({});
    const analysis = await runCli(["analyze", plain]);
    expect(analysis.stdout).toContain("1 TLS not read as HTTP/2");
    expect(analysis.stdout).toContain("not decrypted: no-keys");
  });

  it("names the client random when the key log has no entry for it", async () => {
    const otherSession = readFileSync(keyLog, "latin1").replace(/ ([0-9a-f]{64}) /g, ` ${"0".repeat(64)} `);
    const connections = JSON.parse((await runCli(["connections", "-f", "json", "--keylog", writeTemp("other.keys", otherSession), plain])).stdout);
    const tls = connections.connections[0].http2.tls;
    expect(tls.decryption).toBe("no-keys");
    const random = /^CLIENT_HANDSHAKE_TRAFFIC_SECRET ([0-9a-f]{64}) /m.exec(readFileSync(keyLog, "latin1"))![1]!;
    expect(tls.decryptionDetail).toContain(random);
  });

  it("reports wrong secrets as bad-key and decodes nothing from them", async () => {
    // Flip the last hex digit of every secret: same sessions, wrong keys.
    const wrong = readFileSync(keyLog, "latin1").replace(/([0-9a-f])$/gm, (digit) => (digit === "0" ? "1" : "0"));
    const result = await runCli(["connections", "-f", "json", "--keylog", writeTemp("wrong.keys", wrong), plain]);
    const tls = JSON.parse(result.stdout).connections[0].http2.tls;
    expect(tls.decryption).toBe("bad-key");
    expect(tls.decryptionDetail).toMatch(/did not authenticate/);
    expect(frameLines((await runCli(["frames", "-f", "ndjson", "--keylog", writeTemp("wrong.keys", wrong), plain])).stdout)).toEqual([]);
  });

  it("warns about key log lines it cannot read and exits 3 on a missing key log", async () => {
    const withJunk = `${readFileSync(keyLog, "latin1")}not a key log line\n`;
    const result = await runCli(["connections", "--keylog", writeTemp("junk.keys", withJunk), plain]);
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toMatch(/key log .*junk\.keys: 1 line not understood \(first: line \d+\)/);
    expect(result.stdout).toContain("HTTP/2 (TLS 1.3, decrypted)");
    const missing = await runCli(["frames", "--keylog", "/nonexistent.keys", plain]);
    expect(missing.exitCode).toBe(3);
    expect(missing.stderr).toContain("cannot read key log /nonexistent.keys: no such file");
  });

  it("decrypts the connection whose keys are logged and names the client random of the one whose are not", async () => {
    const meta = metas.get("tls13-one-key-missing")!;
    const keys = join(FIXTURES_DIR, (meta as { keyLog?: string }).keyLog!);
    const connections = JSON.parse((await runCli(["connections", "-f", "json", "--keylog", keys, fixturePath(meta)])).stdout).connections;
    expect(connections.map((view: { http2: { tls: { decryption: string } } }) => view.http2.tls.decryption)).toEqual(["decrypted", "no-keys"]);
    expect(connections[0].http2.streams).toBeGreaterThan(0);
    expect(connections[1].http2.framesByType).toEqual({});
    const loggedRandoms = [...readFileSync(keys, "latin1").matchAll(/^\S+ ([0-9a-f]{64}) /gm)].map((match) => match[1]);
    const named = /client random ([0-9a-f]{64})/.exec(connections[1].http2.tls.decryptionDetail)![1];
    expect(loggedRandoms).not.toContain(named);
    const analysis = await runCli(["analyze", "--keylog", keys, fixturePath(meta)]);
    expect(analysis.stdout).toMatch(/Connections: 2 TCP, 1 HTTP\/2, 1 TLS not read as HTTP\/2/);
  });

  it("lists version and cipher suite from the ServerHello, with or without keys, as tshark recorded them", async () => {
    const tlsFixtures = [...metas.values()].filter((meta) => (meta as { expect?: { tlsVersion?: string } }).expect?.tlsVersion !== undefined);
    expect(tlsFixtures.length).toBeGreaterThanOrEqual(5);
    for (const meta of tlsFixtures) {
      const expected = (meta as unknown as { expect: { tlsVersion: string; cipherSuite: string } }).expect;
      const tls = JSON.parse((await runCli(["connections", "-f", "json", fixturePath(meta)])).stdout).connections[0].http2.tls;
      expect(tls.version, meta.name).toBe({ "0x0303": "TLS 1.2", "0x0304": "TLS 1.3" }[expected.tlsVersion]);
      expect(tls.cipherSuite, meta.name).toMatch(new RegExp(`^TLS_`));
      const code = Number(expected.cipherSuite);
      const names: Record<number, string> = { 0x1301: "TLS_AES_128_GCM_SHA256", 0x1302: "TLS_AES_256_GCM_SHA384", 0x1303: "TLS_CHACHA20_POLY1305_SHA256",
        0xc02b: "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", 0xc02c: "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", 0xcca9: "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256" };
      expect(tls.cipherSuite, meta.name).toBe(names[code]);
    }
  });

  it("reads a key log that grows while a live capture is read (SSLKEYLOGFILE written as the client runs)", async () => {
    const growing = writeTemp("growing.keys", "");
    const capture = new Uint8Array(readFileSync(plain));
    // The file header and the first packets (the TCP handshake), before any TLS record.
    const split = 200;
    const stdin = (async function* () {
      yield capture.subarray(0, split);
      // The client logs its secrets around its handshake, after h2scope has started.
      appendFileSync(growing, readFileSync(keyLog, "latin1"));
      yield capture.subarray(split);
    })();
    let stdout = "";
    const exitCode = await main(["connections", "-f", "json", "--keylog", growing, "-"], { stdout: (text) => (stdout += text), stderr: () => undefined, stdin });
    expect(exitCode).toBe(0);
    expect(JSON.parse(stdout).connections[0].http2.tls.decryption).toBe("decrypted");
  });

  it("says a decrypted connection that is not HTTP/2 (HTTP/1.1 inside TLS) is not HTTP/2", async () => {
    const meta = metas.get("tls13-http1")!;
    const keys = join(FIXTURES_DIR, (meta as { keyLog?: string }).keyLog!);
    const tls = JSON.parse((await runCli(["connections", "-f", "json", "--keylog", keys, fixturePath(meta)])).stdout).connections[0].http2.tls;
    expect(tls).toMatchObject({ decryption: "decrypted", plaintext: "other", alpnOffered: ["http/1.1"] });
    const analysis = await runCli(["analyze", "--keylog", keys, fixturePath(meta)]);
    expect(analysis.stdout).toContain("Connections: 1 TCP, 0 HTTP/2, 1 TLS not read as HTTP/2");
    expect(analysis.stdout).toMatch(/conn 1 .* decrypted, not HTTP\/2/);
  });
});
