// The engine keeps one state per rule per connection and shares one context object per rule,
// pointed at the connection of each call: a rule must always see the state and the connection
// of the event in hand, however the connections' events interleave.

import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { AnalysisEvent } from "../../src/pipeline.js";
import { defineRule, type Finding, type RuleContext, type RuleEvent } from "../../src/rules/rule.js";
import { RuleEngine, defaultSettings } from "../../src/rules/rule-engine.js";
import { analyzeBytes } from "../support/collect.js";
import { fixturePath, loadFixtureMetas } from "../support/fixtures.js";

const connectionIdOf = (event: RuleEvent | AnalysisEvent) => ("tcp" in event.connection ? event.connection.tcp.id : event.connection.id);

/** A rule that checks, on every call, that its state and context belong to the same connection. */
function probeRule(id: string, mismatches: string[], calls: { events: number; ticks: number; ends: number }) {
  return defineRule<{ connection: number | undefined }>({
    id,
    severity: "info",
    description: "test probe",
    parameters: {},
    createState: () => ({ connection: undefined }),
    onEvent(event, state, context) {
      calls.events++;
      state.connection ??= connectionIdOf(event);
      if (context.connection.tcp.id !== connectionIdOf(event)) mismatches.push(`${id}: event of ${connectionIdOf(event)} with context of ${context.connection.tcp.id}`);
      if (state.connection !== connectionIdOf(event)) mismatches.push(`${id}: event of ${connectionIdOf(event)} with state of ${state.connection}`);
    },
    onTime(_nowUs, state, context) {
      calls.ticks++;
      check(state.connection, context, "tick");
    },
    onEnd(endUs, state, context) {
      calls.ends++;
      check(state.connection, context, "end");
      context.report({ message: `${id} ended`, packetNumber: 0, timeUs: endUs, evidence: [] });
    },
  });

  function check(connection: number | undefined, context: RuleContext, when: string) {
    if (connection !== undefined && connection !== context.connection.tcp.id) mismatches.push(`${id}: ${when} of ${connection} with context of ${context.connection.tcp.id}`);
  }
}

