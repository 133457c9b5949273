// Exit statuses (documented in the README).

import type { StopCode } from "../errors.js";

export const EXIT_OK = 0;
/** `analyze`: findings at or above --fail-on. */
export const EXIT_FINDINGS = 1;
/** A bug in h2scope: an unexpected exception (EX_SOFTWARE, so it never reads as "findings"). */
export const EXIT_INTERNAL_ERROR = 70;
export const EXIT_USAGE = 2;
/** The input could not be opened, is empty, or is not a capture. */
export const EXIT_INPUT_UNREADABLE = 3;
/** The capture is damaged past a point; everything before it was analysed and reported. */
export const EXIT_CAPTURE_DAMAGED = 4;

export function exitCodeFor(code: StopCode): number {
  switch (code) {
    case "usage":
      return EXIT_USAGE;
    case "input-unreadable":
    case "not-a-capture":
      return EXIT_INPUT_UNREADABLE;
    case "capture-damaged":
      return EXIT_CAPTURE_DAMAGED;
  }
}
