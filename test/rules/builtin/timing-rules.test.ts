// rst-internal-error-burst, stream-timeout-pattern, unanswered-ping, unacknowledged-settings,
// stalled-connection and flow-control-misaccounting.

import { describe, expect, it } from "vitest";
import type { Finding } from "../../../src/rules/rule.js";
import { flowControlMisaccounting } from "../../../src/rules/builtin/flow-control-misaccounting.js";
import { rstInternalErrorBurst } from "../../../src/rules/builtin/rst-internal-error-burst.js";
import { stalledConnection } from "../../../src/rules/builtin/stalled-connection.js";
import { streamTimeoutPattern } from "../../../src/rules/builtin/stream-timeout-pattern.js";
import { unacknowledgedSettings } from "../../../src/rules/builtin/unacknowledged-settings.js";
import { unansweredPing } from "../../../src/rules/builtin/unanswered-ping.js";
import { data, goaway, headers, ping, REQUEST_BLOCK, RESPONSE_BLOCK, rstStream, settings, settingsAck, windowUpdate } from "../../support/h2-frames.js";
import { CLIENT, ruleHarness, SERVER, summarize, type RuleHarness } from "../../support/rule-harness.js";

describe("rst-internal-error-burst", () => {
  it("reports a growing burst from one side with its streams, once, when it ends", () => {
    const h = ruleHarness([rstInternalErrorBurst]);
    h.handshake();
    let stream = 1;
    const times = [0, 2, 4, 6, 8, 11, 12, 13, 14, 15, 16, 17, 18];
    for (const time of times) {
      h.at(time);
      h.send(CLIENT, headers(stream, REQUEST_BLOCK, { endStream: true }));
      h.send(SERVER, rstStream(stream, 2));
      stream += 2;
    }
    expect(h.findings).toEqual([]);
    h.at(30);
    h.send(CLIENT, headers(stream, REQUEST_BLOCK, { endStream: true }));
    expect(summarize(h.findings)).toEqual(["rst-internal-error-burst:error:server:-"]);
    expect(h.findings[0]!.message).toContain(`reset ${times.length} streams with INTERNAL_ERROR`);
    expect(h.findings[0]!.message).toContain("5, 8 per 10 s: growing");
    expect(h.close()).toHaveLength(1);
  });

  it("does not fire on a few spread-out resets, nor on CANCEL or NO_ERROR", () => {
    const h = ruleHarness([rstInternalErrorBurst]);
    h.handshake();
    for (let i = 0; i < 4; i++) {
      h.at(i * 5);
      h.send(SERVER, rstStream(2 * i + 1, 2));
    }
    for (let i = 0; i < 10; i++) h.send(SERVER, rstStream(101 + 2 * i, i % 2 === 0 ? 8 : 0));
    expect(h.close()).toEqual([]);
  });
});

describe("stream-timeout-pattern", () => {
  it("infers a client deadline from cancellations at the same delay, and the slower server", () => {
    const h = ruleHarness([streamTimeoutPattern]);
    h.handshake();
    for (let i = 0; i < 6; i++) {
      const stream = 2 * i + 1;
      h.at(i * 0.3);
      h.send(CLIENT, headers(stream, REQUEST_BLOCK, { endStream: true }));
      h.at(i * 0.3 + 1.0 + (i % 2) * 0.01);
      h.send(CLIENT, rstStream(stream, 8));
    }
    h.at(4);
    h.send(CLIENT, headers(13, REQUEST_BLOCK, { endStream: true }));
    h.at(5.5);
    h.send(SERVER, headers(13, RESPONSE_BLOCK, { endStream: true }));
    const findings = h.close();
    expect(summarize(findings)).toEqual(["stream-timeout-pattern:warning:client:-"]);
    expect(findings[0]!.message).toMatch(/cancelled 6 streams 1\.0\d s/);
    expect(findings[0]!.message).toContain("server needed up to 1.50 s");
  });

  it("does not take instant cancellations (rapid reset) for a deadline", () => {
    const h = ruleHarness([streamTimeoutPattern]);
    h.handshake();
    for (let i = 0; i < 50; i++) {
      h.at(i * 0.001);
      h.send(CLIENT, headers(2 * i + 1, REQUEST_BLOCK, { endStream: true }), rstStream(2 * i + 1, 8));
    }
    expect(h.close()).toEqual([]);
  });

  it("does not fire on a few cancellations at scattered delays (browser navigation)", () => {
    const h = ruleHarness([streamTimeoutPattern]);
    h.handshake();
    [0.2, 1.7, 3.9, 0.5, 2.2].forEach((delay, i) => {
      const stream = 2 * i + 1;
      h.at(i * 5);
      h.send(CLIENT, headers(stream, REQUEST_BLOCK, { endStream: true }));
      h.at(i * 5 + delay);
      h.send(CLIENT, rstStream(stream, 8));
    });
    expect(h.close()).toEqual([]);
  });
});

