import { describe, expect, it } from "vitest";
import { FrameDecoder, type FrameDecoderMode, type FrameStreamEvent } from "../../../src/http2/frame/frame-decoder.js";
import { ascii, concat, u32 } from "../../support/bytes.js";
import { data, frame, headers, PREFACE, REQUEST_BLOCK, settings, settingsAck, windowUpdate } from "../../support/h2-frames.js";

function run(mode: FrameDecoderMode, feed: (decoder: FrameDecoder) => void, discardDataPayload = false) {
  const events: FrameStreamEvent[] = [];
  const sink = { frameStreamEvent: (_direction: 0 | 1, event: FrameStreamEvent) => events.push(event), huntMaxFrameLength: () => 16_384 };
  const decoder = new FrameDecoder(sink, 0, { mode, discardDataPayload });
  feed(decoder);
  decoder.end();
  return events;
}

function summary(events: FrameStreamEvent[]) {
  return events.map((event) => {
    switch (event.kind) {
      case "frame": return `${event.frame.kind}:${event.frame.streamId}:${event.frame.length}@${event.position.streamOffset}#${event.position.packetNumber}${event.damagedBytes ? ` damaged=${event.damagedBytes}` : ""}`;
      case "preface": return `preface:${event.valid}`;
      case "http1-head": return `http1:${event.head.startLine}`;
      case "sync-lost": return `sync-lost:${event.reason}`;
      case "synced": return `synced:skipped=${event.skippedBytes}@${event.position.streamOffset}`;
      case "truncated": return `truncated:${event.bytes}`;
    }
  });
}

const clientBytes = concat(PREFACE, settings([[4, 1 << 20]]), windowUpdate(0, 1000), headers(1, REQUEST_BLOCK, { endStream: true }), settingsAck());

