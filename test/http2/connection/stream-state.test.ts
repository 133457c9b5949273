// Every (state, input, sender) pair of the RFC 9113 §5.1 state table.

import { describe, expect, it } from "vitest";
import { maySend, nextStreamState, type Peer, type StreamInput, type StreamState } from "../../../src/http2/connection/stream-state.js";

const STATES: StreamState[] = ["idle", "reserved", "open", "half-closed-client", "half-closed-server", "closed"];
const INPUTS: StreamInput[] = ["headers", "end-stream", "push-promise", "rst-stream"];
const SENDERS: Peer[] = ["client", "server"];

/** The expected table, written out from the §5.1 diagram (an observer's names for the states). */
const EXPECTED: Record<string, StreamState | undefined> = {
  "idle headers client": "open",
  "idle headers server": "open",
  "idle push-promise server": "reserved",
  "reserved headers server": "half-closed-client",
  "reserved rst-stream client": "closed",
  "reserved rst-stream server": "closed",
  "open headers client": "open",
  "open headers server": "open",
  "open end-stream client": "half-closed-client",
  "open end-stream server": "half-closed-server",
  "open rst-stream client": "closed",
  "open rst-stream server": "closed",
  "half-closed-client headers server": "half-closed-client",
  "half-closed-client end-stream server": "closed",
  "half-closed-client rst-stream client": "closed",
  "half-closed-client rst-stream server": "closed",
  "half-closed-server headers client": "half-closed-server",
  "half-closed-server end-stream client": "closed",
  "half-closed-server rst-stream client": "closed",
  "half-closed-server rst-stream server": "closed",
  "closed rst-stream client": "closed",
  "closed rst-stream server": "closed",
};

describe("stream state table (RFC 9113 §5.1)", () => {
  for (const state of STATES) {
    for (const input of INPUTS) {
      for (const sender of SENDERS) {
        const key = `${state} ${input} ${sender}`;
        it(`${key} → ${EXPECTED[key] ?? "not allowed"}`, () => {
          expect(nextStreamState(state, input, sender)).toBe(EXPECTED[key]);
        });
      }
    }
  }

  it("says who may still send DATA in each state", () => {
    const allowed = STATES.flatMap((state) => SENDERS.filter((sender) => maySend(state, sender)).map((sender) => `${state}:${sender}`));
    expect(allowed).toEqual(["reserved:server", "open:client", "open:server", "half-closed-client:server", "half-closed-server:client"]);
  });
});
