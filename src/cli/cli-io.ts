// The CLI's only contact with the process: output writers and standard input.

export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  stdin: AsyncIterable<Uint8Array>;
}
