import { describe, expect, it } from "vitest";
import { rapidReset } from "../../../src/rules/builtin/rapid-reset.js";
import { data, headers, REQUEST_BLOCK, RESPONSE_BLOCK, rstStream } from "../../support/h2-frames.js";
import { CLIENT, ruleHarness, SERVER, summarize } from "../../support/rule-harness.js";

const CANCEL = 8;

/** `count` streams opened and cancelled in the same packet, one packet every `gapSeconds` from `start`. */
function flood(h: ReturnType<typeof ruleHarness>, firstStream: number, count: number, start: number, gapSeconds: number): void {
  for (let i = 0; i < count; i++) {
    h.at(start + i * gapSeconds);
    const id = firstStream + 2 * i;
    h.send(CLIENT, headers(id, REQUEST_BLOCK, { endStream: true }), rstStream(id, CANCEL));
  }
}

function values(finding: { evidence: Array<{ what: string; values?: Record<string, unknown> }> }, what: string): Record<string, unknown> {
  return finding.evidence.find((item) => item.what.startsWith(what))!.values!;
}

describe("rapid-reset", () => {
  it("fires once, at the 100th stream cancelled before any response within a second, with rate, lifetime and share", () => {
    const h = ruleHarness([rapidReset]);
    h.handshake();
    flood(h, 1, 99, 0.1, 0.002);
    expect(h.findings).toEqual([]);
    flood(h, 199, 60, 0.1 + 99 * 0.002, 0.002);
    expect(summarize(h.findings)).toEqual(["rapid-reset:error:client:-"]);
    const [finding] = h.findings;
    expect(finding!.packet).toBe(h.findings[0]!.evidence[1]!.packet);
    expect(finding!.message).toContain("opened and cancelled 100 streams within 198 ms");
    expect(finding!.message).toContain("100% of its 100 streams");
    expect(finding!.message).toContain("CVE-2023-44487");
    expect(values(finding!, "the episode so far")).toMatchObject({
      count: 100, firstStream: 1, lastStream: 199, medianLifetimeMs: 0, prematureSharePercent: 100, errorCodes: "CANCEL ×100",
    });
    expect(finding!.evidence[0]).toMatchObject({ stream: 1, sender: "client" });
    expect(values(finding!, "Netty")).toMatchObject({ wouldFire: false, resetsInWindow: 100 });
    expect(values(finding!, "nghttp2")).toMatchObject({ wouldFire: false });
    expect(h.close()).toHaveLength(1);
  });

  it("names the server limits that would already have fired when the flood is past them", () => {
    const h = ruleHarness([rapidReset], { "rapid-reset": { resetCount: 250, windowSeconds: 2 } });
    h.handshake();
    flood(h, 1, 250, 0.1, 0.001);
    expect(h.findings).toHaveLength(1);
    const finding = h.findings[0]!;
    expect(values(finding, "Netty")).toMatchObject({ wouldFire: true });
    expect(values(finding, "h2o")).toMatchObject({ wouldFire: true, budgetLeft: 0 });
    expect(values(finding, "Envoy")).toMatchObject({ wouldFire: false, streams: 250 });
    expect(finding.message).toMatch(/would already have acted: Netty .*h2o/);
    expect(finding.message).toContain("Not yet: nghttp2");
  });

  it("catches the delayed-reset variant: a batch opened, then cancelled together 200 ms later", () => {
    const h = ruleHarness([rapidReset]);
    h.handshake();
    const ids = Array.from({ length: 120 }, (_, i) => 1 + 2 * i);
    h.at(0.1);
    h.send(CLIENT, ...ids.map((id) => headers(id, REQUEST_BLOCK, { endStream: true })));
    h.at(0.3);
    h.send(CLIENT, ...ids.map((id) => rstStream(id, CANCEL)));
    expect(summarize(h.findings)).toEqual(["rapid-reset:error:client:-"]);
    expect(values(h.findings[0]!, "the episode so far")).toMatchObject({ medianLifetimeMs: 200, mostStreamsInOnePacket: 120 });
    expect(h.findings[0]!.message).toContain("in a single packet");
  });

  it("does not fire on browser navigation: cancels after the responses started", () => {
    const h = ruleHarness([rapidReset], { "rapid-reset": { resetCount: 5 } });
    h.handshake();
    const ids = Array.from({ length: 30 }, (_, i) => 1 + 2 * i);
    h.at(0.1);
    h.send(CLIENT, ...ids.map((id) => headers(id, REQUEST_BLOCK, { endStream: true })));
    h.at(0.15);
    h.send(SERVER, ...ids.map((id) => headers(id, RESPONSE_BLOCK)), ...ids.map((id) => data(id, 100)));
    h.at(0.2);
    h.send(CLIENT, ...ids.map((id) => rstStream(id, CANCEL)));
    expect(h.close()).toEqual([]);
  });

  it("does not fire on gRPC deadlines: streams cancelled after more than a second, or a few per second", () => {
    const h = ruleHarness([rapidReset]);
    h.handshake();
    // 150 calls whose 1.5 s deadline expired without an answer, all within two seconds.
    const ids = Array.from({ length: 150 }, (_, i) => 1 + 2 * i);
    h.at(0.1);
    h.send(CLIENT, ...ids.map((id) => headers(id, REQUEST_BLOCK, { endStream: true })));
    h.at(1.6);
    h.send(CLIENT, ...ids.map((id) => rstStream(id, CANCEL)));
    // Then 10 cancellations a second for 20 s, each after 50 ms.
    for (let i = 0; i < 200; i++) {
      const id = 301 + 2 * i;
      h.at(2 + i * 0.1);
      h.send(CLIENT, headers(id, REQUEST_BLOCK, { endStream: true }));
      h.at(2.05 + i * 0.1);
      h.send(CLIENT, rstStream(id, CANCEL));
    }
    expect(h.close()).toEqual([]);
  });

  it("does not fire on a burst of cancels among many answered calls (under 50% premature)", () => {
    const h = ruleHarness([rapidReset]);
    h.handshake();
    for (let i = 0; i < 300; i++) {
      const id = 1 + 2 * i;
      h.at(0.1 + i * 0.01);
      h.send(CLIENT, headers(id, REQUEST_BLOCK, { endStream: true }));
      h.send(SERVER, headers(id, RESPONSE_BLOCK, { endStream: true }));
    }
    flood(h, 601, 150, 4, 0.002);
    expect(h.close()).toEqual([]);
    // The same burst on a connection that carried nothing else is a flood.
    const fresh = ruleHarness([rapidReset]);
    fresh.handshake();
    flood(fresh, 1, 150, 4, 0.002);
    expect(fresh.close()).toHaveLength(1);
  });

  it("reports a second episode after a quiet window, and only one per episode", () => {
    const h = ruleHarness([rapidReset]);
    h.handshake();
    flood(h, 1, 300, 0.1, 0.002);
    expect(h.findings).toHaveLength(1);
    flood(h, 601, 300, 5, 0.002);
    expect(h.findings).toHaveLength(2);
    expect(h.findings[1]!.message).toMatch(/^Again \(episode 2\)/);
    expect(values(h.findings[1]!, "the episode so far")).toMatchObject({ firstStream: 601 });
  });
});
