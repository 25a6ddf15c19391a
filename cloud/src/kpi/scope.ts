import type { Queryable } from '../db/db.js';
import { ProblemError } from '../http/problems.js';
import { message } from '../i18n/message.js';
import { type Principal, scopeFilter } from '../people/scope.js';
import { type KpiGroupBy, type KpiGroupReport, type KpiQuery, kpiReport } from './query.js';

/**
 * What one of the caller's roles lets them read of the KPIs: the incidents counted (`prefixes`
 * of their territory codes; `undefined`: every incident, for a disposal unit's own work), the levels
 * listed, and for worker and unit rows whose rows (`undefined`: everyone's counted in `prefixes`).
 */
export interface KpiGrant {
  prefixes: string[] | undefined;
  levels: ReadonlySet<KpiGroupBy>;
  /** The rows a level may show, when not all of them: a grid worker's own, a unit's own. */
  ownKeys: Partial<Record<KpiGroupBy, readonly string[]>>;
}

const ALL_LEVELS: ReadonlySet<KpiGroupBy> = new Set(['district', 'street', 'community', 'grid', 'worker', 'unit']);
const TERRITORY_LEVELS: ReadonlySet<KpiGroupBy> = new Set(['district', 'street', 'community', 'grid']);

/** The roles that see KPIs, for the 403 that names them. */
export const KPI_ROLES = ['district_admin', 'operator', 'grid_worker', 'property_manager', 'disposal_unit'] as const;

/**
 * Each role's KPIs, as docs/domain.md §2 scopes it: district admins and operators everything of
 * their territory; grid workers their grids and their own row among the workers (not their
 * colleagues'); property managers their community's territories; a disposal unit its own row,
 * over its work wherever it was. Territory rows are listed only when wholly inside the grant.
 */
export function kpiGrants(principal: Principal): KpiGrant[] {
  const filter = scopeFilter(principal);
  const grants: KpiGrant[] = [];
  if (filter.territoryPrefixes.length > 0)
    grants.push({ prefixes: filter.territoryPrefixes, levels: ALL_LEVELS, ownKeys: {} });
  if (filter.gridCodes.length > 0)
    grants.push({
      prefixes: filter.gridCodes,
      levels: new Set([...TERRITORY_LEVELS, 'worker']),
      ownKeys: { worker: [principal.userId] },
    });
  if (filter.communityCodes.length > 0)
    grants.push({ prefixes: filter.communityCodes, levels: TERRITORY_LEVELS, ownKeys: {} });
  if (filter.disposalUnitIds.length > 0)
    grants.push({ prefixes: undefined, levels: new Set(['unit']), ownKeys: { unit: filter.disposalUnitIds } });
  return grants;
}

/**
 * The caller's grants narrowed to `territory` when asked (a grant wholly outside it drops out);
 * 403 when the caller has no KPI role, or no grant reaches into the territory.
 */
export function kpiScope(principal: Principal, territory: string | undefined): KpiGrant[] {
  const grants = kpiGrants(principal);
  if (grants.length === 0) throw new ProblemError('GL_FORBIDDEN', message('kpi.needs_role', { roles: [...KPI_ROLES] }));
  if (territory === undefined) return grants;
  const narrowed = grants.flatMap((grant): KpiGrant[] => {
    if (grant.prefixes === undefined) return [{ ...grant, prefixes: [territory] }];
    if (grant.prefixes.some((prefix) => territory.startsWith(prefix))) return [{ ...grant, prefixes: [territory] }];
    const inside = grant.prefixes.filter((prefix) => prefix.startsWith(territory));
    return inside.length === 0 ? [] : [{ ...grant, prefixes: inside }];
  });
  if (narrowed.length === 0) throw new ProblemError('GL_FORBIDDEN', message('territory.outside_scope', { territory }));
  return narrowed;
}

/**
 * What the patrol KPIs (rows per worker and grid) may count: the territories of the grants that
 * list workers — admins', operators' and grid workers' (as before); property managers and
 * disposal units have no patrol sheet.
 */
export function patrolPrefixes(grants: readonly KpiGrant[]): string[] {
  return grants.flatMap((grant) => (grant.levels.has('worker') && grant.prefixes ? grant.prefixes : []));
}

/** Whether a row of `level` keyed `key`, counted under `grant`, is the caller's to see. */
export function grantShows(grant: KpiGrant, level: KpiGroupBy, key: string): boolean {
  if (!grant.levels.has(level)) return false;
  const own = grant.ownKeys[level];
  if (own !== undefined) return own.includes(key);
  if (level === 'worker' || level === 'unit') return true;
  // A territory row counts every incident under its code: shown only when all of them are the caller's.
  return grant.prefixes === undefined || grant.prefixes.some((prefix) => key.startsWith(prefix));
}

/** The groups one grant counts: its peers (what a ranking compares) and those the caller sees. */
export interface GrantedGroups {
  peers: KpiGroupReport[];
  shown: KpiGroupReport[];
}

/**
 * {@link kpiReport} under each grant that lists `groupBy`. Peers are the rows of the level the
 * grant counts (territories wholly inside it; every worker or unit over its incidents), shown the
 * caller's own among them. Grants of one caller do not overlap in territory; a row two grants
 * both show is taken from the first (admins' and operators' before grid workers').
 */
export async function grantedGroups(
  db: Queryable,
  grants: readonly KpiGrant[],
  query: Omit<KpiQuery, 'territoryPrefix'>,
): Promise<GrantedGroups[]> {
  const result: GrantedGroups[] = [];
  for (const grant of grants) {
    if (!grant.levels.has(query.groupBy)) continue;
    const reports = await kpiReport(db, { ...query, territoryPrefix: grant.prefixes });
    const peers = reports.filter((group) => grantShows({ ...grant, ownKeys: {} }, query.groupBy, group.key));
    result.push({ peers, shown: peers.filter((group) => grantShows(grant, query.groupBy, group.key)) });
  }
  return result;
}

/** The rows the caller sees, each once, sorted by key. */
export function shownGroups(granted: readonly GrantedGroups[]): KpiGroupReport[] {
  const byKey = new Map<string, KpiGroupReport>();
  for (const { shown } of granted) for (const group of shown) if (!byKey.has(group.key)) byKey.set(group.key, group);
  return [...byKey.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}
