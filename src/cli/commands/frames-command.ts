// `h2scope frames <capture|->`: every HTTP/2 frame, as text or NDJSON, as it is decoded.

import { Command, Option } from "commander";
import { frameTypeName } from "../../http2/frame/frame-types.js";
import type { Http2Event } from "../../http2/http2-events.js";
import { formatAnomalyText, formatFrameText, formatSettingsAppliedText } from "../../report/frame-text.js";
import { toAnomalyRecord, toFrameRecord, toSettingsAppliedRecord } from "../../report/frame-view.js";
import type { CliIo } from "../cli-io.js";
import { exitCodeFor, EXIT_OK, EXIT_USAGE } from "../exit-codes.js";
import { collect, limitOption, parsePortList } from "../parse-options.js";
import type { Limits } from "../../limits.js";
import { runAnalysis } from "../run-analysis.js";
import { captureFiles, PARTS_HELP } from "../capture-parts.js";

interface FramesOptions {
  keylog?: string;
  format: "text" | "ndjson";
  connection?: string;
  stream?: string;
  type?: string[];
  h2Port?: string[];
  limit: Partial<Limits>;
  parts?: boolean;
}

export function framesCommand(io: CliIo, setExitCode: (code: number) => void): Command {
  return new Command("frames")
    .description("print every HTTP/2 frame in a capture (a file, or - for standard input)")
    .argument("<captures...>", "pcap or pcapng file, optionally gzip-compressed; - reads standard input; several with --parts")
    .addOption(new Option("-f, --format <format>", "text, or ndjson (one JSON object per line)").choices(["text", "ndjson"]).default("text"))
    .option("--connection <id>", "only this connection (the id `h2scope connections` shows)")
    .option("--stream <id>", "only this stream (0 for connection-level frames)")
    .option("--type <types>", "only these frame types, comma-separated or repeated, e.g. HEADERS,RST_STREAM", collect, [])
    .option("--h2-port <ports>", "decode TCP connections on these ports as cleartext HTTP/2 even without a preface (comma-separated or repeated)", collect, [])
    .option("--keylog <file>", "decrypt TLS with this NSS key log (SSLKEYLOGFILE); a pcapng's Decryption Secrets Blocks are used as well")
    .option("--parts", PARTS_HELP)
    .addOption(limitOption())
    .action(async (captures: string[], options: FramesOptions) => {
      setExitCode(await runFrames(captures, options, io));
    });
}

async function runFrames(captures: string[], options: FramesOptions, io: CliIo): Promise<number> {
  const connection = options.connection === undefined ? undefined : Number(options.connection);
  const stream = options.stream === undefined ? undefined : Number(options.stream);
  if ((connection !== undefined && !Number.isInteger(connection)) || (stream !== undefined && !Number.isInteger(stream))) {
    io.stderr("h2scope: error: --connection and --stream take whole numbers\n");
    return EXIT_USAGE;
  }
  const typeWords = (options.type ?? []).flatMap((word) => word.split(",")).filter((word) => word !== "");
  const types = typeWords.length === 0 ? undefined : new Set(typeWords.map((type) => type.toUpperCase().replace(/^UNKNOWN\(0X/, "UNKNOWN(0x")));
  const knownTypeNames = new Set(Array.from({ length: 256 }, (_, type) => frameTypeName(type)));
  for (const type of types ?? []) {
    if (!knownTypeNames.has(type)) {
      io.stderr(`h2scope: error: unknown frame type ${type} (use a name like HEADERS, or UNKNOWN(0xfa))\n`);
      return EXIT_USAGE;
    }
  }
  const ports = parsePortList(options.h2Port ?? []);
  if (typeof ports === "string") {
    io.stderr(`h2scope: error: ${ports}\n`);
    return EXIT_USAGE;
  }
  let startTime: number | undefined;
  // Window shifts caused by settings come just before the settings-acked event that explains them.
  let shifts: Array<Extract<Http2Event, { kind: "h2.window" }>> = [];
  const run = await runAnalysis(await captureFiles(captures, options.parts === true, io), io, { http2Ports: ports, keyLogFile: options.keylog, limits: options.limit }, (event) => {
    if (event.kind === "h2.window") {
      if (event.cause === "settings") shifts.push(event);
      return;
    }
    if (event.kind !== "h2.frame" && event.kind !== "h2.anomaly" && event.kind !== "h2.settings-acked") return;
    const settingsShifts = shifts;
    if (event.kind === "h2.settings-acked") shifts = [];
    if (connection !== undefined && event.connection.tcp.id !== connection) return;
    startTime ??= event.connection.tcp.firstTimeUs / 1e6;
    if (event.kind === "h2.settings-acked") {
      if (types !== undefined || (stream !== undefined && stream !== 0)) return;
      const record = toSettingsAppliedRecord(event, settingsShifts);
      io.stdout(options.format === "ndjson" ? `${JSON.stringify(record)}\n` : formatSettingsAppliedText(record));
      return;
    }
    const eventStream = event.kind === "h2.frame" ? event.frame.streamId : event.streamId;
    if (stream !== undefined && eventStream !== stream) return;
    if (event.kind === "h2.frame") {
      const record = toFrameRecord(event);
      if (types !== undefined && !types.has(record.type)) return;
      io.stdout(options.format === "ndjson" ? `${JSON.stringify(record)}\n` : formatFrameText(record, startTime));
    } else {
      if (types !== undefined) return;
      const record = toAnomalyRecord(event);
      io.stdout(options.format === "ndjson" ? `${JSON.stringify(record)}\n` : formatAnomalyText(record, startTime));
    }
  });
  if (run.stoppedBy !== undefined) {
    io.stderr(`h2scope: error: ${run.stoppedBy.message}\n`);
    io.stderr(`h2scope: the frames above cover the ${run.analyzer.summary.packets} packets read before that point\n`);
    return exitCodeFor(run.stoppedBy.code);
  }
  // Damage in a part before the last was reported when found; the parts after it were read.
  if (run.skippedDamage !== undefined) return exitCodeFor(run.skippedDamage.code);
  return EXIT_OK;
}
