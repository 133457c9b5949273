import { describe, expect, it } from "vitest";
import { madeYouReset } from "../../../src/rules/builtin/made-you-reset.js";
import { concat, u32 } from "../../support/bytes.js";
import { data, frame, headers, REQUEST_BLOCK, RESPONSE_BLOCK, rstStream, windowUpdate } from "../../support/h2-frames.js";
import { CLIENT, ruleHarness, SERVER, summarize } from "../../support/rule-harness.js";

const PROTOCOL_ERROR = 1;
const FLOW_CONTROL_ERROR = 3;
const STREAM_CLOSED = 5;
const FRAME_SIZE_ERROR = 6;
const REFUSED_STREAM = 7;
const CANCEL = 8;

function priority(streamId: number, dependsOn: number): Uint8Array {
  return frame({ type: "PRIORITY", streamId, payload: concat(u32(dependsOn), Uint8Array.of(15)) });
}

function request(id: number): Uint8Array {
  return headers(id, REQUEST_BLOCK, { endStream: true });
}

function values(finding: { evidence: Array<{ what: string; values?: Record<string, unknown> }> }, what: string): Record<string, unknown> {
  return finding.evidence.find((item) => item.what.startsWith(what))!.values!;
}

describe("made-you-reset", () => {
  it("fires at the 10th server reset provoked by WINDOW_UPDATE 0 within a second, naming the primitive and the limits", () => {
    const h = ruleHarness([madeYouReset]);
    h.handshake();
    for (let i = 0; i < 15; i++) {
      const id = 1 + 2 * i;
      h.at(0.1 + i * 0.05);
      h.send(CLIENT, request(id), windowUpdate(id, 0));
      h.at(0.101 + i * 0.05);
      h.send(SERVER, rstStream(id, PROTOCOL_ERROR));
      if (i === 8) expect(h.findings).toEqual([]);
    }
    expect(summarize(h.findings)).toEqual(["made-you-reset:error:client:-"]);
    const finding = h.findings[0]!;
    expect(finding.message).toContain("made the server reset 10 streams");
    expect(finding.message).toContain("WINDOW_UPDATE with increment 0");
    expect(finding.message).toContain("PROTOCOL_ERROR ×10");
    expect(finding.message).toContain("CVE-2025-8671");
    expect(finding.message).toContain("Apache mod_h2 (10 stream errors, limit 8)");
    expect(finding.evidence[0]).toMatchObject({ stream: 1, sender: "client", values: { primitive: "WINDOW_UPDATE with increment 0" } });
    expect(values(finding, "provoked resets so far")).toMatchObject({ provokedResets: 10, inLastWindow: 10, sharePercent: 100 });
    expect(values(finding, "Apache mod_h2")).toMatchObject({ wouldFire: true });
    expect(values(finding, "h2o")).toMatchObject({ wouldFire: false, budgetLeft: 90 });
    expect(h.close()).toHaveLength(1);
  });

  it("fires on a slow attack by share (over half the streams, at least 10) and counts every primitive", () => {
    const h = ruleHarness([madeYouReset]);
    h.handshake();
    const primitives: Array<[(id: number) => Uint8Array, number]> = [
      [(id) => data(id, 10), STREAM_CLOSED],
      [(id) => frame({ type: "PRIORITY", streamId: id, payload: u32(0) }), FRAME_SIZE_ERROR],
      [(id) => priority(id, id), PROTOCOL_ERROR],
      [(id) => windowUpdate(id, 2 ** 31 - 1), FLOW_CONTROL_ERROR],
      [(id) => headers(id, REQUEST_BLOCK), STREAM_CLOSED],
    ];
    let id = 1;
    for (let i = 0; i < 12; i++) {
      h.at(i * 5);
      // An ordinary request between the attacks keeps the rate low and the share at 2/3.
      h.send(CLIENT, request(id));
      h.send(SERVER, headers(id, RESPONSE_BLOCK, { endStream: true }));
      id += 2;
      if (i % 2 === 1) continue;
      const [primitive, code] = primitives[(i / 2) % primitives.length]!;
      h.send(CLIENT, request(id));
      h.at(i * 5 + 0.2);
      h.send(CLIENT, primitive(id));
      h.at(i * 5 + 0.21);
      h.send(SERVER, rstStream(id, code));
      id += 2;
    }
    expect(h.findings).toEqual([]); // 6 of 18 streams: a third
    // 7 more provoked resets, 3 s apart: 13 of 25 streams is past half.
    for (let i = 0; i < 8; i++) {
      h.at(60 + i * 3);
      h.send(CLIENT, request(id), data(id, 1));
      h.send(SERVER, rstStream(id, STREAM_CLOSED));
      id += 2;
    }
    expect(summarize(h.findings)).toEqual(["made-you-reset:error:client:-"]);
    const summary = values(h.findings[0]!, "provoked resets so far");
    expect(summary).toMatchObject({
      provokedResets: 13, clientStreams: 25, sharePercent: 52, "DATA after END_STREAM": 9, "PRIORITY of the wrong size": 1,
      "PRIORITY depending on its own stream": 1, "WINDOW_UPDATE overflowing the window": 1, "HEADERS after END_STREAM": 1,
    });
    expect(h.findings[0]!.message).toContain("52% of its 25 streams");
  });

  it("does not count stale frames after the response finished, client resets, or other reset codes", () => {
    const h = ruleHarness([madeYouReset]);
    h.handshake();
    for (let i = 0; i < 45; i++) {
      const id = 1 + 2 * i;
      h.at(0.1 + i * 0.01);
      h.send(CLIENT, request(id));
      if (i < 15) {
        // A finished exchange, then a stale DATA: the server's STREAM_CLOSED cancels no work.
        h.send(SERVER, headers(id, RESPONSE_BLOCK, { endStream: true }));
        h.send(CLIENT, data(id, 5));
        h.send(SERVER, rstStream(id, STREAM_CLOSED));
      } else if (i < 30) {
        // The client cancels its own stream: rapid-reset's business, not this rule's.
        h.send(CLIENT, windowUpdate(id, 0), rstStream(id, CANCEL));
      } else {
        // A reset whose code is not what the primitive provokes.
        h.send(CLIENT, windowUpdate(id, 0));
        h.send(SERVER, rstStream(id, REFUSED_STREAM));
      }
    }
    expect(h.close()).toEqual([]);
  });

  it("does not fire on a benign client's occasional WINDOW_UPDATE 0, nor count a primitive long after the request", () => {
    // 40 requests a second apart; every fifth gets a WINDOW_UPDATE 0 and a server reset, half of those 2 s late.
    const run = (params: Record<string, number>) => {
      const h = ruleHarness([madeYouReset], { "made-you-reset": params });
      h.handshake();
      for (let i = 0; i < 40; i++) {
        const id = 1 + 2 * i;
        h.at(i);
        h.send(CLIENT, request(id));
        if (i % 5 === 0) {
          h.at(i + (i % 10 === 5 ? 2 : 0));
          h.send(CLIENT, windowUpdate(id, 0));
          h.send(SERVER, rstStream(id, PROTOCOL_ERROR));
        } else {
          h.send(SERVER, headers(id, RESPONSE_BLOCK, { endStream: true }));
        }
      }
      return summarize(h.close());
    };
    expect(run({})).toEqual([]);
    // Even with the bar lowered to 8 resets over 15% of streams, the 2 s-late ones do not count (4 remain)…
    expect(run({ minShareCount: 8, minSharePercent: 15 })).toEqual([]);
    // …until the delay allowed covers them.
    expect(run({ minShareCount: 8, minSharePercent: 15, maxPrimitiveDelayMs: 5000 })).toEqual(["made-you-reset:error:client:-"]);
  });
});