describe("FrameDecoder", () => {
  it("reads the preface and frames, each stamped with the packet that completed it", () => {
    const events = run("preface", (decoder) => {
      decoder.data(clientBytes.subarray(0, 30), 1, 10);
      decoder.data(clientBytes.subarray(30), 2, 20);
    });
    expect(summary(events)).toEqual(["preface:true", "SETTINGS:0:6@24#2", "WINDOW_UPDATE:0:4@39#2", "HEADERS:1:14@52#2", "SETTINGS:0:0@75#2"]);
  });

  it("gives the same events fed one byte at a time as all at once", () => {
    const whole = run("preface", (decoder) => decoder.data(clientBytes, 1, 0));
    const bytewise = run("preface", (decoder) => {
      for (let i = 0; i < clientBytes.byteLength; i++) decoder.data(clientBytes.subarray(i, i + 1), 1, 0);
    });
    expect(summary(bytewise)).toEqual(summary(whole));
    expect(bytewise.filter((event) => event.kind === "frame")).toHaveLength(4);
  });

  it("reports a bad preface and finds the frames after it", () => {
    const bytes = concat(ascii("GARBAGE-GARBAGE-GARBAGE!"), settings([[3, 100]]), windowUpdate(0, 5));
    expect(summary(run("preface", (decoder) => decoder.data(bytes, 1, 0))))
      .toEqual(["preface:false", "sync-lost:bad-preface", "synced:skipped=24@24", "SETTINGS:0:6@24#1", "WINDOW_UPDATE:0:4@39#1"]);
  });

  it("fills a gap inside a DATA frame of known length and stays in sync", () => {
    const bytes = concat(data(1, 100), windowUpdate(1, 100));
    const events = run("frames", (decoder) => {
      decoder.data(bytes.subarray(0, 40), 1, 0);
      decoder.gap(30, 2, 0);
      decoder.data(bytes.subarray(70), 3, 0);
    });
    expect(summary(events)).toEqual(["DATA:1:100@0#3 damaged=30", "WINDOW_UPDATE:1:4@109#3"]);
  });

  it("resynchronises on the next chain of frame headers when a gap cuts a header", () => {
    const bytes = concat(data(1, 50), data(1, 20), windowUpdate(0, 70), windowUpdate(1, 70), data(3, 8, { endStream: true }));
    const events = run("frames", (decoder) => {
      decoder.data(bytes.subarray(0, 55), 1, 0); // the first DATA's header and 46 of its 50 octets
      decoder.gap(20, 2, 0); // the rest of it and most of the second DATA frame's header
      decoder.data(bytes.subarray(75), 3, 0);
    });
    const found = summary(events);
    expect(found[0]).toBe("sync-lost:gap");
    expect(found[1]).toMatch(/^synced:skipped=\d+@88$/);
    expect(found.slice(2)).toEqual(["WINDOW_UPDATE:0:4@88#3", "WINDOW_UPDATE:1:4@101#3", "DATA:3:8@114#3"]);
  });

  it("finds the first frame boundary when joined mid-way through a DATA frame", () => {
    const bytes = concat(data(1, 300), headers(3, REQUEST_BLOCK, { endStream: true }), windowUpdate(0, 300));
    const events = run("hunting", (decoder) => decoder.data(bytes.subarray(200), 1, 0));
    expect(summary(events)).toEqual(["synced:skipped=109@109", "HEADERS:3:14@109#1", "WINDOW_UPDATE:0:4@132#1"]);
  });

  it("reads the h2c upgrade request head, skips its body, then expects the preface", () => {
    const request = ascii("POST /up HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQAoAAAAAIAAAAA\r\nContent-Length: 5\r\n\r\nhello");
    const events = run("http1-request", (decoder) => decoder.data(concat(request, PREFACE, settings([])), 1, 0));
    expect(summary(events)).toEqual(["http1:POST /up HTTP/1.1", "preface:true", "SETTINGS:0:0@" + (request.byteLength + 24) + "#1"]);
  });

  it("switches the server side to frames after 101, and gives up after another status", () => {
    const switching = ascii("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n");
    expect(summary(run("http1-response", (decoder) => decoder.data(concat(switching, settings([])), 1, 0))))
      .toEqual(["http1:HTTP/1.1 101 Switching Protocols", "SETTINGS:0:0@71#1"]);
    const refused = ascii("HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n");
    expect(summary(run("http1-response", (decoder) => decoder.data(concat(refused, settings([])), 1, 0))))
      .toEqual(["http1:HTTP/1.1 200 OK"]);
  });

  it("decodes a frame longer than 16,384 octets (the connection judges its size)", () => {
    const big = frame({ type: "DATA", streamId: 1, payload: new Uint8Array(20_000) });
    expect(summary(run("frames", (decoder) => decoder.data(big, 1, 0)))).toEqual(["DATA:1:20000@0#1"]);
  });

  it("reports a frame cut off by the end of the stream", () => {
    const bytes = concat(windowUpdate(0, 1), frame({ type: "DATA", streamId: 1, payload: u32(7) }));
    expect(summary(run("frames", (decoder) => decoder.data(bytes.subarray(0, bytes.byteLength - 2), 1, 0))))
      .toEqual(["WINDOW_UPDATE:0:4@0#1", "truncated:11"]);
  });

  describe("skipping DATA payloads (discard mode)", () => {
    // Downloads: DATA frames larger than a segment, padded and not, between other frames.
    const stream = concat(
      headers(1, REQUEST_BLOCK), data(1, 5000), data(1, 300, { padLength: 20 }), windowUpdate(0, 5300),
      data(1, 16_384), data(1, 1, { endStream: true }), headers(3, REQUEST_BLOCK, { endStream: true }), data(3, 0, { endStream: true }),
    );
    const detail = (events: FrameStreamEvent[]) => events.map((event) =>
      event.kind === "frame" ? `${summary([event])[0]} pad=${event.frame.kind === "DATA" ? event.frame.padLength : "-"}` : summary([event])[0]);
    const feedIn = (size: number) => (decoder: FrameDecoder) => {
      for (let start = 0, packet = 1; start < stream.byteLength; start += size, packet++) decoder.data(stream.subarray(start, start + size), packet, packet);
    };

    it.each([1, 7, 1448, 4096, stream.byteLength])("gives the frames, positions and pad lengths of keeping them, in %i-octet segments", (size) => {
      const kept = run("frames", feedIn(size));
      const skipped = run("frames", feedIn(size), true);
      expect(detail(skipped)).toEqual(detail(kept));
      expect(kept.filter((event) => event.kind === "frame")).toHaveLength(8);
      for (const event of skipped) if (event.kind === "frame" && event.frame.kind === "DATA") expect(event.frame.data.byteLength).toBe(0);
    });

    it("counts a gap inside a skipped payload as damage and stays in sync", () => {
      const feed = (decoder: FrameDecoder) => {
        decoder.data(stream.subarray(0, 3000), 1, 1);
        decoder.gap(1448, 2, 2);
        decoder.data(stream.subarray(3000 + 1448), 3, 3);
      };
      const skipped = summary(run("frames", feed, true));
      expect(skipped).toContain(`DATA:1:5000@${9 + REQUEST_BLOCK.byteLength}#3 damaged=1448`);
      expect(skipped.filter((line) => line.startsWith("DATA"))).toHaveLength(5);
      expect(skipped.some((line) => line.startsWith("sync-lost"))).toBe(false);
    });
  });
});
