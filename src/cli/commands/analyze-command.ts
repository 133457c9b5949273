// `h2scope analyze <capture|->`: what went wrong, where, and why — findings from the rules.

import { readFile } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { Command, Option } from "commander";
import { H2scopeError, type StopCode } from "../../errors.js";
import {
  atLeast, formatAnalysisFollowEnd, formatFindingLine, formatAnalysisJson, formatAnalysisMarkdown, formatAnalysisSummaryLine, formatAnalysisTable, type AnalysisReport,
} from "../../report/analysis-report.js";
import { DEFAULT_MAX_REPORTED_CONNECTIONS, DEFAULT_MAX_REPORTED_FINDINGS_PER_RULE, type Limits } from "../../limits.js";
import { FindingCollector } from "../../report/finding-collector.js";
import { ConnectionCollector } from "../../report/connection-collector.js";
import { noFindingCounts, type Severity } from "../../rules/rule.js";
import { resolveRuleSettings } from "../../rules/rule-config.js";
import { RuleEngine, type RuleSettings } from "../../rules/rule-engine.js";
import { BUILTIN_RULES } from "../../rules/registry.js";
import { NO_STDIN, type CliIo } from "../cli-io.js";
import { exitCodeFor, EXIT_FINDINGS, EXIT_INTERNAL_ERROR, EXIT_OK, EXIT_USAGE } from "../exit-codes.js";
import { collect, limitOption, parseCount, parsePortList } from "../parse-options.js";
import { runAnalysis } from "../run-analysis.js";
import { orderCaptureParts, PARTS_HELP, splitCaptureHint } from "../capture-parts.js";
import { lazyModule } from "../../lazy-module.js";

/** Worker threads are loaded only when several captures are analysed in parallel. */
const workerThreads = lazyModule<typeof import("node:worker_threads")>("node:worker_threads");

type AnalyzeFormat = "table" | "markdown" | "json" | "ndjson";

export interface AnalyzeOptions {
  format: AnalyzeFormat;
  rules?: string;
  set: string[];
  failOn: Severity | "none";
  h2Port: string[];
  follow?: boolean;
  maxConnections: number;
  maxFindingsPerRule: number;
  keylog?: string;
  limit: Partial<Limits>;
  parts?: boolean;
}

export function analyzeCommand(io: CliIo, setExitCode: (code: number) => void): Command {
  return new Command("analyze")
    .description("report what went wrong in the HTTP/2 traffic of a capture (a file, or - for standard input)")
    .argument("<captures...>", "pcap or pcapng files, optionally gzip-compressed (several: one report each, findings labelled by capture); - reads standard input")
    .addOption(new Option("-f, --format <format>", "table, markdown (for postmortems), json, or ndjson (findings as they are raised)").choices(["table", "markdown", "json", "ndjson"]).default("table"))
    .option("--rules <file>", "JSON rule configuration: { \"<rule>\": { \"enabled\": false, \"severity\": \"warning\", \"<param>\": 5 } }")
    .option("--set <rule.param=value>", "set one rule parameter (repeatable), e.g. rst-internal-error-burst.count=10", collect, [])
    .addOption(new Option("--fail-on <severity>", "exit 1 when a finding is at or above this severity").choices(["error", "warning", "info", "none"]).default("error"))
    .option("--h2-port <ports>", "decode TCP connections on these ports as cleartext HTTP/2 even without a preface (comma-separated or repeated)", collect, [])
    .option("--keylog <file>", "decrypt TLS with this NSS key log (SSLKEYLOGFILE); a pcapng's Decryption Secrets Blocks are used as well")
    .option("--follow", "print each finding the moment it is raised, then the summary at the end (for live input)")
    .option("--parts", PARTS_HELP)
    .option("--max-connections <n>", "list details of at most this many connections (those with findings in the report always; the rest are counted)", parseCount, DEFAULT_MAX_REPORTED_CONNECTIONS)
    .option("--max-findings-per-rule <n>", "keep at most this many findings of each rule in the report (the rest are counted; NDJSON and --follow print all)", parseCount, DEFAULT_MAX_REPORTED_FINDINGS_PER_RULE)
    .addOption(limitOption())
    .addHelpText("after", "\nExit codes: 0 no finding at or above --fail-on; 1 findings at or above it; 2 usage error;\n3 unreadable input; 4 damaged capture (results cover what was read); 70 internal error.")
    .action(async (captures: string[], options: AnalyzeOptions) => {
      setExitCode(await runAnalyze(captures, options, io));
    });
}

