// Worker thread for `analyze` with several captures: analyses one capture with buffered output
// and hands the text back, so captures run in parallel on the available cores.

import { parentPort, workerData } from "node:worker_threads";
import { H2scopeError } from "../errors.js";
import { analyzeCaptureBuffered, STOP_MESSAGE, type BufferedAnalysisRequest } from "./commands/analyze-command.js";

const request = workerData as BufferedAnalysisRequest;
const stop = new AbortController();
parentPort!.on("message", (message: unknown) => {
  if (message === STOP_MESSAGE) stop.abort();
});
analyzeCaptureBuffered(request, stop.signal).then(
  (result) => parentPort!.postMessage(result),
  (error: unknown) => {
    if (error instanceof H2scopeError) parentPort!.postMessage({ stdout: "", stderr: `h2scope: error: ${request.capture}: ${error.message}\n`, exitCode: undefined, stopCode: error.code });
    else parentPort!.postMessage({ stdout: "", stderr: `h2scope: internal error: ${request.capture}: ${(error as Error)?.message ?? String(error)}\nh2scope: this is a bug; please report it with the capture if you can\n`, exitCode: 70 });
  },
);
