import { describe, expect, it } from 'vitest';
import { parseField } from './errors.js';
import { Area, boundingBox, pointInArea } from './polygon.js';
import { rectangle } from './test-support.js';

// A courtyard: a 4 × 4 block with a 2 × 2 hole in its middle (lon 1–3, lat 1–3 is the hole).
const courtyard: Area = {
  type: 'Polygon',
  coordinates: [
    [
      [0, 0],
      [4, 0],
      [4, 4],
      [0, 4],
      [0, 0],
    ],
    [
      [1, 1],
      [1, 3],
      [3, 3],
      [3, 1],
      [1, 1],
    ],
  ],
};

const at = (lon: number, lat: number) => ({ lon, lat });

describe('point in area', () => {
  it('finds points inside a polygon and outside it', () => {
    expect(pointInArea(at(0.5, 0.5), courtyard)).toBe(true);
    expect(pointInArea(at(3.5, 2), courtyard)).toBe(true);
    expect(pointInArea(at(4.5, 2), courtyard)).toBe(false);
    expect(pointInArea(at(-0.1, 2), courtyard)).toBe(false);
  });

  it('puts a point in a hole outside the polygon', () => {
    expect(pointInArea(at(2, 2), courtyard)).toBe(false);
    expect(pointInArea(at(1.01, 2.99), courtyard)).toBe(false);
  });

  it('treats the area as closed: points on the outer ring and on a hole’s ring are inside', () => {
    expect(pointInArea(at(0, 2), courtyard)).toBe(true);
    expect(pointInArea(at(4, 4), courtyard)).toBe(true);
    expect(pointInArea(at(1, 2), courtyard)).toBe(true);
    expect(pointInArea(at(3, 3), courtyard)).toBe(true);
  });

  it('counts a ray through a vertex once (a point level with a vertex of a diamond)', () => {
    const diamond: Area = {
      type: 'Polygon',
      coordinates: [
        [
          [2, 0],
          [4, 2],
          [2, 4],
          [0, 2],
          [2, 0],
        ],
      ],
    };
    expect(pointInArea(at(1, 2), diamond)).toBe(true);
    expect(pointInArea(at(-1, 2), diamond)).toBe(false);
    expect(pointInArea(at(5, 2), diamond)).toBe(false);
  });

  it('tests each part of a MultiPolygon, holes included', () => {
    const parts: Area = {
      type: 'MultiPolygon',
      coordinates: [courtyard.coordinates as [number, number][][], rectangle(10, 10, 11, 11).coordinates],
    };
    expect(pointInArea(at(10.5, 10.5), parts)).toBe(true);
    expect(pointInArea(at(0.5, 0.5), parts)).toBe(true);
    expect(pointInArea(at(2, 2), parts)).toBe(false);
    expect(pointInArea(at(7, 7), parts)).toBe(false);
    expect(boundingBox(parts)).toEqual({ minLon: 0, minLat: 0, maxLon: 11, maxLat: 11 });
  });

  it('works on real grid sizes: a point 1 m inside a 200 m grid edge is in, 1 m outside is out', () => {
    const grid = rectangle(119.14, 33.5, 119.142, 33.504);
    const metreOfLon = 1 / (111_320 * Math.cos((33.5 * Math.PI) / 180));
    expect(pointInArea(at(119.142 - metreOfLon, 33.502), grid)).toBe(true);
    expect(pointInArea(at(119.142 + metreOfLon, 33.502), grid)).toBe(false);
  });
});

describe('GeoJSON areas', () => {
  const problem = (value: unknown) => {
    try {
      parseField(Area, value, 'area');
    } catch (err) {
      return (err as Error).message;
    }
    throw new Error('accepted');
  };

  it('must be closed rings of at least 4 positions, as [longitude, latitude]', () => {
    expect(
      problem({
        type: 'Polygon',
        coordinates: [
          [
            [0, 0],
            [1, 0],
            [1, 1],
            [0, 1],
          ],
        ],
      }),
    ).toBe('area.coordinates.0: a ring is closed: its last position repeats its first');
    expect(
      problem({
        type: 'Polygon',
        coordinates: [
          [
            [0, 0],
            [1, 1],
            [0, 0],
          ],
        ],
      }),
    ).toBe('area.coordinates.0: a ring has at least 4 positions (a triangle and the first position repeated)');
    expect(problem({ type: 'Polygon', coordinates: [rectangle(33.5, 119.1, 33.6, 119.2).coordinates[0]] })).toMatch(
      /^area\.coordinates\.0\.0\.1: /,
    );
  });

  it('are a Polygon or a MultiPolygon', () => {
    expect(problem({ type: 'Point', coordinates: [119.14, 33.5] })).toMatch(/^area\.type: /);
  });
});
