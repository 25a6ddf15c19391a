import { performance } from 'node:perf_hooks';
import { consoleAssets } from './web-bundle.js';

/**
 * Vitest global setup: the console's pages are built (or found in the build cache) once, before
 * any test runs, so test processes starting gateways do not each start a Vite build at once.
 */
export default async function setup(): Promise<void> {
  const startedAt = performance.now();
  await consoleAssets();
  process.stderr.write(
    `[console] pages built or found in the build cache in ${Math.round(performance.now() - startedAt)} ms\n`,
  );
}
