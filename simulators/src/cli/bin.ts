#!/usr/bin/env node
import { runSimCli } from './main.js';

// A long-running command (cameras) stops cleanly on SIGTERM (docker stop) and SIGINT (Ctrl-C).
const stop = new AbortController();
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => stop.abort());
process.exitCode = await runSimCli(
  process.argv.slice(2),
  { stdout: process.stdout, stderr: process.stderr },
  stop.signal,
);
