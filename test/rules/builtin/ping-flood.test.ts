import { describe, expect, it } from "vitest";
import { pingFlood } from "../../../src/rules/builtin/ping-flood.js";
import { concat, u32 } from "../../support/bytes.js";
import { headers, ping, REQUEST_BLOCK, rstStream } from "../../support/h2-frames.js";
import { CLIENT, ruleHarness, SERVER, summarize } from "../../support/rule-harness.js";

const BDP_PING = Uint8Array.of(0x02, 0x04, 0x10, 0x10, 0x09, 0x0e, 0x07, 0x07);

function opaque(n: number): Uint8Array {
  return concat(u32(0), u32(n));
}

function values(finding: { evidence: Array<{ what: string; values?: Record<string, unknown> }> }, what: string): Record<string, unknown> {
  return finding.evidence.find((item) => item.what.startsWith(what))!.values!;
}

describe("ping-flood", () => {
  it("fires once at the 1000th PING within 10 s, saying the receiver kept up", () => {
    const h = ruleHarness([pingFlood]);
    h.handshake();
    for (let i = 0; i < 1500; i++) {
      h.at(0.1 + i * 0.009);
      h.send(CLIENT, ping(opaque(i)));
      h.send(SERVER, ping(opaque(i), true));
      if (i === 998) expect(h.findings).toEqual([]);
    }
    expect(summarize(h.findings)).toEqual(["ping-flood:error:client:-"]);
    const finding = h.findings[0]!;
    expect(finding.message).toContain("The client sent 1,000 PINGs within 8.99 s (about 111/s)");
    expect(finding.message).toContain("The server is keeping up (1 not answered yet)");
    expect(finding.message).not.toContain("not reading");
    expect(values(finding, "the flood so far")).toMatchObject({ pingsInWindow: 1000, unackedBacklog: 1, acksReceived: 999 });
    expect(values(finding, "nghttp2")).toMatchObject({ wouldFire: false });
    expect(h.close()).toHaveLength(1);
  });

  it("says it is worse when the sender advertises a zero window and the ACKs pile up, and names the limits passed", () => {
    const h = ruleHarness([pingFlood], { "ping-flood": { pingCount: 1200 } });
    h.handshake();
    h.at(0.1);
    h.tcpEvent({ kind: "tcp.zero-window", direction: CLIENT });
    h.tcpEvent({ kind: "tcp.zero-window", direction: CLIENT });
    for (let i = 0; i < 1200; i++) {
      h.at(0.2 + i * 0.001);
      h.send(CLIENT, ping(opaque(i)));
      if (i < 10) h.send(SERVER, ping(opaque(i), true));
    }
    expect(h.findings).toHaveLength(1);
    const finding = h.findings[0]!;
    expect(finding.message).toContain("1,190 of its 1,200 PINGs have no ACK yet: the ACKs are not keeping up");
    expect(finding.message).toContain("Worse, the client is not reading: it advertised a zero TCP window 2 times");
    expect(finding.message).toContain("past the limit of nghttp2 and Envoy");
    expect(values(finding, "nghttp2")).toMatchObject({ wouldFire: true, unackedBacklog: 1190 });
    expect(values(finding, "Go")).toMatchObject({ wouldFire: false });
  });

  it("stays quiet on grpc-go BDP pings and Go's PING per cancelled request", () => {
    const h = ruleHarness([pingFlood]);
    h.handshake();
    // BDP: a PING per data burst, 5 a second for a minute.
    for (let i = 0; i < 300; i++) {
      h.at(i * 0.2);
      h.send(SERVER, ping(BDP_PING));
      h.send(CLIENT, ping(BDP_PING, true));
    }
    // Go: RST_STREAM CANCEL + PING for each of 200 cancelled requests within 2 s.
    for (let i = 0; i < 200; i++) {
      const id = 1 + 2 * i;
      h.at(60 + i * 0.01);
      h.send(CLIENT, headers(id, REQUEST_BLOCK, { endStream: true }), rstStream(id, 8), ping(opaque(i)));
      h.send(SERVER, ping(opaque(i), true));
    }
    expect(h.close()).toEqual([]);
  });

  it("recognises a library's payload and reports the server side too", () => {
    const h = ruleHarness([pingFlood], { "ping-flood": { pingCount: 50, windowSeconds: 1 } });
    h.handshake();
    for (let i = 0; i < 60; i++) {
      h.at(0.1 + i * 0.01);
      h.send(SERVER, ping(BDP_PING));
    }
    expect(summarize(h.findings)).toEqual(["ping-flood:error:server:-"]);
    expect(h.findings[0]!.message).toContain("Most carry the grpc-go BDP-estimator ping payload");
  });

  it("reports a second episode only after a quiet window", () => {
    const h = ruleHarness([pingFlood], { "ping-flood": { pingCount: 100, windowSeconds: 1 } });
    h.handshake();
    // 300 PINGs over 3 s without a pause: one episode.
    for (let i = 0; i < 300; i++) {
      h.at(0.1 + i * 0.01);
      h.send(CLIENT, ping(opaque(i)));
    }
    expect(h.findings).toHaveLength(1);
    for (let i = 0; i < 150; i++) {
      h.at(5 + i * 0.005);
      h.send(CLIENT, ping(opaque(1000 + i)));
    }
    expect(h.findings).toHaveLength(2);
    expect(h.findings[1]!.message).toMatch(/^Again \(episode 2\): the client sent 100 PINGs/);
  });
});
