import type { Area } from '../polygon.js';
import { rectangle } from '../test-support.js';

/** Test files for the territory import (not a district generator: a few hand-placed units). */

export interface TestFeature {
  code: string;
  name_zh: string;
  name_en?: string;
  geometry: Area | Record<string, unknown>;
}

/** A FeatureCollection of `features`, with top-level `extra` members (`coordinate_system`…). */
export function featureCollection(features: readonly TestFeature[], extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    type: 'FeatureCollection',
    ...extra,
    features: features.map(({ geometry, ...properties }) => ({ type: 'Feature', properties, geometry })),
  });
}

/**
 * A community of `columns` × `rows` grids of `size` degrees each from (west, south), codes from
 * `community` + 001 on: a lattice whose grids tile the community exactly.
 */
export function lattice(
  community: string,
  columns: number,
  rows: number,
  west: number,
  south: number,
  size: number,
): TestFeature[] {
  const grids: TestFeature[] = [];
  for (let row = 0; row < rows; row++)
    for (let column = 0; column < columns; column++) {
      const n = row * columns + column + 1;
      grids.push({
        code: `${community}${String(n).padStart(3, '0')}`,
        name_zh: `第${n}网格`,
        geometry: rectangle(
          west + column * size,
          south + row * size,
          west + (column + 1) * size,
          south + (row + 1) * size,
        ),
      });
    }
  return [
    {
      code: community,
      name_zh: `社区${community.slice(-3)}`,
      geometry: rectangle(west, south, west + columns * size, south + rows * size),
    },
    ...grids,
  ];
}

/** A lopsided bow tie: a ring whose edges cross (lopsided, so its signed area is not zero). */
export function bowTie(west: number, south: number, size: number): Area {
  return {
    type: 'Polygon',
    coordinates: [
      [
        [west, south],
        [west + size, south + size],
        [west + size, south],
        [west, south + size / 2],
        [west, south],
      ],
    ],
  };
}
