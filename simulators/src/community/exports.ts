import { REGISTRY_CSV_COLUMNS } from '@gridlink/protocol';
import type { Community, CommunityDevice } from './generator.js';

const csvField = (value: unknown) => {
  const text = value === undefined ? '' : String(value);
  return /[",\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
};

/**
 * The devices as the gateway registry imports them: one row per device, its place in columns, its
 * installer tags (`elderly_alone` on an elderly resident's meter, door contact and button) `;`-separated.
 */
export function registryCsv(devices: readonly CommunityDevice[]): string {
  const rows = devices.map((d) =>
    [
      d.id,
      d.kind,
      d.place.community,
      d.place.grid,
      d.place.building,
      d.place.unit,
      d.place.floor,
      d.place.room,
      d.notes,
      d.tags?.join(';'),
    ]
      .map(csvField)
      .join(','),
  );
  return `${[REGISTRY_CSV_COLUMNS.join(','), ...rows].join('\n')}\n`;
}

/** A device's installation as the cloud records it (its `PlacementInput`). */
export interface CloudPlacement {
  gatewayId: string;
  deviceId: string;
  grid: string;
  building?: string;
  unit?: string;
  floor?: number;
  installedAt: Date;
}

/**
 * The devices' placements for the cloud's territory: grid always; building, unit and floor only
 * together as the cloud records them (a facade camera of building 3 belongs to no unit: its grid).
 */
export function cloudPlacements(community: Community, gatewayId: string, installedAt: Date): CloudPlacement[] {
  return community.devices.flatMap((d) => {
    const { grid, building, unit, floor } = d.place;
    if (grid === undefined) return [];
    const inUnit = building !== undefined && unit !== undefined;
    return [
      {
        gatewayId,
        deviceId: d.id,
        grid,
        ...(inUnit ? { building, unit, ...(floor === undefined ? {} : { floor }) } : {}),
        installedAt,
      },
    ];
  });
}

/**
 * The community's territory units for the cloud, parents first: its district (6 digits), street
 * (9), the community (12) and its grids (15), so a fresh cloud can take the placements.
 */
export function territoryUnits(community: Community): Array<{ code: string; nameZh: string; nameEn: string }> {
  return [
    { code: community.code.slice(0, 6), nameZh: '模拟区', nameEn: 'Simulated district' },
    { code: community.code.slice(0, 9), nameZh: '模拟街道', nameEn: 'Simulated street' },
    { code: community.code, nameZh: '模拟社区', nameEn: 'Simulated community' },
    ...community.grids.map((grid, n) => ({ code: grid, nameZh: `第${n + 1}网格`, nameEn: `Grid ${n + 1}` })),
  ];
}

/** How many devices of each kind, for a one-line summary. */
export function kindCounts(devices: readonly CommunityDevice[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const device of devices) counts[device.kind] = (counts[device.kind] ?? 0) + 1;
  return counts;
}
