// Each RFC 9113 flow-control rule, written out as an example.

import { describe, expect, it } from "vitest";
import { DEFAULT_INITIAL_WINDOW_SIZE, MAX_WINDOW_SIZE, Window } from "../../../src/http2/connection/flow-control.js";

describe("Window (RFC 9113 §6.9)", () => {
  it("starts the connection window at 65,535", () => {
    expect(DEFAULT_INITIAL_WINDOW_SIZE).toBe(65_535);
    expect(MAX_WINDOW_SIZE).toBe(2_147_483_647);
  });

  it("§6.9.1: an increment reaching exactly 2^31-1 is allowed; one octet more overflows and changes nothing", () => {
    const exact = new Window(65_535);
    expect(exact.increase(MAX_WINDOW_SIZE - 65_535)).toBeUndefined();
    expect(exact.size).toBe(2_147_483_647);
    const over = new Window(65_535);
    expect(over.increase(MAX_WINDOW_SIZE - 65_535 + 1)).toBe("window-overflow");
    expect(over.size).toBe(65_535);
  });

  it("§6.1: DATA counts its whole length, padding included", () => {
    // A DATA frame with 10 octets of data, a Pad Length octet and 5 octets of padding: length 16.
    const window = new Window(100);
    expect(window.consume(16)).toBeUndefined();
    expect(window.size).toBe(84);
  });

  it("§6.9.1: DATA beyond the space available is flagged, and the window records the overrun", () => {
    const window = new Window(10);
    expect(window.consume(10)).toBeUndefined();
    expect(window.consume(1)).toBe("window-exceeded");
    expect(window.size).toBe(-1);
  });

  it("§6.9.2: a SETTINGS_INITIAL_WINDOW_SIZE change shifts the window by the difference", () => {
    // Stream window 65,535; the peer sent 60,000 octets; the receiver raises the initial size to 100,000.
    const window = new Window(65_535);
    window.consume(60_000);
    expect(window.shift(100_000 - 65_535)).toBeUndefined();
    expect(window.size).toBe(5_535 + 34_465);
  });

  it("§6.9.2: shrinking the initial window can make a window negative", () => {
    // The RFC's example: a sender with 65,535 that sent 60,000 before the receiver cut the initial size to 16,384.
    const window = new Window(65_535);
    window.consume(60_000);
    expect(window.shift(16_384 - 65_535)).toBeUndefined();
    expect(window.size).toBe(-43_616);
    // It may not send until WINDOW_UPDATEs make it positive again.
    expect(window.consume(1)).toBe("window-exceeded");
    expect(window.increase(43_617 + 1)).toBeUndefined();
    expect(window.size).toBe(1);
  });

  it("§6.9.2: a settings change that takes a window past 2^31-1 overflows", () => {
    const window = new Window(MAX_WINDOW_SIZE - 10);
    expect(window.shift(10)).toBeUndefined();
    expect(window.shift(1)).toBe("window-overflow");
    expect(window.size).toBe(MAX_WINDOW_SIZE);
  });
});
