import { beforeAll, describe, expect, it } from 'vitest';
import { signedIn } from '../../people/test-support.js';
import { api, BACKENDS, useTestCloud } from '../../test-support.js';
import { generateDistrict } from '../fixture-district.js';
import { TerritoryStore } from '../store.js';
import { IMPORT_MAX_BYTES } from './imports.js';
import type { TerritoryImportPreview } from './schemas.js';
import { featureCollection, lattice } from './test-files.js';

const COMMUNITY = '320803001001';

/** A GeoJSON whose rings have `perEdge` extra points on each edge (fine outlines, as survey exports are). */
function densified(text: string, perEdge: number): string {
  const collection = JSON.parse(text) as { features: Array<{ geometry: { coordinates: number[][][] } }> };
  for (const feature of collection.features) {
    feature.geometry.coordinates = feature.geometry.coordinates.map((ring) =>
      ring.flatMap((point, i) => {
        const next = ring[i + 1];
        if (next === undefined) return [point];
        return Array.from({ length: perEdge + 1 }, (_, k) => {
          const t = k / (perEdge + 1);
          return [
            Math.round(((point[0] as number) + t * ((next[0] as number) - (point[0] as number))) * 1e7) / 1e7,
            Math.round(((point[1] as number) + t * ((next[1] as number) - (point[1] as number))) * 1e7) / 1e7,
          ];
        });
      }),
    );
  }
  return JSON.stringify(collection);
}

describe.each(BACKENDS)('territory import over HTTP (%s)', (backend) => {
  const cloud = useTestCloud(backend);
  const tokens: Record<string, string> = {};
  const upload = (who: string, body: string | Uint8Array, query = 'kind=boundaries') =>
    fetch(`${cloud().url}/api/v1/territory/imports?${query}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokens[who] ?? ''}`, 'content-type': 'application/geo+json' },
      body,
    }).then(async (res) => ({
      status: res.status,
      body: (await res.json()) as TerritoryImportPreview & { code?: string; detail?: string },
    }));
  const small = featureCollection(lattice(COMMUNITY, 2, 1, 119.14, 33.5, 0.002));

  beforeAll(async () => {
    await new TerritoryStore(cloud().db).upsertUnits([
      { code: '320803', nameZh: '淮安区' },
      { code: '320803001', nameZh: '淮城街道' },
    ]);
    for (const [who, role, scope, territory] of [
      ['admin', 'district_admin', '320803', '320803'],
      ['other-admin', 'district_admin', '320804', '320804'],
      ['worker', 'grid_worker', `${COMMUNITY}001`, '320803'],
    ] as const)
      tokens[who] = (await signedIn(cloud(), `import-${who}`, [{ role, scope }], territory)).token;
  });

  it('refuses a grid worker and an admin of another district (403), and a caller without a session (401)', async () => {
    expect((await upload('worker', small)).status).toBe(403);
    const other = await upload('other-admin', small);
    expect(other.status).toBe(403);
    expect(other.body.code).toBe('GL_FORBIDDEN');
    expect((await upload('nobody', small)).status).toBe(401);
  });

  it('previews, shows and applies a file for the district admin; a stale or broken preview is refused (409)', async () => {
    const first = await upload('admin', small, 'kind=boundaries&crs=wgs84');
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({
      root: COMMUNITY,
      crs: 'wgs84',
      crs_source: 'request',
      counts: { added: 3, problems: 0 },
    });
    const renamed = small.replace('第1网格', '第一网格');
    const second = await upload('admin', renamed);
    const shown = await api<TerritoryImportPreview>(cloud(), 'GET', `/api/v1/territory/imports/${first.body.id}`, {
      token: tokens.admin ?? '',
    });
    expect(shown.body).toEqual(first.body);
    expect(
      (await api(cloud(), 'GET', `/api/v1/territory/imports/${first.body.id}`, { token: tokens['other-admin'] ?? '' }))
        .status,
    ).toBe(403);

    const applied = await api<TerritoryImportPreview>(
      cloud(),
      'POST',
      `/api/v1/territory/imports/${first.body.id}/apply`,
      {
        token: tokens.admin ?? '',
        body: { valid_from: '2026-01-01T00:00:00+08:00' },
      },
    );
    expect(applied.status).toBe(200);
    expect(applied.body).toMatchObject({ state: 'applied', valid_from: '2025-12-31T16:00:00.000Z' });
    const stale = await api<{ code: string; detail: string }>(
      cloud(),
      'POST',
      `/api/v1/territory/imports/${second.body.id}/apply`,
      {
        token: tokens.admin ?? '',
        body: {},
      },
    );
    expect(stale.status).toBe(409);
    expect(stale.body.code).toBe('GL_TERRITORY_IMPORT_STALE');
    expect(stale.body.detail).toContain('重新上传');

    const broken = await upload('admin', small.replace(`"${COMMUNITY}002"`, `"${COMMUNITY}000"`));
    expect(broken.body.problems).toContainEqual(expect.objectContaining({ kind: 'code_malformed', feature: 2 }));
    const refused = await api<{ code: string }>(cloud(), 'POST', `/api/v1/territory/imports/${broken.body.id}/apply`, {
      token: tokens.admin ?? '',
    });
    expect([refused.status, refused.body.code]).toEqual([409, 'GL_TERRITORY_IMPORT_REFUSED']);
  });

  it('refuses a file above 64 MiB with 413 naming the limit', async () => {
    const response = await upload('admin', new Uint8Array(IMPORT_MAX_BYTES + 1));
    expect(response.status).toBe(413);
    expect(response.body.detail).toContain(String(IMPORT_MAX_BYTES));
  });

  it('previews a district of about 50 MB of GeoJSON (1,300 grids with fine outlines)', async () => {
    const text = densified(JSON.stringify(generateDistrict({ buildings: 0, placements: 0 }).boundaries()), 125);
    expect(text.length).toBeGreaterThan(45_000_000);
    const response = await upload('admin', text);
    expect(response.status).toBe(201);
    expect(response.body.counts).toMatchObject({ items: 1441, added: 1436, problems: 0 });
  }, 300_000);
});
