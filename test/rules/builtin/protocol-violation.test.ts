import { describe, expect, it } from "vitest";
import { protocolViolation } from "../../../src/rules/builtin/protocol-violation.js";
import { data, frame, headers, REQUEST_BLOCK, RESPONSE_BLOCK, windowUpdate } from "../../support/h2-frames.js";
import { CLIENT, ruleHarness, SERVER, summarize } from "../../support/rule-harness.js";

describe("protocol-violation", () => {
  it("reports one finding per kind and side with a count", () => {
    const h = ruleHarness([protocolViolation]);
    h.handshake();
    h.send(CLIENT, headers(2, REQUEST_BLOCK, { endStream: true }), headers(4, REQUEST_BLOCK, { endStream: true }));
    h.send(CLIENT, windowUpdate(0, 0));
    h.send(SERVER, data(9, 3));
    const findings = h.close();
    expect(summarize(findings).sort()).toEqual([
      "protocol-violation:error:client:-", "protocol-violation:error:client:0", "protocol-violation:error:server:9",
    ]);
    const parity = findings.find((finding) => finding.message.startsWith("stream-id-parity"))!;
    expect(parity.message).toContain("2 times from the client");
    expect(parity.evidence).toHaveLength(2);
  });

  it("stays quiet on a clean exchange and on unknown frame types (legal, §5.5)", () => {
    const h = ruleHarness([protocolViolation]);
    h.handshake();
    h.send(CLIENT, headers(1, REQUEST_BLOCK, { endStream: true }), frame({ type: 0xfa, payload: Uint8Array.of(1) }));
    h.send(SERVER, headers(1, RESPONSE_BLOCK), data(1, 100, { endStream: true }));
    expect(h.close()).toEqual([]);
  });
});
