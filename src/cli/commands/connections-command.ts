// `h2scope connections <capture|->`: the TCP connections in a capture.

import { Command, Option } from "commander";
import type { ConnectionView } from "../../report/connection-view.js";
import { DEFAULT_MAX_REPORTED_CONNECTIONS, type Limits } from "../../limits.js";
import { ConnectionCollector } from "../../report/connection-collector.js";
import { formatConnectionsJson, formatConnectionsTable } from "../../report/connections-report.js";
import type { CliIo } from "../cli-io.js";
import { exitCodeFor, EXIT_OK, EXIT_USAGE } from "../exit-codes.js";
import { collect, limitOption, parseCount, parsePortList } from "../parse-options.js";
import { runAnalysis } from "../run-analysis.js";
import { captureFiles, PARTS_HELP } from "../capture-parts.js";

type ConnectionsFormat = "table" | "json" | "ndjson";

export function connectionsCommand(io: CliIo, setExitCode: (code: number) => void): Command {
  return new Command("connections")
    .description("list the TCP connections in a capture (a file, or - for standard input)")
    .argument("<captures...>", "pcap or pcapng file, optionally gzip-compressed; - reads standard input; several with --parts")
    .addOption(
      new Option("-f, --format <format>", "table, json, or ndjson (one line per connection as it closes: use it on live input)")
        .choices(["table", "json", "ndjson"])
        .default("table"),
    )
    .option("--h2-port <ports>", "decode TCP connections on these ports as cleartext HTTP/2 even without a preface (comma-separated or repeated)", collect, [])
    .option("--keylog <file>", "decrypt TLS with this NSS key log (SSLKEYLOGFILE); a pcapng's Decryption Secrets Blocks are used as well")
    .option("--max-connections <n>", "list at most this many connections (the rest are counted)", parseCount, DEFAULT_MAX_REPORTED_CONNECTIONS)
    .option("--parts", PARTS_HELP)
    .addOption(limitOption())
    .action(async (captures: string[], options: ConnectionsOptions) => {
      setExitCode(await runConnections(captures, options, io));
    });
}

interface ConnectionsOptions {
  format: ConnectionsFormat;
  h2Port: string[];
  maxConnections: number;
  keylog?: string;
  limit: Partial<Limits>;
  parts?: boolean;
}

async function runConnections(captures: string[], options: ConnectionsOptions, io: CliIo): Promise<number> {
  const format = options.format;
  const http2Ports = parsePortList(options.h2Port);
  if (typeof http2Ports === "string") {
    io.stderr(`h2scope: error: ${http2Ports}\n`);
    return EXIT_USAGE;
  }
  const collector = new ConnectionCollector(options.maxConnections, { everyView: format === "ndjson" });
  const run = await runAnalysis(await captureFiles(captures, options.parts === true, io), io, { http2Ports, keyLogFile: options.keylog, limits: options.limit }, (event) => {
    if (event.kind === "h2.connection") collector.http2(event.connection);
    if (event.kind !== "tcp.close") return;
    const view = collector.close(event.connection);
    if (view !== undefined && format === "ndjson") io.stdout(`${JSON.stringify(view)}\n`);
  });
  const views: ConnectionView[] = collector.views();
  const summary = run.analyzer.summary;
  if (format === "table") io.stdout(formatConnectionsTable(views, summary, collector.omitted));
  else if (format === "json") io.stdout(formatConnectionsJson(views, summary, run.warnings, collector.omitted));
  if (run.stoppedBy !== undefined) {
    io.stderr(`h2scope: error: ${run.stoppedBy.message}\n`);
    io.stderr(`h2scope: the results above cover the ${summary.packets} packets read before that point\n`);
    return exitCodeFor(run.stoppedBy.code);
  }
  // Damage in a part before the last was reported when found; the parts after it were read.
  if (run.skippedDamage !== undefined) return exitCodeFor(run.skippedDamage.code);
  return EXIT_OK;
}
