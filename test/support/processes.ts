// Real peers for tests: start by PID, wait with bounded loops, stop by PID.

import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { connect } from "node:net";

/** Waits (bounded) until something accepts TCP connections on 127.0.0.1:port. */
export async function waitForPort(port: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect({ host: "127.0.0.1", port }, () => {
        socket.destroy();
        resolve(true);
      });
      socket.on("error", () => resolve(false));
    });
    if (open) return;
    await sleep(100);
  }
  throw new Error(`nothing listens on 127.0.0.1:${port} after ${timeoutMs} ms`);
}

/**
 * Waits (bounded) until a socket listens on TCP `port`, without connecting to it: for a peer
 * that serves one connection only, which a probe connection would use up. Reads the kernel's
 * socket tables (Linux), where state 0A is LISTEN.
 */
export async function waitForListening(port: number, timeoutMs = 10_000): Promise<void> {
  const local = `:${port.toString(16).toUpperCase().padStart(4, "0")}`;
  const listening = () => ["/proc/net/tcp", "/proc/net/tcp6"].some((table) => {
    let text = "";
    try {
      text = readFileSync(table, "latin1");
    } catch {
      return false; // no IPv6 table
    }
    return text.split("\n").some((line) => {
      const fields = line.trim().split(/\s+/);
      return fields[1]?.endsWith(local) === true && fields[3] === "0A";
    });
  });
  await waitFor(listening, timeoutMs, `a socket listening on port ${port}`);
}

/** Waits (bounded) until `predicate` holds, checking every 50 ms. */
export async function waitFor(predicate: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Stops a child by its PID and waits (bounded) for it to exit. */
export async function stopProcess(child: ChildProcess | undefined, signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
  if (child === undefined || child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  process.kill(child.pid, signal);
  await Promise.race([exited, sleep(5000)]);
  if (child.exitCode === null && child.signalCode === null) process.kill(child.pid, "SIGKILL");
}

export { spawn };

/** A port for a test server: 20000–20999 is kept for tests (fixture scripts use 18000–19999). */
export function testPort(): number {
  return 20000 + Math.floor(Math.random() * 1000);
}
