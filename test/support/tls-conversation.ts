// Real TLS conversations for tests: Node's TLS client and server (OpenSSL) on loopback, through a
// relay that records the bytes each way in the order they passed; the client's `keylog` event
// gives the secrets, as SSLKEYLOGFILE would.

import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { createServer as createTcpServer, connect as connectTcp, type AddressInfo, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect as connectTls, createServer as createTlsServer, type SecureVersion } from "node:tls";

export interface Conversation {
  clientToServer: Uint8Array;
  serverToClient: Uint8Array;
  /** Every chunk in the order the relay passed it: 0 client→server, 1 server→client. */
  log: Array<{ direction: 0 | 1; bytes: Uint8Array }>;
  keyLogText: string;
  sent: Uint8Array;
  replied: Uint8Array;
}

/** A throwaway self-signed P-256 certificate (openssl). */
export function makeCertificate(): { key: Buffer; cert: Buffer } {
  const directory = mkdtempSync(join(tmpdir(), "h2scope-tls-"));
  execFileSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1",
    "-subj", "/CN=localhost", "-keyout", join(directory, "key.pem"), "-out", join(directory, "cert.pem")], { stdio: "ignore" });
  return { key: readFileSync(join(directory, "key.pem")), cert: readFileSync(join(directory, "cert.pem")) };
}

/**
 * One conversation with `cipher` (an OpenSSL name or a TLS 1.3 suite name) at `version`: the
 * client sends `request`, the server answers it reversed and closes. `servers` collects the
 * listeners so the caller can close them.
 */
export async function converse(certificate: { key: Buffer; cert: Buffer }, version: SecureVersion, cipher: string, request: Uint8Array, servers: Server[]): Promise<Conversation> {
  const tlsServer = createTlsServer({ ...certificate, minVersion: version, maxVersion: version, ciphers: cipher }, (socket) => {
    const received: Buffer[] = [];
    let length = 0;
    socket.on("data", (chunk: Buffer) => {
      received.push(chunk);
      length += chunk.byteLength;
      if (length === request.byteLength) socket.end(Buffer.concat(received).reverse());
    });
  });
  servers.push(tlsServer);
  await new Promise<void>((resolve) => tlsServer.listen(0, "127.0.0.1", resolve));
  const relay = await startRecordingRelay((tlsServer.address() as AddressInfo).port, servers);
  const log = relay.log;
  let keyLogText = "";
  const replied = await new Promise<Buffer>((resolve, reject) => {
    const client = connectTls({
      host: "127.0.0.1", port: relay.port, rejectUnauthorized: false,
      ciphers: cipher, minVersion: version, maxVersion: version,
    }, () => client.write(request));
    const chunks: Buffer[] = [];
    client.on("keylog", (line: Buffer) => (keyLogText += line.toString("latin1")));
    client.on("data", (chunk: Buffer) => chunks.push(chunk));
    client.on("end", () => {
      client.end();
      resolve(Buffer.concat(chunks));
    });
    client.on("error", reject);
    setTimeout(() => reject(new Error("TLS conversation timed out")), 10_000).unref();
  });
  await relay.closed;
  const joined = (direction: 0 | 1) => new Uint8Array(Buffer.concat(log.filter((entry) => entry.direction === direction).map((entry) => entry.bytes)));
  return { clientToServer: joined(0), serverToClient: joined(1), log, keyLogText, sent: request, replied: new Uint8Array(replied) };
}

/** A TCP relay to `targetPort` on loopback that records each chunk in the order it passed. */
export async function startRecordingRelay(targetPort: number, servers: Server[]): Promise<{ port: number; log: Conversation["log"]; closed: Promise<void> }> {
  const log: Conversation["log"] = [];
  let relayDone!: () => void;
  const closed = new Promise<void>((resolve) => (relayDone = resolve));
  const relay = createTcpServer((inbound: Socket) => {
    const outbound = connectTcp(targetPort, "127.0.0.1");
    inbound.on("data", (chunk: Buffer) => {
      log.push({ direction: 0, bytes: new Uint8Array(chunk) });
      outbound.write(chunk);
    });
    outbound.on("data", (chunk: Buffer) => {
      log.push({ direction: 1, bytes: new Uint8Array(chunk) });
      inbound.write(chunk);
    });
    inbound.on("end", () => outbound.end());
    outbound.on("end", () => inbound.end());
    inbound.on("error", () => outbound.destroy());
    outbound.on("error", () => inbound.destroy());
    outbound.on("close", () => relayDone());
  });
  servers.push(relay);
  await new Promise<void>((resolve) => relay.listen(0, "127.0.0.1", resolve));
  return { port: (relay.address() as AddressInfo).port, log, closed };
}
