import { describe, expect, it } from 'vitest';
import { BoundariesQuery, levelBelow, simplifyArea } from './boundaries.js';
import { generateDistrict } from './fixture-district.js';
import type { GeoPolygon, Position } from './polygon.js';

describe('boundaries query', () => {
  it('lists by default the level just below the unit asked for', () => {
    expect(levelBelow('320803')).toBe('street');
    expect(levelBelow('320803001')).toBe('community');
    expect(levelBelow('320803001001')).toBe('grid');
    expect(levelBelow('320803001001001')).toBe('micro_grid');
    expect(levelBelow('320803001001001001')).toBeUndefined();
  });

  it('accepts a level below within, and no level at or above it', () => {
    expect(BoundariesQuery.safeParse({ within: '320803', level: 'grid' }).success).toBe(true);
    expect(BoundariesQuery.safeParse({ within: '320803001', level: 'community' }).success).toBe(true);
    expect(BoundariesQuery.safeParse({ within: '320803001', level: 'street' }).success).toBe(false);
    expect(BoundariesQuery.safeParse({ within: '320803001001001', level: 'grid' }).success).toBe(false);
  });
});

describe('simplified areas, for drawing a large district', () => {
  const [grid] = generateDistrict({ streets: 1, communitiesPerStreet: 1, buildings: 0, placements: 0 }).grids;
  const ring = (area: GeoPolygon | undefined) => area?.coordinates[0] as Position[];

  it('keeps a closed ring with fewer points within the tolerance, and a ring that would vanish as it was', () => {
    const area = grid?.area as GeoPolygon;
    const simplified = simplifyArea(area, 50 / 111_320) as GeoPolygon;
    expect(ring(simplified).length).toBeLessThan(ring(area).length);
    expect(ring(simplified).length).toBeGreaterThanOrEqual(4);
    expect(ring(simplified)[0]).toEqual(ring(simplified).at(-1));
    expect(simplifyArea(area, 1)).toEqual(area);
  });
});
