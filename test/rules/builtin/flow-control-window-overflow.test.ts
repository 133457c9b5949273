import { describe, expect, it } from "vitest";
import { flowControlWindowOverflow } from "../../../src/rules/builtin/flow-control-window-overflow.js";
import { data, goaway, headers, REQUEST_BLOCK, RESPONSE_BLOCK, rstStream, settings, settingsAck, windowUpdate } from "../../support/h2-frames.js";
import { CLIENT, ruleHarness, SERVER, summarize } from "../../support/rule-harness.js";

const MAX = 2 ** 31 - 1;

describe("flow-control-window-overflow", () => {
  it("fires on a stream WINDOW_UPDATE past 2^31-1 and cites the peer's RST_STREAM FLOW_CONTROL_ERROR", () => {
    const h = ruleHarness([flowControlWindowOverflow]);
    h.handshake();
    h.send(CLIENT, headers(1, REQUEST_BLOCK));
    h.send(CLIENT, windowUpdate(1, MAX - 65_535 + 1));
    h.at(0.01);
    h.send(SERVER, rstStream(1, 3));
    expect(summarize(h.findings)).toEqual(["flow-control-window-overflow:error:client:1"]);
    const [finding] = h.findings;
    expect(finding!.message).toContain("from 65,535 to 2,147,483,648");
    expect(finding!.message).toContain("answered with RST_STREAM FLOW_CONTROL_ERROR");
    expect(finding!.evidence[0]!.values).toMatchObject({ windowBefore: 65_535, increment: MAX - 65_535 + 1, windowAfter: 2 ** 31 });
    expect(h.close()).toHaveLength(1);
  });

  it("does not fire when a connection WINDOW_UPDATE reaches exactly 2^31-1 (the nginx/HAProxy pattern)", () => {
    const h = ruleHarness([flowControlWindowOverflow]);
    h.handshake([[4, MAX]]);
    h.send(SERVER, windowUpdate(0, MAX - 65_535));
    h.send(CLIENT, headers(1, REQUEST_BLOCK, { endStream: true }));
    h.send(SERVER, headers(1, RESPONSE_BLOCK), data(1, 10, { endStream: true }));
    expect(h.close()).toEqual([]);
  });

  it("does not fire on a correct WINDOW_UPDATE after a SETTINGS_INITIAL_WINDOW_SIZE change", () => {
    const h = ruleHarness([flowControlWindowOverflow]);
    h.handshake();
    h.send(CLIENT, headers(1, REQUEST_BLOCK));
    h.send(SERVER, settings([[4, 1 << 20]]));
    h.send(CLIENT, settingsAck(), data(1, 1000), windowUpdate(0, 1 << 20));
    h.send(SERVER, windowUpdate(1, 1000), windowUpdate(0, 1000));
    expect(h.close()).toEqual([]);
  });

  it("reports a connection overflow without a reaction once the wait is over, saying none came", () => {
    const h = ruleHarness([flowControlWindowOverflow]);
    h.handshake();
    h.send(SERVER, windowUpdate(0, MAX - 65_535), windowUpdate(0, 1));
    h.at(0.5);
    h.send(CLIENT, headers(1, REQUEST_BLOCK, { endStream: true }));
    expect(h.findings).toEqual([]);
    h.at(1.2);
    h.send(CLIENT, headers(3, REQUEST_BLOCK, { endStream: true }));
    expect(summarize(h.findings)).toEqual(["flow-control-window-overflow:error:server:-"]);
    expect(h.findings[0]!.message).toContain("did not answer with FLOW_CONTROL_ERROR");
  });

  it("fires on a SETTINGS_INITIAL_WINDOW_SIZE change that overflows an open stream, and on a value above 2^31-1", () => {
    const h = ruleHarness([flowControlWindowOverflow]);
    h.handshake();
    h.send(CLIENT, headers(1, REQUEST_BLOCK));
    h.send(CLIENT, windowUpdate(1, MAX - 65_535 - 10)); // stream 1 server→client window now 2^31-11
    h.send(CLIENT, settings([[4, 65_535 + 20]]));
    h.send(SERVER, settingsAck(), goaway(1, 3));
    expect(summarize(h.findings)).toEqual(["flow-control-window-overflow:error:client:1"]);
    expect(h.findings[0]!.message).toContain("SETTINGS_INITIAL_WINDOW_SIZE of 65,555 moved stream 1's window by 20");
    h.send(CLIENT, settings([[4, 2 ** 31]]));
    h.send(SERVER, goaway(1, 3));
    expect(summarize(h.findings)).toEqual(["flow-control-window-overflow:error:client:1", "flow-control-window-overflow:error:client:-"]);
  });
});
