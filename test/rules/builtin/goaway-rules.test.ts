// goaway-error, goaway-protocol-error, stream-after-goaway and graceful-shutdown.

import { describe, expect, it } from "vitest";
import { goawayError } from "../../../src/rules/builtin/goaway-error.js";
import { goawayProtocolError } from "../../../src/rules/builtin/goaway-protocol-error.js";
import { gracefulShutdown } from "../../../src/rules/builtin/graceful-shutdown.js";
import { streamAfterGoaway } from "../../../src/rules/builtin/stream-after-goaway.js";
import { data, goaway, headers, ping, REQUEST_BLOCK, RESPONSE_BLOCK, rstStream } from "../../support/h2-frames.js";
import { CLIENT, ruleHarness, SERVER, summarize } from "../../support/rule-harness.js";

const MAX = 2 ** 31 - 1;
const opaque = (n: number) => Uint8Array.of(0, 0, 0, 0, 0, 0, 0, n);

describe("goaway-error", () => {
  it("explains ENHANCE_YOUR_CALM too_many_pings with the client's ping interval", () => {
    const h = ruleHarness([goawayError]);
    h.handshake();
    for (let i = 0; i < 4; i++) {
      h.at(i * 0.2);
      h.send(CLIENT, ping(opaque(i)));
    }
    h.send(SERVER, goaway(0, 0xb, "too_many_pings"));
    expect(summarize(h.findings)).toEqual(["goaway-error:warning:server:-"]);
    expect(h.findings[0]!.message).toContain("gRPC keepalive enforcement");
    expect(h.findings[0]!.message).toContain("about every 200 ms");
  });

  it("ignores NO_ERROR (routine rotation) and PROTOCOL_ERROR (its own rule)", () => {
    const h = ruleHarness([goawayError]);
    h.handshake();
    h.send(SERVER, goaway(1, 0, "max_age"), goaway(1, 1));
    expect(h.close()).toEqual([]);
  });
});

describe("goaway-protocol-error", () => {
  it("reports the late-response-after-cancel pattern, the inferred deadline and the streams killed", () => {
    const h = ruleHarness([goawayProtocolError]);
    h.handshake();
    h.send(CLIENT, headers(1, REQUEST_BLOCK, { endStream: true }), headers(3, REQUEST_BLOCK, { endStream: true }));
    h.at(0.5);
    h.send(CLIENT, headers(5, REQUEST_BLOCK, { endStream: true }));
    h.at(1.0);
    h.send(CLIENT, rstStream(1, 8), rstStream(3, 8));
    h.at(2.5);
    h.send(SERVER, headers(1, RESPONSE_BLOCK), data(1, 10, { endStream: true }));
    h.at(2.6);
    h.send(CLIENT, goaway(5, 1, "frame on closed stream"));
    expect(summarize(h.findings)).toEqual(["goaway-protocol-error:error:client:-"]);
    const message = h.findings[0]!.message;
    expect(message).toContain("stream still in progress fail with it: 5");
    expect(message).toContain("kept sending on 1 stream the client had already cancelled");
    expect(message).toContain("cancelled 1.00 s after its request");
    expect(message).toContain("client cancelled 2 requests after about 1.00 s");
  });

  it("does not blame frames that were merely in flight when the reset went out", () => {
    const h = ruleHarness([goawayProtocolError]);
    h.handshake();
    h.send(CLIENT, headers(1, REQUEST_BLOCK, { endStream: true }));
    h.at(1.0);
    h.send(CLIENT, rstStream(1, 8));
    h.at(1.001);
    h.send(SERVER, data(1, 10));
    h.send(SERVER, goaway(1, 1));
    expect(h.findings[0]!.message).not.toContain("kept sending");
    expect(h.findings[0]!.message).toContain("No late-response pattern");
  });
});

describe("stream-after-goaway", () => {
  it("fires when the client opens streams above last-stream-id a round trip after the GOAWAY", () => {
    const h = ruleHarness([streamAfterGoaway]);
    h.handshake();
    h.send(CLIENT, headers(1, REQUEST_BLOCK, { endStream: true }));
    h.send(SERVER, headers(1, RESPONSE_BLOCK, { endStream: true }), goaway(1, 0));
    h.at(0.3);
    h.send(CLIENT, headers(3, REQUEST_BLOCK, { endStream: true }), headers(5, REQUEST_BLOCK, { endStream: true }));
    h.send(SERVER, rstStream(3, 7), rstStream(5, 7));
    expect(summarize(h.close())).toEqual(["stream-after-goaway:error:client:3"]);
    expect(h.findings[0]!.message).toContain("opened 2 streams (3, 5) above last-stream-id 1");
    expect(h.findings[0]!.message).toContain("2 refused with RST_STREAM");
  });

  it("does not fire on a stream that crossed the GOAWAY on the wire (within a round trip)", () => {
    const h = ruleHarness([streamAfterGoaway]);
    h.handshake();
    h.send(SERVER, goaway(0, 0));
    h.at(0.05);
    h.send(CLIENT, headers(1, REQUEST_BLOCK, { endStream: true }));
    expect(h.close()).toEqual([]);
  });
});

describe("graceful-shutdown", () => {
  it("classifies a two-phase drain as info", () => {
    const h = ruleHarness([gracefulShutdown]);
    h.handshake();
    h.send(CLIENT, headers(1, REQUEST_BLOCK, { endStream: true }));
    h.send(SERVER, goaway(MAX, 0), ping(opaque(1)));
    h.send(CLIENT, ping(opaque(1), true));
    h.send(SERVER, goaway(1, 0), headers(1, RESPONSE_BLOCK, { endStream: true }));
    expect(summarize(h.close())).toEqual(["graceful-shutdown:info:server:-"]);
    expect(h.findings[0]!.message).toMatch(/^Two-phase drain/);
  });

  it("warns when the connection closes with streams at or below last-stream-id still open, naming the retry-safe ones", () => {
    const h = ruleHarness([gracefulShutdown]);
    h.handshake();
    h.send(CLIENT, headers(1, REQUEST_BLOCK, { endStream: true }), headers(3, REQUEST_BLOCK, { endStream: true }));
    h.send(SERVER, goaway(1, 0));
    const findings = h.close("rst");
    expect(summarize(findings)).toEqual(["graceful-shutdown:warning:server:-"]);
    expect(findings[0]!.message).toContain("1 stream at or below last-stream-id 1 was still in progress (1)");
    expect(findings[0]!.message).toContain("safe to retry");
  });

  it("warns on a close with open streams and no GOAWAY, and says nothing about an idle close", () => {
    const abrupt = ruleHarness([gracefulShutdown]);
    abrupt.handshake();
    abrupt.send(CLIENT, headers(1, REQUEST_BLOCK, { endStream: true }));
    expect(abrupt.close("fin")[0]!.message).toMatch(/^Abrupt close/);
    const idle = ruleHarness([gracefulShutdown]);
    idle.handshake();
    idle.send(CLIENT, headers(1, REQUEST_BLOCK, { endStream: true }));
    idle.send(SERVER, headers(1, RESPONSE_BLOCK, { endStream: true }));
    expect(idle.close("fin")).toEqual([]);
  });
});