describe("rule engine", () => {
  // h2load's four connections interleave frame by frame within 2 ms; in the shutdown capture a
  // client opens its second connection 150 ms before the first ends, so ticks come while both
  // are open.
  it.each([["h2load-many-connections", 4], ["rules-shutdown-single-phase", 2]] as const)(
    "gives each rule the state and connection of the event in hand across the interleaved connections of %s", (name, connections) => {
    const meta = loadFixtureMetas().find((candidate) => candidate.name === name)!;
    const { events } = analyzeBytes(new Uint8Array(readFileSync(fixturePath(meta))));
    // The capture's connections overlap: their events interleave (else the test could not fail).
    const order = events.filter((event) => event.kind === "h2.frame").map(connectionIdOf);
    const switches = order.filter((id, index) => index > 0 && id !== order[index - 1]).length;
    expect(new Set(order).size).toBe(connections);
    expect(switches).toBeGreaterThan(connections);

    const mismatches: string[] = [];
    const calls = { events: 0, ticks: 0, ends: 0 };
    const rules = [probeRule("probe-a", mismatches, calls), probeRule("probe-b", mismatches, calls)];
    const findings: Finding[] = [];
    const engine = new RuleEngine(rules, new Map(rules.map((rule) => [rule.id, defaultSettings(rule)])), (finding) => findings.push(finding));
    for (const event of events) engine.event(event);
    engine.end();

    expect(mismatches).toEqual([]);
    expect(calls.events).toBeGreaterThan(2 * order.length - 1);
    const spanUs = events.at(-1)!.timeUs - events[0]!.timeUs;
    if (spanUs > 1e6) expect(calls.ticks).toBeGreaterThan(0);
    // Each connection's end reports through the shared context, stamped with that connection.
    const http2Ids = [...new Set(order)].sort((left, right) => left - right);
    expect(calls.ends).toBe(2 * http2Ids.length);
    expect(findings.filter((finding) => finding.rule === "probe-a").map((finding) => finding.connection).sort((left, right) => left - right)).toEqual(http2Ids);
  });

  it("makes a state when a connection opens, or at the rule's first event there when onTime and onEnd need none before", () => {
    // rules-stream-timeout: one connection with RST_STREAM frames (ten CANCELs), no anomaly.
    const meta = loadFixtureMetas().find((candidate) => candidate.name === "rules-stream-timeout")!;
    const { events } = analyzeBytes(new Uint8Array(readFileSync(fixturePath(meta))));
    expect(events.some((event) => event.kind === "h2.frame" && event.frame.kind === "RST_STREAM")).toBe(true);
    expect(events.some((event) => event.kind === "h2.anomaly")).toBe(false);

    const counts = new Map<string, { made: number; events: number; ticks: number; ends: number }>();
    const countingRule = (id: string, reads: { events: RuleEvent["kind"][]; frames?: ("RST_STREAM")[] }, shape: { stateOnFirstEvent?: boolean; timed: boolean }) => {
      const count = { made: 0, events: 0, ticks: 0, ends: 0 };
      counts.set(id, count);
      return defineRule<{ id: string }>({
        id, severity: "info", description: "test probe", parameters: {}, ...reads,
        stateOnFirstEvent: shape.stateOnFirstEvent,
        createState: () => (count.made++, { id }),
        onEvent: () => void count.events++,
        ...(shape.timed ? { onTime: () => void count.ticks++, onEnd: () => void count.ends++ } : {}),
      });
    };
    const rules = [
      // Declared: made at the first RST_STREAM, then ticked and ended.
      countingRule("first-event-resets", { events: ["h2.frame"], frames: ["RST_STREAM"] }, { stateOnFirstEvent: true, timed: true }),
      // Declared, and never sent an event: never made, never ticked or ended.
      countingRule("first-event-anomalies", { events: ["h2.anomaly"] }, { stateOnFirstEvent: true, timed: true }),
      // Not declared: made at the open, ticked and ended without an event.
      countingRule("at-open-anomalies", { events: ["h2.anomaly"] }, { timed: true }),
      // Neither onTime nor onEnd: made at its first event, whatever it declares.
      countingRule("untimed-resets", { events: ["h2.frame"], frames: ["RST_STREAM"] }, { timed: false }),
      countingRule("untimed-anomalies", { events: ["h2.anomaly"] }, { timed: false }),
    ];
    const engine = new RuleEngine(rules, new Map(rules.map((rule) => [rule.id, defaultSettings(rule)])), () => {});
    for (const event of events) engine.event(event);
    engine.end();

    expect(counts.get("first-event-resets")).toMatchObject({ made: 1, events: 10, ends: 1 });
    expect(counts.get("first-event-resets")!.ticks).toBeGreaterThan(0);
    expect(counts.get("first-event-anomalies")).toEqual({ made: 0, events: 0, ticks: 0, ends: 0 });
    expect(counts.get("at-open-anomalies")).toMatchObject({ made: 1, events: 0, ends: 1 });
    expect(counts.get("at-open-anomalies")!.ticks).toBeGreaterThan(counts.get("first-event-resets")!.ticks);
    expect(counts.get("untimed-resets")).toEqual({ made: 1, events: 10, ticks: 0, ends: 0 });
    expect(counts.get("untimed-anomalies")).toEqual({ made: 0, events: 0, ticks: 0, ends: 0 });
  });

  it("ticks and ends at a capture time advanced without a packet (a quiet live capture), never going back", () => {
    const meta = loadFixtureMetas().find((candidate) => candidate.name === "rules-stream-timeout")!;
    const { events } = analyzeBytes(new Uint8Array(readFileSync(fixturePath(meta))));
    // Up to the close, then the close as Ctrl-C makes it (the analyzer closes what is open at
    // the last packet's time): the capture went quiet and capture time was moved on before it.
    const closeIndex = events.findIndex((event) => event.kind === "tcp.close");
    const close = events[closeIndex]! as Extract<AnalysisEvent, { kind: "tcp.close" }>;
    const beforeClose = events.slice(0, closeIndex);
    const lastUs = beforeClose.at(-1)!.timeUs;
    const ticks: number[] = [];
    const ends: number[] = [];
    const rule = defineRule<object>({
      id: "clock-probe", severity: "info", description: "test probe", parameters: {}, events: ["tcp.open"],
      createState: () => ({}),
      onEvent: () => {},
      onTime: (nowUs) => void ticks.push(nowUs),
      onEnd: (endUs) => void ends.push(endUs),
    });
    const engine = new RuleEngine([rule], new Map([[rule.id, defaultSettings(rule)]]), () => {});
    for (const event of beforeClose) engine.event(event);
    const ticksFromPackets = ticks.length;

    engine.advanceTo(lastUs + 5_000_000);
    expect(ticks.slice(ticksFromPackets)).toEqual([lastUs + 5_000_000]);
    // Not later than capture time already is: no tick.
    engine.advanceTo(lastUs + 5_000_000);
    engine.advanceTo(lastUs + 1_000_000);
    expect(ticks).toHaveLength(ticksFromPackets + 1);
    engine.advanceTo(lastUs + 5_400_000);
    expect(ticks.slice(ticksFromPackets)).toEqual([lastUs + 5_000_000, lastUs + 5_400_000]);

    engine.event({ ...close, reason: "end-of-capture", timeUs: lastUs });
    expect(ends).toEqual([lastUs + 5_400_000]);
    engine.end();
    expect(ends).toHaveLength(1);
  });

});
