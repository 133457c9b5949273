// Flow-control windows as RFC 9113 §6.9 defines them, replicated by an observer.
//
// §6.9.1: "A sender MUST NOT allow a flow-control window to exceed 2^31-1 octets. If a sender
//   receives a WINDOW_UPDATE that causes a flow-control window to exceed this maximum, it MUST
//   terminate either the stream or the connection, as appropriate."
// §6.9.1: "The sender MUST NOT send a flow-controlled frame with a length that exceeds the space
//   available in either of the flow-control windows advertised by the receiver."
// §6.9.2: "When the value of SETTINGS_INITIAL_WINDOW_SIZE changes, a receiver MUST adjust the
//   size of all stream flow-control windows that it maintains by the difference between the new
//   value and the old value." ... "a change to SETTINGS_INITIAL_WINDOW_SIZE can cause the
//   available space in a flow-control window to become negative." ... "An endpoint MUST treat a
//   change to SETTINGS_INITIAL_WINDOW_SIZE that causes any flow-control window to exceed the
//   maximum size as a connection error of type FLOW_CONTROL_ERROR."
// §6.9: the connection window starts at 65,535 and only WINDOW_UPDATE on stream 0 changes its
//   limit (SETTINGS never do); §6.1: the entire DATA frame payload, padding included, counts.

/** RFC 9113 §6.9.1: a flow-control window must not exceed 2^31-1. */
export const MAX_WINDOW_SIZE = 2 ** 31 - 1;
/** RFC 9113 §6.9.2 / §6.5.2: the initial window of the connection and the default stream window. */
export const DEFAULT_INITIAL_WINDOW_SIZE = 65_535;

/** What went wrong with one window change, if anything. */
export type WindowViolation =
  /** A WINDOW_UPDATE or settings change took the window past 2^31-1 (it keeps its last valid size). */
  | "window-overflow"
  /** DATA longer than the space the window had (the sender ignored flow control). */
  | "window-exceeded";

/**
 * Credit one sender has, on one stream or the whole connection, as its receiver granted it.
 * Goes negative when SETTINGS_INITIAL_WINDOW_SIZE shrinks (§6.9.2) or when a sender overruns.
 */
export class Window {
  #size: number;

  constructor(size: number) {
    this.#size = size;
  }

  get size(): number {
    return this.#size;
  }

  /** WINDOW_UPDATE. On overflow the window keeps its last valid size, as the receiver must reject it. */
  increase(increment: number): WindowViolation | undefined {
    if (this.#size + increment > MAX_WINDOW_SIZE) return "window-overflow";
    this.#size += increment;
    return undefined;
  }

  /** DATA: the whole length field counts, padding included. The window always records the use. */
  consume(flowControlledLength: number): WindowViolation | undefined {
    const exceeded = flowControlledLength > Math.max(0, this.#size);
    this.#size -= flowControlledLength;
    return exceeded ? "window-exceeded" : undefined;
  }

  /** SETTINGS_INITIAL_WINDOW_SIZE changed by `delta` (may be negative). */
  shift(delta: number): WindowViolation | undefined {
    if (this.#size + delta > MAX_WINDOW_SIZE) return "window-overflow";
    this.#size += delta;
    return undefined;
  }
}
