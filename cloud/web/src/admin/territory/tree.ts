import type { TerritoryBoundaries } from '@gridlink/cloud';

export type Boundary = TerritoryBoundaries['features'][number];
export type UnitLevel = Boundary['properties']['level'] | 'district';

/** A unit of the territory tree: its area (when one is in force) and the units under it. */
export interface UnitNode {
  code: string;
  level: UnitLevel;
  nameZh: string;
  nameEn: string | null;
  feature?: Boundary;
  children: UnitNode[];
  /** Units under it, all levels down, by level: a street's communities and grids. */
  counts: Partial<Record<UnitLevel, number>>;
}

const LEVEL_BY_LENGTH: Record<number, UnitLevel> = { 6: 'district', 9: 'street', 12: 'community', 15: 'grid' };

/**
 * The tree under `root` from the boundaries of each level below it. A unit whose parent has no
 * area in force (so was not listed) hangs from the nearest listed unit above it, so nothing is lost.
 */
export function buildTree(
  root: { code: string; nameZh: string; nameEn: string | null },
  levels: TerritoryBoundaries[],
) {
  const top: UnitNode = {
    code: root.code,
    level: LEVEL_BY_LENGTH[root.code.length] ?? 'district',
    nameZh: root.nameZh,
    nameEn: root.nameEn,
    children: [],
    counts: {},
  };
  const byCode = new Map<string, UnitNode>([[top.code, top]]);
  const features = levels
    .flatMap((l) => l.features)
    .sort((a, b) => a.id.length - b.id.length || (a.id < b.id ? -1 : 1));
  for (const feature of features) {
    const p = feature.properties;
    const node: UnitNode = {
      code: p.code,
      level: p.level,
      nameZh: p.name_zh,
      nameEn: p.name_en,
      feature,
      children: [],
      counts: {},
    };
    byCode.set(p.code, node);
    let parent: UnitNode | undefined;
    for (let length = p.code.length - 3; length >= top.code.length && parent === undefined; length -= 3) {
      parent = byCode.get(p.code.slice(0, length));
    }
    (parent ?? top).children.push(node);
    for (let up = p.code.length - 3; up >= top.code.length; up -= 3) {
      const above = byCode.get(p.code.slice(0, up));
      if (above) above.counts[p.level] = (above.counts[p.level] ?? 0) + 1;
    }
  }
  return { root: top, byCode };
}

/** Whether the unit's code starts with the text, or its Chinese or English name contains it. */
export function matches(node: Pick<UnitNode, 'code' | 'nameZh' | 'nameEn'>, text: string): boolean {
  const q = text.trim().toLowerCase();
  if (q === '') return true;
  return node.code.startsWith(q) || node.nameZh.includes(q) || (node.nameEn ?? '').toLowerCase().includes(q);
}

// Twelve colours told apart on a light map (Tableau 10 and two more), taken in turn by the children.
export const UNIT_COLOURS = [
  '#4e79a7',
  '#f28e2b',
  '#e15759',
  '#76b7b2',
  '#59a14f',
  '#edc948',
  '#b07aa1',
  '#ff9da7',
  '#9c755f',
  '#bab0ac',
  '#2f4b7c',
  '#a05195',
];
