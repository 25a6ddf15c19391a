import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { featureCollection, lattice } from '../territory/import/test-files.js';
import { rectangle } from '../territory/test-support.js';
import { TEST_ADMIN_TOKEN, testDataDir } from '../test-support.js';
import { type CliIo, runCli } from './main.js';

function captured(cwd: string) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = {
    stdout: { write: (chunk: string) => out.push(chunk) },
    stderr: { write: (chunk: string) => err.push(chunk) },
    env: { GRIDLINK_AUTH__ADMIN_TOKEN: TEST_ADMIN_TOKEN },
    cwd,
  };
  return { io, stdout: () => out.join(''), stderr: () => err.join('') };
}

describe('gridlink-cloud territory import (embedded database)', () => {
  it('previews a file, applies it only with --apply, and exits 1 listing the problems of a broken one', async () => {
    const cwd = testDataDir();
    const area = rectangle(119.14, 33.5, 119.146, 33.502);
    const features = [
      { code: '320803', name_zh: '淮安区', geometry: area },
      { code: '320803001', name_zh: '淮城街道', geometry: area },
      ...lattice('320803001001', 3, 1, 119.14, 33.5, 0.002),
    ];
    await writeFile(join(cwd, 'grids.geojson'), featureCollection(features, { coordinate_system: 'wgs84' }));
    const preview = captured(cwd);
    expect(await runCli(['territory', 'import', 'grids.geojson'], preview.io)).toBe(0);
    expect(preview.stdout()).toMatch(
      /\(boundaries, utf-8, wgs84 from file, root 320803\)\n {2}6 items: 6 added, 0 changed, 0 retired, 0 unchanged; 0 problems/,
    );
    expect(preview.stderr()).toContain('--apply');

    const apply = captured(cwd);
    expect(
      await runCli(
        ['territory', 'import', 'grids.geojson', '--apply', '--valid-from', '2026-01-01T00:00:00Z'],
        apply.io,
      ),
    ).toBe(0);
    expect(apply.stdout()).toContain('applied');
    expect(apply.stdout()).toContain('from 2026-01-01T00:00:00.000Z');

    const again = captured(cwd);
    expect(await runCli(['territory', 'import', 'grids.geojson', '--kind', 'boundaries'], again.io)).toBe(0);
    expect(again.stdout()).toContain('0 added, 0 changed, 0 retired, 6 unchanged');

    features[3] = { ...(features[3] as (typeof features)[number]), code: '320803001001000' };
    await writeFile(join(cwd, 'broken.geojson'), featureCollection(features));
    const broken = captured(cwd);
    expect(await runCli(['territory', 'import', 'broken.geojson', '--apply'], broken.io)).toBe(1);
    expect(broken.stdout()).toContain('! feature 3 properties.code: "320803001001000" is not a territory code');
    expect(broken.stdout()).toContain('不是有效的区划编码');
    expect(broken.stderr()).toContain('nothing applied');

    const usage = captured(cwd);
    expect(await runCli(['territory', 'import', 'grids.geojson', '--crs', 'bd09'], usage.io)).toBe(2);
    expect(usage.stderr()).toContain('--crs: give wgs84 or gcj02');
  }, 180_000);
});
