#!/usr/bin/env node
// The h2scope command: hand the arguments to the compiled CLI and exit with its code.
import { main, nodeIo } from "../dist/cli/main.js";

process.exitCode = await main(process.argv.slice(2), nodeIo());
