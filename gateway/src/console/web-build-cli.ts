import { buildConsoleWeb } from './web-build.js';

/** `web-build-cli <outDir>`: the console build, run in a process of its own by `web-bundle.ts`. */
const outDir = process.argv[2];
if (!outDir) throw new Error('usage: web-build-cli <outDir>');
await buildConsoleWeb(outDir);
