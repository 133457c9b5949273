// The CLI's only contact with the process: output writers and standard input.

/** Standard input for a run that has none (a worker thread, or reading files only). */
export const NO_STDIN: AsyncIterable<Uint8Array> = { [Symbol.asyncIterator]: () => ({ next: async () => ({ done: true, value: undefined }) }) };

export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  stdin: AsyncIterable<Uint8Array>;
  /**
   * Resolves once written output has gone out. The read loop awaits it between input chunks,
   * so a slow reader of our output slows the input down instead of growing memory.
   */
  drained?(): Promise<void>;
  /** Standard output is a terminal: reports may use colour. */
  colour?: boolean;
  /** Aborted on Ctrl-C or SIGTERM: stop reading and report what was seen. */
  stop?: AbortSignal;
  /** Shows reading progress (only when standard error is a terminal); `done` clears it. */
  progress?(bytesRead: number, totalBytes: number, done: boolean): void;
  /** The command is done: let go of standard input (an open pipe would keep the process alive). */
  release?(): void;
}
