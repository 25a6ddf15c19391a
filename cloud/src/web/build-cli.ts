import { buildWeb } from './build.js';

/** `build-cli <outDir>`: the web build, run in a process of its own by `bundle.ts`. */
const outDir = process.argv[2];
if (!outDir) throw new Error('usage: build-cli <outDir>');
await buildWeb(outDir);