async function runAnalyze(captures: string[], options: AnalyzeOptions, io: CliIo): Promise<number> {
  const ports = parsePortList(options.h2Port);
  if (typeof ports === "string") {
    io.stderr(`h2scope: error: ${ports}\n`);
    return EXIT_USAGE;
  }
  let fileText: string | undefined;
  if (options.rules !== undefined) {
    try {
      fileText = await readFile(options.rules, "utf8");
    } catch (error) {
      throw new H2scopeError("usage", `cannot read rules file ${options.rules}: ${(error as Error).message}`);
    }
  }
  const settings = resolveRuleSettings(BUILTIN_RULES, fileText, options.set, options.rules);
  if (options.parts === true) return exitCodeOf(await analyzeCapture(await orderCaptureParts(captures, io), undefined, settings, ports, options, io), options);
  if (captures.length === 1) return exitCodeOf(await analyzeCapture(captures, undefined, settings, ports, options, io), options);

  // Several captures (one per node of a cluster, say): findings labelled by capture. Reports
  // that print at the end run in parallel worker threads; streaming ones (--follow, NDJSON)
  // run in turn so their lines come as they happen, and so does a run that reads standard
  // input (a worker thread has none).
  const streaming = options.follow === true || options.format === "ndjson";
  const outcomes: CaptureOutcome[] = streaming || captures.includes("-") || availableParallelism() < 2
    ? await analyzeInTurn(captures, settings, ports, options, io)
    : await analyzeInParallel(captures, fileText, ports, options, io);
  const hint = splitCaptureHint(outcomes.flatMap((outcome) => outcome.report === undefined ? []
    : [{ summary: outcome.report.summary, connections: outcome.report.connections }]));
  if (hint !== undefined) io.stderr(`h2scope: note: ${hint}\n`);
  if (options.format === "json") {
    const documents = outcomes.filter((outcome) => outcome.report !== undefined)
      .map((outcome) => ({ file: outcome.capture, ...JSON.parse(formatAnalysisJson(outcome.report!)) }));
    io.stdout(`${JSON.stringify({ captures: documents }, null, 2)}\n`);
  }
  // The worst outcome decides: a bug in h2scope, then findings, then damage, then an unreadable capture.
  const codes = outcomes.map((outcome) => outcome.exitCode ?? exitCodeOf(outcome, options));
  for (const code of [EXIT_INTERNAL_ERROR, EXIT_FINDINGS, exitCodeFor("capture-damaged"), exitCodeFor("not-a-capture")]) if (codes.includes(code)) return code;
  return EXIT_OK;
}

async function analyzeInTurn(captures: string[], settings: Map<string, RuleSettings>, ports: number[], options: AnalyzeOptions, io: CliIo): Promise<CaptureOutcome[]> {
  const outcomes: CaptureOutcome[] = [];
  for (const capture of captures) {
    if (io.stop?.aborted) break;
    try {
      outcomes.push(await analyzeCapture([capture], capture, settings, ports, options, io));
    } catch (error) {
      if (!(error instanceof H2scopeError)) throw error;
      io.stderr(`h2scope: error: ${capture}: ${error.message}\n`);
      outcomes.push({ capture, report: undefined, stoppedBy: error });
    }
  }
  return outcomes;
}

/** Sent to a worker on Ctrl-C or SIGTERM: stop reading and report what was seen. */
export const STOP_MESSAGE = "stop";

/** What a worker needs to analyse one capture, and what it sends back. */
export interface BufferedAnalysisRequest {
  capture: string;
  fileText: string | undefined;
  ports: number[];
  options: AnalyzeOptions;
  colour: boolean;
}

interface BufferedAnalysisResult {
  stdout: string;
  stderr: string;
  /** Set when the worker decided the code itself (an internal error). */
  exitCode?: number;
  report?: AnalysisReport;
  stopCode?: StopCode;
}

/** One capture's analysis with its output collected, for a worker thread; `stop` as for CliIo. */
export async function analyzeCaptureBuffered(request: BufferedAnalysisRequest, stop?: AbortSignal): Promise<BufferedAnalysisResult> {
  let stdout = "";
  let stderr = "";
  const io: CliIo = {
    stdout: (text) => (stdout += text),
    stderr: (text) => (stderr += text),
    stdin: NO_STDIN,
    colour: request.colour,
    stop,
  };
  const settings = resolveRuleSettings(BUILTIN_RULES, request.fileText, request.options.set, request.options.rules);
  try {
    const outcome = await analyzeCapture([request.capture], request.capture, settings, request.ports, request.options, io);
    return { stdout, stderr, report: outcome.report, stopCode: outcome.stoppedBy?.code };
  } catch (error) {
    // As when run in turn: what was printed before the error stays, then the error.
    if (!(error instanceof H2scopeError)) throw error;
    return { stdout, stderr: `${stderr}h2scope: error: ${request.capture}: ${error.message}\n`, stopCode: error.code };
  }
}

async function analyzeInParallel(captures: string[], fileText: string | undefined, ports: number[], options: AnalyzeOptions, io: CliIo): Promise<CaptureOutcome[]> {
  // The compiled worker, found from the project root whether this module runs from dist/ or,
  // under the test runner, from src/ (`npm test` builds dist/ first).
  const workerUrl = new URL("../../../dist/cli/analyze-worker.js", import.meta.url);
  const limit = Math.min(availableParallelism(), captures.length);
  const results: BufferedAnalysisResult[] = new Array(captures.length);
  let nextIndex = 0;
  const runWorker = async (): Promise<void> => {
    // After Ctrl-C no new capture is started; running ones are told to stop and report.
    while (nextIndex < captures.length && io.stop?.aborted !== true) {
      const index = nextIndex++;
      const request: BufferedAnalysisRequest = { capture: captures[index]!, fileText, ports, options, colour: io.colour ?? false };
      results[index] = await new Promise<BufferedAnalysisResult>((resolve) => {
        const worker = new (workerThreads().Worker)(workerUrl, { workerData: request });
        const stopWorker = () => worker.postMessage(STOP_MESSAGE);
        io.stop?.addEventListener("abort", stopWorker, { once: true });
        const finish = (result: BufferedAnalysisResult) => {
          io.stop?.removeEventListener("abort", stopWorker);
          resolve(result);
          void worker.terminate();
        };
        worker.once("message", finish);
        worker.once("error", (error) => finish({ stdout: "", stderr: `h2scope: internal error: ${captures[index]}: ${error.message}\nh2scope: this is a bug; please report it with the capture if you can\n`, exitCode: EXIT_INTERNAL_ERROR }));
      });
    }
  };
  await Promise.all(Array.from({ length: limit }, runWorker));
  // Printed in the order given, whatever order the workers finished in; captures never started
  // (Ctrl-C) are left out.
  return results.flatMap((result, index) => {
    if (result === undefined) return [];
    io.stdout(result.stdout);
    io.stderr(result.stderr);
    return [{
      capture: captures[index]!, report: result.report,
      stoppedBy: result.stopCode === undefined ? undefined : new H2scopeError(result.stopCode, result.stderr.trim()),
      exitCode: result.exitCode,
    }];
  });
}

interface CaptureOutcome {
  capture: string;
  /** Undefined when the capture could not be read at all. */
  report: AnalysisReport | undefined;
  stoppedBy: H2scopeError | undefined;
  /** Set when the exit code was decided elsewhere (a worker's internal error). */
  exitCode?: number;
}

function exitCodeOf(outcome: CaptureOutcome, options: AnalyzeOptions): number {
  const counts = outcome.report?.findingCounts;
  const failing = options.failOn !== "none" && counts !== undefined && (Object.keys(counts) as Severity[]).some((severity) => counts[severity] > 0 && atLeast(severity, options.failOn as Severity));
  if (failing) return EXIT_FINDINGS;
  return outcome.stoppedBy !== undefined ? exitCodeFor(outcome.stoppedBy.code) : EXIT_OK;
}

