// Worker thread for `analyze` with several captures: analyses one capture with buffered output
// and hands the text back, so captures run in parallel on the available cores.

import { parentPort, workerData } from "node:worker_threads";
import { H2scopeError } from "../errors.js";
import { analyzeCaptureBuffered, type BufferedAnalysisRequest } from "./commands/analyze-command.js";

const request = workerData as BufferedAnalysisRequest;
analyzeCaptureBuffered(request).then(
  (result) => parentPort!.postMessage(result),
  (error: unknown) => {
    if (error instanceof H2scopeError) parentPort!.postMessage({ stdout: "", stderr: `h2scope: error: ${request.capture}: ${error.message}\n`, exitCode: undefined, stopCode: error.code });
    else parentPort!.postMessage({ stdout: "", stderr: `h2scope: internal error: ${(error as Error)?.message ?? String(error)}\n`, exitCode: 70 });
  },
);
