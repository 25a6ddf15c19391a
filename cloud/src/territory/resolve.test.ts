import { describe, expect, it } from 'vitest';
import { type PolygonVersion, resolveGrid, validAt } from './resolve.js';
import { rectangle } from './test-support.js';

const from = new Date('2025-01-01T00:00:00+08:00');
const version = (id: number, code: string, area = rectangle(0, 0, 4, 4)): PolygonVersion => ({
  id,
  code,
  level: code.length === 15 ? 'grid' : 'community',
  area,
  validFrom: from,
  validTo: null,
});

describe('resolving among area versions', () => {
  it('prefers a dedicated grid (专属网格, a school inside an ordinary grid), in any order given', () => {
    const ordinary = version(1, '320803001001001');
    const school = version(2, '320803001001901', rectangle(1, 1, 2, 2));
    const community = version(3, '320803001001', rectangle(-1, -1, 5, 5));
    for (const versions of [
      [ordinary, school, community],
      [community, school, ordinary],
    ]) {
      expect(resolveGrid({ lon: 1.5, lat: 1.5 }, from, versions)).toEqual({
        grid: '320803001001901',
        community: '320803001001',
        fallback: false,
        polygonId: 2,
      });
      expect(resolveGrid({ lon: 3, lat: 3 }, from, versions)).toMatchObject({ grid: '320803001001001', polygonId: 1 });
      expect(resolveGrid({ lon: 4.5, lat: 4.5 }, from, versions)).toEqual({
        community: '320803001001',
        fallback: true,
        polygonId: 3,
      });
    }
  });

  it('counts a version in force from its start (inclusive) to its end (exclusive)', () => {
    const to = new Date('2026-07-01T00:00:00+08:00');
    const closed = { validFrom: from, validTo: to };
    expect(validAt(closed, from)).toBe(true);
    expect(validAt(closed, new Date(to.getTime() - 1))).toBe(true);
    expect(validAt(closed, to)).toBe(false);
    expect(validAt(closed, new Date(from.getTime() - 1))).toBe(false);
    expect(validAt({ validFrom: from, validTo: null }, new Date('2099-01-01T00:00:00Z'))).toBe(true);
  });
});
