import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { fixturePath, loadFixtureMetas, type FixtureMeta } from "../support/fixtures.js";
import { runCli } from "../support/run-cli.js";

const metas = new Map(loadFixtureMetas().map((meta) => [meta.name, meta] as const));
function fixture(name: string): FixtureMeta {
  const meta = metas.get(name);
  if (meta === undefined) throw new Error(`fixture ${name} is missing: run fixtures/make-fixtures.sh`);
  return meta;
}
function expectation(meta: FixtureMeta): Record<string, number | string> {
  return meta.expect as Record<string, number | string>;
}

describe("h2scope connections", () => {
  it("prints a table of the connections with client, server and how roles were decided", async () => {
    const meta = fixture("nghttp-get-us");
    const result = await runCli(["connections", fixturePath(meta)]);
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toBe("");
    expect(result.stdout).toMatch(/Client.*Server.*C→S pkts.*Retrans.*Gaps.*Roles by/);
    expect(result.stdout).toMatch(/127\.0\.0\.1:\d+ +│ 127\.0\.0\.1:18081 .*│ syn /);
    expect(result.stdout).toContain(`pcap (microsecond, little-endian), ${meta.packets} packets, 1 TCP connection`);
  });

  it("prints JSON with the capture summary and per-direction facts", async () => {
    const meta = fixture("nghttp-get-us");
    const result = await runCli(["connections", "--format", "json", fixturePath(meta)]);
    expect(result.exitCode).toBe(0);
    const document = JSON.parse(result.stdout);
    expect(document.capture.packets).toBe(meta.packets);
    expect(document.connections).toHaveLength(1);
    const [connection] = document.connections;
    expect(connection.server).toBe("127.0.0.1:18081");
    expect(connection.rolesDecidedBy).toBe("syn");
    expect(connection.clientToServer.syn).toBe(true);
    expect(connection.clientToServer.deliveredBytes).toBe(connection.clientToServer.payloadBytes);
  });

  it("--max-connections lists the first connections (by id, not by end) and counts the rest; NDJSON still streams all", async () => {
    const path = fixturePath(fixture("h2load-many-connections"));
    const full = JSON.parse((await runCli(["connections", "-f", "json", path])).stdout);
    expect(full.connections.length).toBeGreaterThan(2);
    // Here the first two connections are not the first two to end: the limit must not depend on it.
    const endOrder = [...full.connections].sort((left, right) => left.lastPacket - right.lastPacket).map((view) => view.id);
    expect(endOrder.slice(0, 2)).not.toEqual([1, 2]);
    const limited = JSON.parse((await runCli(["connections", "-f", "json", "--max-connections", "2", path])).stdout);
    expect(limited.connections).toEqual(full.connections.slice(0, 2));
    expect(limited.capture.connectionsOmitted).toBe(full.connections.length - 2);
    const table = await runCli(["connections", "--max-connections", "2", path]);
    expect(table.stdout).toContain(`${full.connections.length} TCP connections, ${full.connections.length - 2} not listed (--max-connections)`);
    const ndjson = (await runCli(["connections", "-f", "ndjson", "--max-connections", "2", path])).stdout.trim().split("\n");
    expect(ndjson).toHaveLength(full.connections.length);
  });

  it("--limit maxOpenConnections evicts the least recently active connections, says so, and loses no packet", async () => {
    const path = fixturePath(fixture("h2load-many-connections"));
    const full = JSON.parse((await runCli(["connections", "-f", "json", path])).stdout);
    expect(full.capture.evictedConnections).toBe(0);
    const result = await runCli(["connections", "-f", "json", "--limit", "maxOpenConnections=2", path]);
    expect(result.exitCode).toBe(0);
    const limited = JSON.parse(result.stdout);
    const evicted = limited.connections.filter((view: { closeReason: string }) => view.closeReason === "evicted");
    expect(evicted.length).toBeGreaterThan(0);
    expect(limited.capture.evictedConnections).toBe(evicted.length);
    expect(limited.warnings).toEqual([expect.stringMatching(/^packet \d+: more than 2 TCP connections open at once/)]);
    expect(result.stderr).toContain(`${evicted.length} TCP connections were evicted`);
    // Every segment still lands in a connection: eviction drops state, never packets.
    const packets = (views: Array<{ clientToServer: { packets: number }; serverToClient: { packets: number } }>) =>
      views.reduce((sum, view) => sum + view.clientToServer.packets + view.serverToClient.packets, 0);
    expect(packets(limited.connections)).toBe(limited.capture.tcpSegments);
    expect(packets(full.connections)).toBe(full.capture.tcpSegments);
    const table = await runCli(["connections", "--limit", "maxOpenConnections=2", path]);
    expect(table.stdout).toContain(`${evicted.length} evicted (--limit maxOpenConnections)`);
  });

  it("--limit maxOutOfOrderBytesTotal turns holes into gaps sooner, keeping every byte accounted for", async () => {
    const path = fixturePath(fixture("netem-reorder"));
    const direction = async (args: string[]) => JSON.parse((await runCli(["connections", "-f", "json", ...args, path])).stdout).connections[0].serverToClient;
    const unbounded = await direction([]);
    expect(unbounded.outOfOrderSegments).toBeGreaterThan(0);
    expect(unbounded.gaps).toBe(0);
    const bounded = await direction(["--limit", "maxOutOfOrderBytesTotal=1000"]);
    expect(bounded.gaps).toBeGreaterThan(0);
    expect(bounded.deliveredBytes + bounded.gapBytes).toBe(unbounded.deliveredBytes);
  });

  it("--limit refuses unknown names and values below 1 (exit 2)", async () => {
    const path = fixturePath(fixture("nghttp-get-us"));
    for (const [value, message] of [["maxOpenConnection=5", /unknown limit maxOpenConnection; limits are .*maxOpenConnections/], ["maxOpenConnections=0", /1 or more/], ["maxOpenConnections", /expected name=value/]] as const) {
      const result = await runCli(["connections", "--limit", value, path]);
      expect(result.exitCode).toBe(2);
      expect(result.stderr).toMatch(message);
      expect(result.stdout).toBe("");
    }
  });

  it("reads standard input when given -", async () => {
    const bytes = new Uint8Array(readFileSync(fixturePath(fixture("nghttp-get-us"))));
    const chunks = [bytes.subarray(0, 1), bytes.subarray(1, 100), bytes.subarray(100)];
    const fromFile = await runCli(["connections", "-f", "json", fixturePath(fixture("nghttp-get-us"))]);
    const fromStdin = await runCli(["connections", "-f", "json", "-"], chunks);
    expect(fromStdin.exitCode).toBe(0);
    expect(JSON.parse(fromStdin.stdout)).toEqual(JSON.parse(fromFile.stdout));
  });

  it("decompresses gzip by content, even when the name does not say .gz", async () => {
    const meta = fixture("gzip-misnamed");
    expect(meta.file.endsWith(".gz")).toBe(false);
    const result = await runCli(["connections", "-f", "json", fixturePath(meta)]);
    expect(result.exitCode).toBe(0);
    const document = JSON.parse(result.stdout);
    expect(document.capture.format).toMatch(/gzip-compressed/);
    expect(document.connections.length).toBeGreaterThan(0);
  });

  it("reads gzip from standard input too", async () => {
    const bytes = new Uint8Array(readFileSync(fixturePath(fixture("gzip-pcap"))));
    const result = await runCli(["connections", "-f", "json", "-"], [bytes.subarray(0, 1), bytes.subarray(1)]);
    expect(result.exitCode).toBe(0);
    expect(JSON.parse(result.stdout).connections.length).toBeGreaterThan(0);
  });
});

