import { performance } from 'node:perf_hooks';
import { cachedBuild } from './bundle.js';

/**
 * Vitest global setup: the web pages are built (or found in the build cache) once, before any test
 * runs. Otherwise, on a fresh clone, every test process that starts a cloud would start its own
 * Vite build at the same time, and the tests would wait on builds competing for the CPU.
 */
export default async function setup(): Promise<void> {
  const startedAt = performance.now();
  await cachedBuild();
  process.stderr.write(
    `[web] pages built or found in the build cache in ${Math.round(performance.now() - startedAt)} ms\n`,
  );
}
