import type { User } from '../api.js';

type Level = 'district' | 'street' | 'community' | 'grid' | 'worker' | 'unit';

/**
 * Who opens the KPI page, and which groupings it offers them: what the server lets each role read
 * (cloud/src/kpi/scope.ts decides; these only spare a user choices that would come back empty).
 */
export function readsKpis(user: User): boolean {
  return kpiLevels(user).length > 0;
}

export function kpiLevels(user: User): Level[] {
  const roles = new Set(user.roles.map((a) => a.role));
  const levels = new Set<Level>();
  if (roles.has('district_admin') || roles.has('operator'))
    for (const level of ['street', 'community', 'grid', 'worker', 'district', 'unit'] as const) levels.add(level);
  if (roles.has('grid_worker')) for (const level of ['grid', 'worker'] as const) levels.add(level);
  if (roles.has('property_manager')) for (const level of ['community', 'grid'] as const) levels.add(level);
  if (roles.has('disposal_unit')) levels.add('unit');
  const order: Level[] = ['street', 'community', 'grid', 'worker', 'district', 'unit'];
  return order.filter((level) => levels.has(level));
}

/** The patrol sheet (per worker and grid) is for supervisors and grid workers only. */
export function readsPatrolKpis(user: User): boolean {
  return user.roles.some((a) => ['district_admin', 'operator', 'grid_worker'].includes(a.role));
}

/** The caller's own territory for the map: the widest scope among their territorial roles. */
export function ownTerritory(user: User): string {
  const codes = user.roles
    .filter((a) => ['district_admin', 'operator', 'grid_worker', 'property_manager'].includes(a.role))
    .map((a) => a.scope)
    .sort((a, b) => a.length - b.length);
  return codes[0] ?? '';
}
