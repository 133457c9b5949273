import { describe, expect, it } from "vitest";
import { hpackBomb } from "../../../src/rules/builtin/hpack-bomb.js";
import { ascii, concat } from "../../support/bytes.js";
import { headers, REQUEST_BLOCK, RESPONSE_BLOCK } from "../../support/h2-frames.js";
import { CLIENT, ruleHarness, SERVER, summarize } from "../../support/rule-harness.js";

/** :method GET, :path /, :scheme http from the static table. */
const PSEUDO = Uint8Array.of(0x82, 0x84, 0x86);
/** Indexed reference to the newest dynamic table entry (index 62). */
const NEWEST = 0xbe;

/** HPACK integer with an n-bit prefix (RFC 7541 §5.1), the prefix octet's high bits given. */
function hpackInteger(value: number, prefixBits: number, high: number): Uint8Array {
  const max = (1 << prefixBits) - 1;
  if (value < max) return Uint8Array.of(high | value);
  const bytes = [high | max];
  for (value -= max; value >= 128; value = Math.floor(value / 128)) bytes.push((value % 128) | 128);
  bytes.push(value);
  return Uint8Array.from(bytes);
}

/** A literal field with a literal name; `index` adds it to the dynamic table (RFC 7541 §6.2.1, §6.2.2). */
function literal(name: string, value: string, index = false): Uint8Array {
  return concat(Uint8Array.of(index ? 0x40 : 0x00), hpackInteger(name.length, 7, 0), ascii(name), hpackInteger(value.length, 7, 0), ascii(value));
}

function references(count: number): Uint8Array {
  return new Uint8Array(count).fill(NEWEST);
}

function values(finding: { evidence: Array<{ what: string; values?: Record<string, unknown> }> }, what: string): Record<string, unknown> {
  return finding.evidence.find((item) => item.what.startsWith(what))!.values!;
}

describe("hpack-bomb", () => {
  it("fires on a block of references to one big entry, with ratio, sizes and the entry reused, once per side", () => {
    const h = ruleHarness([hpackBomb]);
    h.handshake();
    h.send(CLIENT, headers(1, concat(PSEUDO, literal("x", "a".repeat(1000), true)), { endStream: true }));
    expect(h.findings).toEqual([]);
    h.send(CLIENT, headers(3, concat(PSEUDO, references(250)), { endStream: true }));
    h.send(SERVER, headers(1, RESPONSE_BLOCK, { endStream: true }));
    expect(summarize(h.findings)).toEqual(["hpack-bomb:error:client:3"]);
    const finding = h.findings[0]!;
    expect(finding.message).toContain("decodes to 258,373 octets (names + values + 32 per field, RFC 9113 §6.5.2) from 253 encoded octets in 1 frame: 1,021×");
    expect(finding.message).toContain('250 of its 253 fields are the same 1,001-octet field "x: aaaaaaaaaaaaaaaaaaaaaaaa…"');
    expect(finding.message).toContain("CVE-2016-6581");
    expect(values(finding, "the frame that ends the block")).toMatchObject({ decodedBytes: 258_373, encodedBytes: 253, decodingStoppedAtLimit: false });
    expect(values(finding, "the entry reused most")).toMatchObject({ name: "x", valueLength: 1000, occurrences: 250 });
    expect(values(finding, "Envoy")).toMatchObject({ wouldFire: true });
    // The same bomb again is the same behaviour: no second finding.
    h.send(CLIENT, headers(5, concat(PSEUDO, references(250)), { endStream: true }));
    expect(h.close()).toHaveLength(1);
  });

  it("fires when h2scope's own decoding limit stops a small block (the CVE-2016-6581 shape), saying the ratio is a floor", () => {
    const h = ruleHarness([hpackBomb]);
    h.handshake();
    h.send(CLIENT, headers(1, concat(PSEUDO, literal("x", "a".repeat(4000), true)), { endStream: true }));
    h.send(CLIENT, headers(3, concat(PSEUDO, references(4000)), { endStream: true }));
    h.send(SERVER, headers(1, RESPONSE_BLOCK));
    expect(summarize(h.findings)).toEqual(["hpack-bomb:error:client:3"]);
    const finding = h.findings[0]!;
    expect(finding.message).toMatch(/decodes to at least [\d,]+ octets .* from 4,003 encoded octets in 1 frame: at least 6\d×/);
    expect(finding.message).toContain("h2scope stopped decoding at its own limit");
    expect(finding.message).toContain("likely an HPACK bomb");
    expect(values(finding, "the frame that ends the block")).toMatchObject({ decodingStoppedAtLimit: true });
  });

  it("warns when a plain large block passes the receiver's SETTINGS_MAX_HEADER_LIST_SIZE", () => {
    const h = ruleHarness([hpackBomb]);
    h.handshake([[6, 8192]]);
    h.send(CLIENT, headers(1, concat(REQUEST_BLOCK, literal("cookie", "c".repeat(10_000))), { endStream: true }));
    // A block is judged once the events of its frame are all in, i.e. at the next one.
    expect(h.findings).toEqual([]);
    h.send(SERVER, headers(1, RESPONSE_BLOCK, { endStream: true }));
    expect(summarize(h.findings)).toEqual(["hpack-bomb:warning:client:1"]);
    expect(h.findings[0]!.message).toContain("The server advertised SETTINGS_MAX_HEADER_LIST_SIZE 8,192");
    expect(h.findings[0]!.message).toContain("The size, not compression, is the problem here");
    expect(values(h.findings[0]!, "the server's SETTINGS_MAX_HEADER_LIST_SIZE")).toMatchObject({ wouldFire: true, limit: 8192 });
  });

  it("fires on more than two table size updates at the start of a block, not on two", () => {
    const h = ruleHarness([hpackBomb]);
    h.handshake();
    const to4096 = hpackInteger(4096, 5, 0x20);
    h.send(CLIENT, headers(1, concat(Uint8Array.of(0x20), to4096, PSEUDO), { endStream: true }));
    h.send(CLIENT, headers(3, concat(Uint8Array.of(0x20), to4096, Uint8Array.of(0x20), to4096, PSEUDO), { endStream: true }));
    expect(summarize(h.close())).toEqual(["hpack-bomb:error:client:3"]);
    expect(h.findings[0]!.message).toContain("starts with 4 dynamic table size updates (0, 4,096, 0, 4,096); RFC 7541 §4.2 allows at most two");
  });

  it("stays quiet on ordinary HPACK reuse: the same big cookie referenced by every request", () => {
    const h = ruleHarness([hpackBomb]);
    h.handshake();
    h.send(CLIENT, headers(1, concat(PSEUDO, literal("cookie", "s".repeat(3000), true)), { endStream: true }));
    for (let i = 1; i < 50; i++) h.send(CLIENT, headers(1 + 2 * i, concat(PSEUDO, references(1)), { endStream: true }));
    // Even split into crumbs referenced 15 times in one block (45 KiB decoded from 18 octets).
    h.send(CLIENT, headers(101, concat(PSEUDO, references(15)), { endStream: true }));
    expect(h.close()).toEqual([]);
  });
});
