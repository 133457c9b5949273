// Option values shared by commands.

import { InvalidArgumentError, Option } from "commander";
import { DEFAULT_LIMITS, type Limits } from "../limits.js";

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

/** `--limit name=value`, repeatable, shared by the commands that read captures. */
export function limitOption(): Option {
  return new Option("--limit <name=value>", "override one of h2scope's memory and work bounds (repeatable), e.g. maxOpenConnections=200000; "
    + `names: ${Object.keys(DEFAULT_LIMITS).join(", ")} (the README's Limits section gives each one's reason)`)
    .argParser(parseLimit).default({}, "the built-in bounds");
}

/**
 * commander parser for the repeatable `--limit name=value`: overrides one of the bounds in
 * src/limits.ts (bytes, microseconds or counts, as each name says), collected into one object.
 */
export function parseLimit(value: string, previous: Partial<Limits>): Partial<Limits> {
  const match = /^([A-Za-z]+)=(\d+)$/.exec(value.trim());
  const known = Object.keys(DEFAULT_LIMITS);
  if (match === null) throw new InvalidArgumentError(`expected name=value, a whole number, with a name among ${known.join(", ")}`);
  const name = match[1]!;
  if (!known.includes(name)) throw new InvalidArgumentError(`unknown limit ${name}; limits are ${known.join(", ")}`);
  const number = Number(match[2]);
  if (!Number.isSafeInteger(number) || number < 1) throw new InvalidArgumentError(`${name} must be a whole number of 1 or more`);
  return { ...previous, [name]: number };
}