describe("h2scope connections on bad input", () => {
  it("says an empty file is empty (exit 3)", async () => {
    const result = await runCli(["connections", fixturePath(fixture("bad-empty"))]);
    expect(result.exitCode).toBe(3);
    expect(result.stderr).toBe("h2scope: error: the input is empty\n");
    expect(result.stdout).toBe("");
  });

  it("names the magic bytes of a file that is not a capture (exit 3)", async () => {
    const meta = fixture("bad-not-capture");
    const result = await runCli(["connections", fixturePath(meta)]);
    expect(result.exitCode).toBe(3);
    expect(result.stderr).toContain(`not a capture file: it starts with bytes ${expectation(meta).magicHex}`);
    expect(result.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  it("warns about a final record cut short and keeps every packet before it (exit 0)", async () => {
    const meta = fixture("bad-truncated-record");
    const result = await runCli(["connections", "-f", "json", fixturePath(meta)]);
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toContain(`offset ${expectation(meta).byteOffset}`);
    expect(result.stderr).toMatch(/warning: the capture ends inside packet \d+'s record/);
    expect(JSON.parse(result.stdout).capture.packets).toBe(expectation(meta).completePackets);
  });

  it("stops at an impossible record length naming the offset, after reporting what came before (exit 4)", async () => {
    const meta = fixture("bad-impossible-length");
    const result = await runCli(["connections", "-f", "json", fixturePath(meta)]);
    expect(result.exitCode).toBe(4);
    expect(result.stderr).toContain(`impossible record length ${expectation(meta).recordLength}`);
    expect(result.stderr).toContain(`byte offset ${expectation(meta).byteOffset}`);
    const document = JSON.parse(result.stdout);
    expect(document.capture.packets).toBe(expectation(meta).packetsBefore);
    expect(document.connections).toHaveLength(1);
  });

  it("counts and skips packets on an unknown link type, naming it in one warning (exit 0)", async () => {
    const meta = fixture("bad-unknown-linktype");
    const result = await runCli(["connections", "-f", "json", fixturePath(meta)]);
    expect(result.exitCode).toBe(0);
    const warnings = result.stderr.split("\n").filter((line) => line.includes("warning:"));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(`(${expectation(meta).linkType})`);
    const document = JSON.parse(result.stdout);
    expect(document.capture.unknownLinkTypePackets).toBe(expectation(meta).packetsWithUnknownLinkType);
    expect(document.connections.length).toBeGreaterThan(0);
  });

  it("says a missing file is missing (exit 3)", async () => {
    const result = await runCli(["connections", "/nonexistent/capture.pcap"]);
    expect(result.exitCode).toBe(3);
    expect(result.stderr).toBe("h2scope: error: cannot open /nonexistent/capture.pcap: no such file\n");
  });

  it("rejects an unknown format and an unknown command (exit 2)", async () => {
    expect((await runCli(["connections", "--format", "xml", "x.pcap"])).exitCode).toBe(2);
    const unknown = await runCli(["frobnicate"]);
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr).toContain("unknown command");
  });
});
