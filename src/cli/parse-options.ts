// Option values shared by commands.

import { InvalidArgumentError } from "commander";

/** "8080", "8080,8443" or several words → port numbers; a message when one is not a port. */
export function parsePortList(words: string[]): number[] | string {
  const ports: number[] = [];
  for (const word of words.flatMap((item) => item.split(","))) {
    if (word === "") continue;
    const port = Number(word);
    if (!Number.isInteger(port) || port < 1 || port > 65535) return `${word} is not a TCP port (1-65535)`;
    ports.push(port);
  }
  return ports;
}

/** commander option parser for repeatable options: `--type A --type B` → ["A", "B"]. */
export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** commander parser for a positive whole number. */
export function parseCount(value: string): number {
  const count = Number(value);
  if (!Number.isInteger(count) || count < 1) throw new InvalidArgumentError("expected a whole number of 1 or more");
  return count;
}
