#!/usr/bin/env node
import { runSimCli } from './main.js';

process.exitCode = await runSimCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr });
