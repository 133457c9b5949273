#!/usr/bin/env node
// The h2scope command: hand the arguments to the compiled CLI and exit with its code. It loads
// dist/h2scope.js, the compiled modules joined into one file by scripts/bundle.mjs (npm run
// build), because loading ~120 separate ES modules costs Node 20 about 60 ms at every start.
import { main, nodeIo } from "../dist/h2scope.js";

process.exitCode = await main(process.argv.slice(2), nodeIo());