/**
 * Analyses one capture, a file or the files it was split into (`files`), and prints its report
 * (JSON of several captures is printed by the caller).
 */
async function analyzeCapture(files: readonly string[], label: string | undefined, settings: Map<string, RuleSettings>, ports: number[],
  options: AnalyzeOptions, io: CliIo): Promise<CaptureOutcome> {
  const findings = new FindingCollector(options.maxFindingsPerRule);
  const ndjson = options.format === "ndjson";
  const followTable = options.follow === true && options.format === "table";
  const labelled = <T extends object>(record: T) => (label === undefined ? record : { capture: label, ...record });
  if (label !== undefined && (options.format === "table" || options.format === "markdown")) {
    io.stdout(options.format === "markdown" ? `\n# ${label}\n` : `\n== ${label} ==\n`);
  }
  let startTime: number | undefined;
  const engine = new RuleEngine(BUILTIN_RULES, settings, (finding) => {
    const stamped = label === undefined ? finding : { ...finding, capture: label };
    let own = findingsByConnection.get(finding.connection);
    if (own === undefined) findingsByConnection.set(finding.connection, (own = { listed: false, counts: noFindingCounts() }));
    own.counts[finding.severity]++;
    if (findings.add(stamped)) own.listed = true;
    if (ndjson) io.stdout(`${JSON.stringify(labelled({ kind: "finding", ...finding }))}\n`);
    else if (followTable) io.stdout(formatFindingLine(finding, startTime ?? finding.time, io.colour ?? false));
  });
  const collector = new ConnectionCollector(options.maxConnections, { everyView: ndjson });
  // Open connections' findings: whether the report lists any (then it lists the connection too),
  // and how many by severity (its health line). Dropped when the connection closes.
  const findingsByConnection = new Map<number, { listed: boolean; counts: Record<Severity, number> }>();
  let frames = 0;
  // On a live capture gone quiet, rules that fire on silence still fire (see QuietClock).
  const onQuiet = (captureNowUs: number) => engine.advanceTo(captureNowUs);
  const run = await runAnalysis(files, io, { http2Ports: ports, keyLogFile: options.keylog, limits: options.limit, label, onQuiet }, (event) => {
    if (startTime === undefined && "timeUs" in event) startTime = event.timeUs / 1e6;
    engine.event(event);
    if (event.kind === "h2.frame") frames++;
    else if (event.kind === "h2.connection") collector.http2(event.connection);
    else if (event.kind === "tcp.close") {
      const own = findingsByConnection.get(event.connection.id);
      findingsByConnection.delete(event.connection.id);
      const view = collector.close(event.connection, own?.listed ?? false, own?.counts ?? noFindingCounts());
      if (view !== undefined && ndjson) io.stdout(`${JSON.stringify(labelled({ kind: "connection", ...view }))}\n`);
    }
  });
  engine.end();
  const report: AnalysisReport = {
    summary: run.analyzer.summary,
    connections: collector.views(),
    connectionsOmitted: collector.omitted,
    connectionCounts: collector.counts,
    findings: findings.findings,
    findingCounts: findings.counts,
    findingsOmitted: findings.omittedByRule,
    frames,
  };
  switch (options.format) {
    case "table":
      io.stdout(followTable ? formatAnalysisFollowEnd(report) : formatAnalysisTable(report, io.colour ?? false));
      break;
    case "markdown":
      io.stdout(formatAnalysisMarkdown(report));
      break;
    case "json":
      if (label === undefined) io.stdout(formatAnalysisJson(report));
      break;
    case "ndjson":
      io.stdout(label === undefined ? formatAnalysisSummaryLine(report) : formatAnalysisSummaryLine(report).replace(/^\{/, `{"capture":${JSON.stringify(label)},`));
      break;
  }
  if (run.stoppedBy !== undefined) {
    io.stderr(`h2scope: error: ${label ? `${label}: ` : ""}${run.stoppedBy.message}\n`);
    io.stderr(`h2scope: the analysis covers the ${run.analyzer.summary.packets} packets read before that point\n`);
  }
  return { capture: files[0]!, report, stoppedBy: run.stoppedBy ?? run.skippedDamage };
}
