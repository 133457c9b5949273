// Runs the CLI in-process with collecting writers (and optional stdin bytes).

import { main } from "../../src/cli/main.js";

export interface CliResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** `stdinChunks` are taken one at a time, as the CLI asks for them (a generator may refill one buffer). */
export async function runCli(argv: string[], stdinChunks: Iterable<Uint8Array> = []): Promise<CliResult> {
  let stdout = "";
  let stderr = "";
  const exitCode = await main(argv, {
    stdout: (text) => (stdout += text),
    stderr: (text) => (stderr += text),
    stdin: (async function* () {
      for (const chunk of stdinChunks) yield chunk;
    })(),
  });
  return { exitCode, stdout, stderr };
}
