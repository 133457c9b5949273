import { describe, expect, it } from "vitest";
import { settingsFlood } from "../../../src/rules/builtin/settings-flood.js";
import { headers, REQUEST_BLOCK, RESPONSE_BLOCK, settings, settingsAck } from "../../support/h2-frames.js";
import { CLIENT, ruleHarness, SERVER, summarize } from "../../support/rule-harness.js";

function values(finding: { evidence: Array<{ what: string; values?: Record<string, unknown> }> }, what: string): Record<string, unknown> {
  return finding.evidence.find((item) => item.what.startsWith(what))!.values!;
}

describe("settings-flood", () => {
  it("fires once at the 1000th SETTINGS within 10 s, empty and acknowledged", () => {
    const h = ruleHarness([settingsFlood]);
    h.handshake();
    for (let i = 0; i < 1500; i++) {
      h.at(0.1 + i * 0.005);
      h.send(CLIENT, settings([]));
      h.send(SERVER, settingsAck());
      if (i === 997) expect(h.findings).toEqual([]);
    }
    expect(summarize(h.findings)).toEqual(["settings-flood:error:client:-"]);
    const finding = h.findings[0]!;
    // The handshake's SETTINGS counts too: 999 more make 1000.
    expect(finding.message).toContain("The client sent 1,000 SETTINGS frames within 5.09 s (about 196/s, all of them empty)");
    expect(finding.message).toContain("The server is keeping up (1 not acknowledged yet)");
    expect(finding.message).toContain("CVE-2019-9515");
    expect(values(finding, "the flood so far")).toMatchObject({ settingsInWindow: 1000, emptySettings: 1000, missingAcks: 1 });
    expect(finding.evidence.some((item) => item.what.startsWith("largest SETTINGS frame"))).toBe(false);
    expect(h.close()).toHaveLength(1);
  });

  it("flags missing ACKs, a zero window and frames with more than 32 entries", () => {
    const h = ruleHarness([settingsFlood], { "settings-flood": { settingsCount: 1100 } });
    h.handshake();
    h.at(0.05);
    h.tcpEvent({ kind: "tcp.zero-window", direction: CLIENT });
    h.tcpEvent({ kind: "tcp.ack-stall", direction: SERVER, durationUs: 2_500_000, bytesInFlight: 4000, resolved: false });
    const big = settings(Array.from({ length: 40 }, (): [number, number] => [1, 4096]));
    for (let i = 0; i < 1100; i++) {
      h.at(0.1 + i * 0.001);
      h.send(CLIENT, i % 100 === 0 ? big : settings([[3, 100]]));
    }
    expect(h.findings).toHaveLength(1);
    const finding = h.findings[0]!;
    expect(finding.message).toContain("1 of 1,100 empty");
    expect(finding.message).toContain("1,099 of its 1,100 SETTINGS have no ACK yet: the ACKs are not keeping up");
    expect(finding.message).toContain("Worse, the client is not reading: it advertised a zero TCP window once and the server's data waited up to 2500 ms for its TCP ACKs");
    expect(finding.message).toContain("past the limit of nghttp2 and Envoy");
    expect(finding.message).toContain("11 frames have more than 32 entries (up to 40), which nghttp2 rejects outright");
    expect(values(finding, "nghttp2")).toMatchObject({ wouldFire: true, missingAcks: 1099 });
    expect(values(finding, "largest SETTINGS frame")).toMatchObject({ entries: 40, framesOver32: 11 });
  });

  it("stays quiet on the opening SETTINGS, a mid-connection update and occasional changes", () => {
    const h = ruleHarness([settingsFlood]);
    h.handshake([[3, 100], [4, 1 << 20]]);
    h.send(CLIENT, headers(1, REQUEST_BLOCK, { endStream: true }));
    h.send(SERVER, headers(1, RESPONSE_BLOCK, { endStream: true }));
    for (let i = 0; i < 100; i++) {
      h.at(1 + i * 0.5);
      h.send(SERVER, settings([[3, 100 + i]]));
      h.send(CLIENT, settingsAck());
    }
    expect(h.close()).toEqual([]);
  });
});
