import { describe, expect, it } from "vitest";
import type { Http2Event } from "../../src/http2/http2-events.js";
import { MAX_CLOSED_STREAMS_PER_CONNECTION } from "../../src/limits.js";
import { ClosedStreamHistory, StreamTimeline } from "../../src/rules/support/stream-timeline.js";

type FrameEvent = Extract<Http2Event, { kind: "h2.frame" }>;
let packet = 0;

function frame(kind: "HEADERS" | "DATA" | "RST_STREAM", streamId: number, sender: "client" | "server", endStream: boolean): FrameEvent {
  packet++;
  return {
    kind: "h2.frame", sender, packetNumber: packet, timeUs: packet * 1000,
    frame: { kind, type: 0, streamId, flags: endStream ? 1 : 0, length: 0, errorCode: 8 },
    headers: kind === "HEADERS" ? (sender === "client" ? [[":method", "GET"], [":path", `/${streamId}`]] : [[":status", "200"]]) : undefined,
  } as unknown as FrameEvent;
}

/** A request and its response on `streamId`, which then is closed. */
function exchange(timeline: StreamTimeline, streamId: number): void {
  timeline.frame(frame("HEADERS", streamId, "client", true));
  timeline.frame(frame("HEADERS", streamId, "server", false));
  timeline.frame(frame("DATA", streamId, "server", true));
}

describe("StreamTimeline", () => {
  it("keeps a closed stream for late frames, with what its request and response said", () => {
    const timeline = new StreamTimeline();
    timeline.frame(frame("HEADERS", 1, "client", true));
    timeline.frame(frame("RST_STREAM", 1, "client", false));
    expect(timeline.openStreams()).toEqual([]);
    timeline.frame(frame("HEADERS", 1, "server", false));
    const record = timeline.get(1)!;
    expect(record).toMatchObject({ method: "GET", path: "/1", status: "200", closed: true, framesAfterReset: 1 });
    expect(record.reset?.by).toBe("client");
  });

  it("forgets the oldest closed streams across all connections past the shared bound", () => {
    const history = new ClosedStreamHistory(3);
    const first = new StreamTimeline(history);
    const second = new StreamTimeline(history);
    exchange(first, 1);
    exchange(second, 1);
    exchange(first, 3);
    exchange(first, 5);
    // Four closed, three kept: the first connection's stream 1 went first.
    expect(first.get(1)).toBeUndefined();
    expect(second.get(1)?.closed).toBe(true);
    expect(first.get(3)?.closed).toBe(true);
    expect(first.get(5)?.closed).toBe(true);
    expect(first.knownStreams().map((stream) => stream.id)).toEqual([3, 5]);
  });

  it("keeps at most MAX_CLOSED_STREAMS_PER_CONNECTION per connection, oldest forgotten first", () => {
    const timeline = new StreamTimeline(new ClosedStreamHistory(1_000_000));
    const streams = MAX_CLOSED_STREAMS_PER_CONNECTION + 5;
    for (let index = 0; index < streams; index++) exchange(timeline, 2 * index + 1);
    const kept = timeline.knownStreams().map((stream) => stream.id);
    expect(kept).toHaveLength(MAX_CLOSED_STREAMS_PER_CONNECTION);
    expect(kept[0]).toBe(2 * 5 + 1);
    expect(timeline.get(1)).toBeUndefined();
  });

  it("a stream id met again after it closed (a pushed stream reusing it) is kept as the newest, not forgotten for its old record", () => {
    const history = new ClosedStreamHistory(1);
    const timeline = new StreamTimeline(history);
    exchange(timeline, 2);
    const promise = frame("HEADERS", 1, "server", false);
    (promise as unknown as { frame: Record<string, unknown> }).frame = { kind: "PUSH_PROMISE", type: 5, streamId: 1, flags: 4, length: 0, promisedStreamId: 2 };
    timeline.frame(promise);
    timeline.frame(frame("HEADERS", 2, "server", false));
    timeline.frame(frame("DATA", 2, "server", true));
    // The ring (one place) dropped the first record of stream 2; the second stays.
    const record = timeline.get(2)!;
    expect(record.openedBy).toBe("server");
    expect(record.closed).toBe(true);
  });

  it("release() lets the shared history forget the timeline (the connection ended), and the history copes", () => {
    const history = new ClosedStreamHistory(2);
    const ended = new StreamTimeline(history);
    const other = new StreamTimeline(history);
    exchange(ended, 1);
    ended.frame(frame("HEADERS", 3, "client", false));
    ended.release();
    exchange(other, 1);
    exchange(other, 3);
    exchange(other, 5);
    expect(other.knownStreams().map((stream) => stream.id)).toEqual([3, 5]);
    // Stream 1 of the ended timeline cycled out of the ring without a call back into it: the
    // history holds no reference to a released timeline (the engine drops it, and its streams).
    expect(ended.knownStreams().map((stream) => stream.id)).toEqual([1, 3]);
  });

  it("grows the shared ring past its first size and still forgets exactly the oldest, across timelines, released or not", () => {
    // A bound of 1,200: the ring grows from its first 1,024 slots on the way.
    const history = new ClosedStreamHistory(1200);
    const timelines = [new StreamTimeline(history), new StreamTimeline(history), new StreamTimeline(history)];
    const closes: Array<{ timeline: number; stream: number }> = [];
    const close = (timeline: number) => {
      const stream = 2 * closes.filter((done) => done.timeline === timeline).length + 1;
      exchange(timelines[timeline]!, stream);
      closes.push({ timeline, stream });
    };
    for (let index = 0; index < 1500; index++) close(index % 3);
    // The third connection ends; its streams still in the ring cycle out with nothing to forget.
    const keptAtRelease = timelines[2]!.knownStreams().map((stream) => stream.id);
    expect(keptAtRelease.length).toBeGreaterThan(0);
    timelines[2]!.release();
    for (let index = 0; index < 300; index++) close(0);
    // 1,800 closes, 1,200 kept: the first 600 are forgotten, whichever connection they were on.
    for (const which of [0, 1]) {
      const expected = closes.slice(600).filter((done) => done.timeline === which).map((done) => done.stream);
      expect(timelines[which]!.knownStreams().map((stream) => stream.id)).toEqual(expected);
    }
    expect(timelines[2]!.knownStreams().map((stream) => stream.id)).toEqual(keptAtRelease);
  });
});
