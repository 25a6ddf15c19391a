import { describe, expect, it } from 'vitest';
import type { User } from '../api.js';
import { metresBetween, piecesOf, watchedTerritory } from './model.js';

const at = (s: number) => new Date(Date.parse('2026-12-06T00:00:00Z') + s * 1000).toISOString();

describe('the patrol pages’ model', () => {
  it('cuts a track at every time without positions longer than the gap, never bridging it', () => {
    const points = [0, 10, 20, 60, 70, 200].map((s) => ({ at: at(s) }));
    expect(piecesOf(points, 30_000).map((piece) => piece.map((p) => p.at))).toEqual([
      [at(0), at(10), at(20)],
      [at(60), at(70)],
      [at(200)],
    ]);
    expect(piecesOf([], 30_000)).toEqual([]);
  });

  it('measures metres on the ground as the server does (a degree of latitude is about 111 km)', () => {
    expect(metresBetween({ lon: 119.14, lat: 33.5 }, { lon: 119.14, lat: 33.501 })).toBeCloseTo(111.2, 0);
    expect(metresBetween({ lon: 119.14, lat: 33.5 }, { lon: 119.14, lat: 33.5 })).toBe(0);
  });

  it('watches the widest territory a supervisor has, and none for a grid worker', () => {
    const user = (roles: Array<{ role: string; scope: string }>) => ({ roles }) as unknown as User;
    expect(
      watchedTerritory(
        user([
          { role: 'operator', scope: '320803001' },
          { role: 'district_admin', scope: '320803' },
        ]),
      ),
    ).toBe('320803');
    expect(watchedTerritory(user([{ role: 'grid_worker', scope: '320803001001001' }]))).toBeUndefined();
  });
});
