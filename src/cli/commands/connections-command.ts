// `h2scope connections <capture|->`: the TCP connections in a capture.

import { Command, Option } from "commander";
import { toConnectionView, type ConnectionView } from "../../report/connection-view.js";
import { formatConnectionsJson, formatConnectionsTable } from "../../report/connections-report.js";
import type { TcpConnection } from "../../tcp/tcp-events.js";
import type { CliIo } from "../cli-io.js";
import { exitCodeFor, EXIT_OK, EXIT_USAGE } from "../exit-codes.js";
import { collect, parsePortList } from "../parse-options.js";
import type { Http2ConnectionInfo } from "../../http2/http2-events.js";
import { runAnalysis } from "../run-analysis.js";

type ConnectionsFormat = "table" | "json" | "ndjson";

export function connectionsCommand(io: CliIo, setExitCode: (code: number) => void): Command {
  return new Command("connections")
    .description("list the TCP connections in a capture (a file, or - for standard input)")
    .argument("<capture>", "pcap or pcapng file, optionally gzip-compressed; - reads standard input")
    .addOption(
      new Option("-f, --format <format>", "table, json, or ndjson (one line per connection as it closes: use it on live input)")
        .choices(["table", "json", "ndjson"])
        .default("table"),
    )
    .option("--h2-port <ports>", "decode TCP connections on these ports as cleartext HTTP/2 even without a preface (comma-separated or repeated)", collect, [])
    .action(async (capture: string, options: { format: ConnectionsFormat; h2Port: string[] }) => {
      setExitCode(await runConnections(capture, options.format, options.h2Port, io));
    });
}

async function runConnections(capture: string, format: ConnectionsFormat, portWords: string[], io: CliIo): Promise<number> {
  const http2Ports = parsePortList(portWords);
  if (typeof http2Ports === "string") {
    io.stderr(`h2scope: error: ${http2Ports}\n`);
    return EXIT_USAGE;
  }
  const closed: TcpConnection[] = [];
  const http2 = new Map<number, Http2ConnectionInfo>();
  const run = await runAnalysis(capture, io, { http2Ports }, (event) => {
    if (event.kind === "h2.connection") http2.set(event.connection.tcp.id, event.connection);
    if (event.kind !== "tcp.close") return;
    closed.push(event.connection);
    if (format === "ndjson") io.stdout(`${JSON.stringify(toConnectionView(event.connection, http2.get(event.connection.id)))}\n`);
  });
  const views: ConnectionView[] = closed.sort((left, right) => left.id - right.id).map((connection) => toConnectionView(connection, http2.get(connection.id)));
  const summary = run.analyzer.summary;
  if (format === "table") io.stdout(formatConnectionsTable(views, summary));
  else if (format === "json") io.stdout(formatConnectionsJson(views, summary, run.warnings));
  if (run.stoppedBy !== undefined) {
    io.stderr(`h2scope: error: ${run.stoppedBy.message}\n`);
    io.stderr(`h2scope: the results above cover the ${summary.packets} packets read before that point\n`);
    return exitCodeFor(run.stoppedBy.code);
  }
  return EXIT_OK;
}
