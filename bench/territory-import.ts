/**
 * A district's territory imported through the cloud's import (preview, then apply), on PostgreSQL:
 * the seeded district fixture's 1,300 grids (with their 10 streets, 130 communities and the
 * district) as GeoJSON, its 10,000 building units as a CSV, and 500,000 device placements as a CSV.
 * For each file: the preview's time (decode, parse, validate, compare, store) and the apply's time
 * (one transaction), and the process's peak resident memory at the end of each step.
 *
 * Placements: `device_placements` has no foreign key to `gateways` (installers record placements
 * before a gateway is registered), so the 500 gateways are not registered; the preview lists them
 * as unregistered, which is what an import ahead of commissioning looks like.
 * PostgreSQL is the testkit's throwaway Debian instance on this machine (fsync off).
 *
 *   npm run bench territory-import        (PLACEMENTS=50000 for a quick run)
 */
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { generateDistrict, migrate, openPostgres, TerritoryImports } from '@gridlink/cloud';
import { pino } from 'pino';
import { startBenchPostgres } from './lib/postgres.js';

const PLACEMENTS = Number(process.env.PLACEMENTS ?? 500_000);
const BUILDINGS = Number(process.env.BUILDINGS ?? 10_000);

const load = () =>
  loadavg()
    .map((n) => n.toFixed(1))
    .join(' / ');
console.log(`machine: ${cpus().length} cores, load average (1/5/15 min) at start ${load()}`);

const server = await startBenchPostgres('bench');
const db = openPostgres({ url: server.url, poolMax: 4, logger: pino({ level: 'silent' }) });
await migrate(db);
const imports = new TerritoryImports(db, () => new Date());
const actor = { kind: 'cli' as const };
const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MiB`;
const peak = () => mib(process.resourceUsage().maxRSS * 1024);

const district = generateDistrict({ buildings: BUILDINGS, placements: PLACEMENTS });
const files = {
  boundaries: new TextEncoder().encode(JSON.stringify(district.boundaries())),
  buildings: new TextEncoder().encode([...district.buildingsCsv()].join('')),
  placements: new TextEncoder().encode([...district.placementsCsv()].join('')),
};
console.log(
  `district: ${district.grids.length} grids, ${BUILDINGS} building units, ${PLACEMENTS} placements; files ${Object.entries(
    files,
  )
    .map(([kind, bytes]) => `${kind} ${mib(bytes.byteLength)}`)
    .join(', ')}; peak RSS after generating ${peak()}`,
);

try {
  for (const kind of ['boundaries', 'buildings', 'placements'] as const) {
    const started = performance.now();
    const preview = await imports.preview({ kind, bytes: files[kind], actor });
    const previewed = performance.now();
    if (preview.counts.problems > 0) {
      console.log(`${kind}: ${preview.counts.problems} problems, e.g. ${preview.problems[0]?.message.en}`);
      process.exitCode = 1;
      break;
    }
    await imports.apply(preview.id, actor, new Date('2026-01-01T00:00:00Z'));
    const applied = performance.now();
    console.log(
      `${kind}: ${preview.counts.items} items, ${preview.counts.added} added; preview ${((previewed - started) / 1000).toFixed(1)} s, apply ${((applied - previewed) / 1000).toFixed(1)} s; peak RSS so far ${peak()}`,
    );
  }
} finally {
  await db.close();
  await server.stop();
}
console.log(`load average at end ${load()}`);
