// Events in, findings out: drives a real Http2Connection with DSL frames on a controllable
// clock, feeds every event (and any TCP events a test adds) to a RuleEngine with chosen rules.

import { Http2Connection } from "../../src/http2/connection/http2-connection.js";
import type { Http2Event } from "../../src/http2/http2-events.js";
import type { Finding, Rule } from "../../src/rules/rule.js";
import { RuleEngine, defaultSettings } from "../../src/rules/rule-engine.js";
import { newDirectionStats } from "../../src/tcp/direction-stats.js";
import type { CloseReason, TcpConnection, TcpEvent } from "../../src/tcp/tcp-events.js";
import { concat } from "./bytes.js";
import { PREFACE, settings, settingsAck } from "./h2-frames.js";

export const CLIENT = 0;
export const SERVER = 1;

export interface RuleHarness {
  findings: Finding[];
  tcp: TcpConnection;
  /** Sends frames from one side at the current time (each call is one packet). */
  send(direction: 0 | 1, ...frames: Uint8Array[]): void;
  /** Moves capture time forward to `seconds` since the start. */
  at(seconds: number): void;
  /** Moves capture time forward to `seconds` with no packet, as a quiet live capture does (RuleEngine.advanceTo). */
  quietUntil(seconds: number): void;
  /** Any TCP event about this connection at the current time. */
  tcpEvent(event: Omit<TcpEvent, "connection" | "packetNumber" | "timeUs"> & Record<string, unknown>): void;
  /** Preface, SETTINGS both ways and their ACKs. */
  handshake(serverSettings?: Array<[number, number]>): void;
  /** Ends the connection (tcp.close) and returns the findings. */
  close(reason?: CloseReason): Finding[];
}

export function ruleHarness(rules: Rule[], params: Record<string, Record<string, number>> = {}): RuleHarness {
  const findings: Finding[] = [];
  const configuration = new Map(rules.map((rule) => {
    const settings = defaultSettings(rule);
    Object.assign(settings.params, params[rule.id] ?? {});
    return [rule.id, settings] as const;
  }));
  const engine = new RuleEngine(rules, configuration, (finding) => findings.push(finding));
  const startUs = 1_700_000_000_000_000;
  let nowUs = startUs;
  let packet = 0;
  const tcp: TcpConnection = {
    id: 7, ipVersion: 4, a: "10.0.0.1:50000", b: "10.0.0.2:443", clientDirection: 0, roleSource: "syn", handshakeSeen: true,
    firstPacket: 1, lastPacket: 1, firstTimeUs: startUs, lastTimeUs: startUs, directions: [newDirectionStats(), newDirectionStats()],
    closed: false, closeReason: undefined,
  };
  const connection = new Http2Connection({
    tcp, discovery: "prior-knowledge", modes: ["preface", "frames"], limits: { maxHeaderBlockBytes: 1 << 20, maxStreamsPerConnection: 10_000 },
    emit: (event: Http2Event) => engine.event(event),
  });
  engine.event({ kind: "h2.connection", connection: connection.info, packetNumber: 1, timeUs: nowUs });
  const harness: RuleHarness = {
    findings,
    tcp,
    send(direction, ...frames) {
      connection.data(direction, concat(...frames), ++packet, nowUs);
    },
    at(seconds) {
      nowUs = startUs + Math.round(seconds * 1e6);
    },
    quietUntil(seconds) {
      harness.at(seconds);
      engine.advanceTo(nowUs);
    },
    tcpEvent(event) {
      engine.event({ ...event, connection: tcp, packetNumber: ++packet, timeUs: nowUs } as TcpEvent);
    },
    handshake(serverSettings = []) {
      harness.send(CLIENT, PREFACE, settings([]));
      harness.send(SERVER, settings(serverSettings), settingsAck());
      harness.send(CLIENT, settingsAck());
    },
    close(reason = "fin") {
      connection.end();
      engine.event({ kind: "tcp.close", connection: tcp, reason, packetNumber: ++packet, timeUs: nowUs });
      engine.end();
      return findings;
    },
  };
  return harness;
}

/** "rule:severity:sender:stream" per finding, for compact assertions. */
export function summarize(findings: Finding[]): string[] {
  return findings.map((finding) => `${finding.rule}:${finding.severity}:${finding.sender ?? "-"}:${finding.stream ?? "-"}`);
}