describe("unanswered-ping and unacknowledged-settings", () => {
  it("reports a PING without ACK after the timeout, and not one answered in time", () => {
    const h = ruleHarness([unansweredPing]);
    h.handshake();
    h.send(CLIENT, ping(Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8)));
    h.send(SERVER, ping(Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8), true));
    h.at(1);
    h.send(CLIENT, ping(Uint8Array.of(9, 9, 9, 9, 9, 9, 9, 9)));
    h.at(4);
    h.send(CLIENT, headers(1, REQUEST_BLOCK, { endStream: true }));
    expect(h.findings).toEqual([]);
    h.at(6.2);
    h.send(CLIENT, headers(3, REQUEST_BLOCK, { endStream: true }));
    expect(summarize(h.findings)).toEqual(["unanswered-ping:warning:server:-"]);
    expect(h.findings[0]!.message).toContain("0909090909090909");
    expect(h.close()).toHaveLength(1);
  });

  it("reports SETTINGS the peer never acknowledged", () => {
    const h = ruleHarness([unacknowledgedSettings]);
    h.handshake();
    h.send(CLIENT, settings([[4, 1 << 20]]));
    h.at(10);
    expect(summarize(h.close())).toEqual(["unacknowledged-settings:warning:server:-"]);
  });
});

describe("stalled-connection", () => {
  /** A connection after the handshake with one complete request on stream 1, at time 0. */
  function requestSent(): RuleHarness {
    const h = ruleHarness([stalledConnection]);
    h.handshake();
    h.send(CLIENT, headers(1, REQUEST_BLOCK, { endStream: true }));
    return h;
  }

  /** One finding: the slow application, about the server, on stream 1. */
  function expectSlowApplication(findings: Finding[]): void {
    expect(summarize(findings)).toEqual(["stalled-connection:warning:server:1"]);
    expect(findings[0]!.message).toMatch(/^Application slow/);
  }

  it("calls a long ACK stall with retransmissions a dead path, naming streams opened meanwhile", () => {
    const h = requestSent();
    h.at(1);
    h.send(CLIENT, headers(3, REQUEST_BLOCK, { endStream: true }));
    for (const time of [1.2, 1.6, 2.4, 4.0]) {
      h.at(time);
      h.tcpEvent({ kind: "tcp.retransmission", direction: 0, streamOffset: 0, length: 30, bytesDiffer: false });
    }
    h.at(9);
    h.tcpEvent({ kind: "tcp.ack-stall", direction: 0, durationUs: 8_000_000, bytesInFlight: 4096, resolved: false });
    const findings = h.close("rst");
    expect(summarize(findings)).toEqual(["stalled-connection:error:server:-"]);
    expect(findings[0]!.message).toMatch(/^Path dead/);
    expect(findings[0]!.message).toContain("retransmitted 4 times");
    expect(findings[0]!.message).toContain("No PING probed");
  });

  it("calls a persistent zero window the peer not reading, and ignores a short one (back-pressure)", () => {
    const h = ruleHarness([stalledConnection]);
    h.handshake();
    h.tcpEvent({ kind: "tcp.zero-window", direction: 1 });
    h.at(0.5);
    h.tcpEvent({ kind: "tcp.window-reopened", direction: 1, zeroSinceUs: 0 });
    expect(h.findings).toEqual([]);
    h.at(1);
    h.tcpEvent({ kind: "tcp.zero-window", direction: 1 });
    h.at(8);
    h.tcpEvent({ kind: "tcp.window-reopened", direction: 1, zeroSinceUs: 0 });
    expect(summarize(h.findings)).toEqual(["stalled-connection:error:server:-"]);
    expect(h.findings[0]!.message).toMatch(/^Peer not reading: the server advertised a zero TCP window for 7\.00 s/);
  });

  it("calls requests waiting long on a healthy connection a slow application (a warning)", () => {
    const h = requestSent();
    h.at(10);
    h.send(CLIENT, ping(Uint8Array.of(1, 1, 1, 1, 1, 1, 1, 1)));
    h.send(SERVER, ping(Uint8Array.of(1, 1, 1, 1, 1, 1, 1, 1), true));
    h.at(31);
    h.send(CLIENT, ping(Uint8Array.of(2, 1, 1, 1, 1, 1, 1, 1)));
    expectSlowApplication(h.findings);
  });

  it("finds a slow application on a connection that carries nothing the rule reads (its ticks run from the open)", () => {
    // Only the request and a later WINDOW_UPDATE: no PING, no TCP trouble. The rule gets no event
    // here, so its state must exist from the connection's open for its ticks to see the wait.
    const h = requestSent();
    h.at(31);
    h.send(CLIENT, windowUpdate(0, 1000));
    expectSlowApplication(h.findings);
  });

  it("finds a slow application whose answer is the first packet after a silent wait (time passes before the packet is read)", () => {
    const h = requestSent();
    h.at(31);
    h.send(SERVER, headers(1, RESPONSE_BLOCK), data(1, 10, { endStream: true }));
    expectSlowApplication(h.findings);
    expect(h.close()).toHaveLength(1);
  });

  it("finds a slow application while a live capture is quiet, and not before the wait is long enough", () => {
    const h = requestSent();
    h.quietUntil(29);
    expect(h.findings).toEqual([]);
    h.quietUntil(31);
    expectSlowApplication(h.findings);
    expect(h.close()).toHaveLength(1);
  });

  it("does not call a request waiting behind a zero window a slow application, however long the quiet", () => {
    const h = requestSent();
    h.at(0.5);
    h.tcpEvent({ kind: "tcp.zero-window", direction: 1 });
    h.quietUntil(40);
    expect(h.findings).toEqual([]);
    // At the end the zero window is judged for what it is.
    const findings = h.close("end-of-capture");
    expect(summarize(findings)).toEqual(["stalled-connection:error:server:-"]);
    expect(findings[0]!.message).toMatch(/^Peer not reading/);
  });

  it("stays quiet on a long-lived stream that keeps receiving data", () => {
    const h = requestSent();
    h.send(SERVER, headers(1, RESPONSE_BLOCK));
    for (let t = 5; t <= 60; t += 5) {
      h.at(t);
      h.send(SERVER, data(1, 10));
    }
    expect(h.close()).toEqual([]);
  });
});

describe("flow-control-misaccounting", () => {
  it("diagnoses a peer that applied SETTINGS_INITIAL_WINDOW_SIZE to the connection window (the nginx pair)", () => {
    const h = ruleHarness([flowControlMisaccounting]);
    h.send(CLIENT, ...[]);
    h.handshake([[4, 2 ** 31 - 1]]);
    h.send(SERVER, windowUpdate(0, 2147418112));
    h.send(CLIENT, goaway(0, 3, "flow control"));
    expect(summarize(h.findings)).toEqual(["flow-control-misaccounting:warning:client:-"]);
    expect(h.findings[0]!.message).toContain("applied SETTINGS_INITIAL_WINDOW_SIZE 2,147,483,647 to the connection window");
  });

  it("stays quiet when FLOW_CONTROL_ERROR answers a real violation", () => {
    const h = ruleHarness([flowControlMisaccounting]);
    h.handshake();
    h.send(CLIENT, headers(1, REQUEST_BLOCK));
    h.send(CLIENT, windowUpdate(1, 2 ** 31 - 1));
    h.send(SERVER, rstStream(1, 3));
    h.send(SERVER, settingsAck());
    expect(h.close()).toEqual([]);
  });
});
