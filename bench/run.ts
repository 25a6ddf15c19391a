/**
 * `npm run bench [name…]`: runs every benchmark in this folder (or the named ones) one after the
 * other, each in its own process so they do not disturb each other's JIT and heap.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const all = readdirSync(here)
  .filter((file) => file.endsWith('.ts') && file !== 'run.ts' && !file.endsWith('.d.ts'))
  .map((file) => file.replace(/\.ts$/, ''));
const wanted = process.argv.slice(2);
const unknown = wanted.filter((name) => !all.includes(name));
if (unknown.length > 0) {
  console.error(`unknown benchmark(s): ${unknown.join(', ')}; available: ${all.join(', ')}`);
  process.exit(1);
}
// The same Debian packages the tests run against (Mosquitto, InfluxDB, Chromium…), installed where
// missing as `npm test` does, so that no benchmark stops halfway on a fresh machine.
const packages = spawnSync(process.execPath, [join(here, '..', 'testkit', 'src', 'services', 'test-packages.mjs')], {
  stdio: 'inherit',
});
if (packages.status !== 0) process.exit(1);
// Servers under test run compiled, as in production.
const build = spawnSync('npx', ['tsc', '-b'], { stdio: 'inherit', cwd: join(here, '..') });
if (build.status !== 0) process.exit(1);
let failed = 0;
for (const name of wanted.length > 0 ? wanted : all) {
  console.log(`\n## ${name}`);
  const result = spawnSync(
    process.execPath,
    ['--import', 'tsx', '--conditions=gridlink-source', join(here, `${name}.ts`)],
    {
      stdio: 'inherit',
    },
  );
  if (result.status !== 0) failed++;
}
process.exit(failed > 0 ? 1 : 0);
