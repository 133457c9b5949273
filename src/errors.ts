// Errors that stop h2scope, each with a code the CLI maps to an exit status.

/**
 * Why h2scope had to stop. Protocol violations by the peers are never errors (they are anomaly
 * events); these are only for input we cannot read on from, or a bad command line.
 */
export type StopCode =
  /** The command line is wrong (unknown flag, missing argument). */
  | "usage"
  /** The input cannot be opened or read (missing file, permission, I/O error). */
  | "input-unreadable"
  /** The input is empty, or does not start like any capture format we know. */
  | "not-a-capture"
  /** Decoding hit damage it cannot step over (impossible record length); results so far stand. */
  | "capture-damaged";

export class H2scopeError extends Error {
  readonly code: StopCode;
  /** Byte offset in the (decompressed) input where the problem was found, when it has one. */
  readonly byteOffset: number | undefined;

  constructor(code: StopCode, message: string, byteOffset?: number) {
    super(message);
    this.name = "H2scopeError";
    this.code = code;
    this.byteOffset = byteOffset;
  }
}
