import { describe, expect, it } from 'vitest';
import { wgs84ToGcj02 } from '../gcj02.js';
import { rectangle } from '../test-support.js';
import { readBoundaries } from './boundaries-file.js';
import { geometryProblems } from './geometry-checks.js';
import { bowTie, featureCollection, lattice } from './test-files.js';

const COMMUNITY = '320803001001';
const kinds = (problems: { kind: string }[]) => problems.map((p) => p.kind);

describe('reading a boundaries GeoJSON', () => {
  it('reads codes, names and areas, and says where each problem is in both languages with its fix', () => {
    const file = readBoundaries(
      featureCollection([
        { code: COMMUNITY, name_zh: '河下社区', name_en: 'Hexia', geometry: rectangle(119.14, 33.5, 119.146, 33.504) },
        { code: '32080300100100', name_zh: '坏编码', geometry: rectangle(119.14, 33.5, 119.142, 33.504) },
        { code: `${COMMUNITY}001`, name_zh: '一', geometry: rectangle(119.14, 33.5, 119.142, 33.504) },
        { code: `${COMMUNITY}001`, name_zh: '重复', geometry: rectangle(119.14, 33.5, 119.142, 33.504) },
        { code: `${COMMUNITY}002`, name_zh: '', geometry: { type: 'Point', coordinates: [119.1, 33.5] } },
        {
          code: `${COMMUNITY}003`,
          name_zh: '未闭合',
          geometry: {
            type: 'Polygon',
            coordinates: [
              [
                [119.1, 33.5],
                [119.2, 33.5],
                [119.2, 33.6],
                [119.1, 33.6],
              ],
            ],
          },
        },
      ]),
      undefined,
    );
    expect(file.units.map((u) => u.code)).toEqual([COMMUNITY, `${COMMUNITY}001`, `${COMMUNITY}002`, `${COMMUNITY}003`]);
    expect(file.units[0]).toMatchObject({ nameZh: '河下社区', nameEn: 'Hexia', level: 'community' });
    expect(file.crsSource).toBe('default');
    expect(file.problems.map((p) => [p.kind, p.feature])).toEqual([
      ['code_malformed', 1],
      ['duplicate_code', 3],
      ['name_missing', 4],
      ['geometry_type', 4],
      ['ring_invalid', 5],
    ]);
    const duplicate = file.problems[1];
    expect(duplicate?.message.zh).toContain('重复');
    expect(duplicate?.message.en).toBe(`code ${COMMUNITY}001 is repeated: item 2 has it already`);
    expect(duplicate?.fix.zh).not.toBe('');
    expect(file.problems[4]?.message.en).toContain('not closed');
  });

  it('takes the coordinate system the file states, turns GCJ-02 into WGS-84, and flags a request that disagrees', () => {
    const wgs = rectangle(119.14, 33.5, 119.146, 33.504);
    const gcj = {
      type: 'Polygon' as const,
      coordinates: [
        (wgs.coordinates[0] ?? []).map(([lon, lat]) => {
          const p = wgs84ToGcj02({ lon: lon as number, lat: lat as number });
          return [p.lon, p.lat];
        }),
      ],
    };
    const text = featureCollection([{ code: COMMUNITY, name_zh: '河下社区', geometry: gcj }], {
      coordinate_system: 'GCJ-02',
    });
    const file = readBoundaries(text, undefined);
    expect(file.crs).toBe('gcj02');
    expect(file.crsSource).toBe('file');
    const [lon, lat] = ((file.units[0]?.area?.coordinates[0] ?? []) as number[][])[0] ?? [];
    expect(lon).toBeCloseTo(119.14, 6);
    expect(lat).toBeCloseTo(33.5, 6);
    expect(kinds(readBoundaries(text, 'wgs84').problems)).toEqual(['crs_conflict']);
    const named = featureCollection([], {
      crs: { type: 'name', properties: { name: 'urn:ogc:def:crs:OGC:1.3:CRS84' } },
    });
    expect(readBoundaries(named, 'gcj02')).toMatchObject({ crs: 'wgs84', crsSource: 'file' });
    expect(kinds(readBoundaries(featureCollection([], { crs: 'EPSG:3857' }), undefined).problems)).toContain(
      'crs_unknown',
    );
    expect(kinds(readBoundaries('{"type": "Feature"', undefined).problems)).toEqual(['not_json']);
  });
});

describe('the geometry of a boundaries file', () => {
  const check = (text: string) => geometryProblems(readBoundaries(text, undefined).units, new Map());

  it('accepts grids that tile their community', () => {
    expect(check(featureCollection(lattice(COMMUNITY, 3, 2, 119.14, 33.5, 0.002)))).toEqual([]);
  });

  it('finds a self-intersecting grid, a grid beyond its community, overlapping grids and a gap', () => {
    const units = lattice(COMMUNITY, 3, 2, 119.14, 33.5, 0.002);
    units[1] = { ...units[1], geometry: bowTie(119.14, 33.5, 0.002) } as (typeof units)[number];
    // Grid 002 reaches 0.001° (about 93 m) east into grid 003.
    units[2] = { ...units[2], geometry: rectangle(119.142, 33.5, 119.145, 33.502) } as (typeof units)[number];
    // Grid 006 (top right) pushed north beyond the community, leaving a gap at its bottom.
    units[6] = { ...units[6], geometry: rectangle(119.144, 33.503, 119.146, 33.505) } as (typeof units)[number];
    const problems = check(featureCollection(units));
    expect(problems.map((p) => [p.kind, p.code])).toEqual([
      ['self_intersection', `${COMMUNITY}001`],
      ['outside_parent', `${COMMUNITY}006`],
      ['sibling_overlap', `${COMMUNITY}003`],
      ['sibling_gap', COMMUNITY],
    ]);
    expect(problems[1]?.message.en).toMatch(/m² \(50\.0%\) of 320803001001006 lies outside its parent 320803001001/);
  });

  it('lets a dedicated grid (9xx) lie inside an ordinary one, and small slivers pass as drawing noise', () => {
    const units = lattice(COMMUNITY, 2, 1, 119.14, 33.5, 0.002);
    units.push({ code: `${COMMUNITY}901`, name_zh: '学校', geometry: rectangle(119.1405, 33.5005, 119.1415, 33.5015) });
    // 1e-6° (about 0.1 m) of overlap along a shared edge.
    units[2] = { ...units[2], geometry: rectangle(119.141999, 33.5, 119.144, 33.502) } as (typeof units)[number];
    expect(check(featureCollection(units))).toEqual([]);
  });
});
