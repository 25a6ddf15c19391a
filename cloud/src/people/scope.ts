import type { Role, RoleAssignment } from './roles.js';

/** A signed-in user as every route sees them: who, and with which roles over what. */
export interface Principal {
  userId: string;
  username: string;
  displayName: string;
  /** Where the user belongs (admins of it manage the user). */
  territoryCode: string;
  assignments: readonly RoleAssignment[];
}

/**
 * What a principal may see, as lists a query can filter on. A row is visible when any list admits
 * it (see {@link isVisible}). Territory codes nest by prefix (district 320803 ⊂ street 320803001 ⊂
 * community 320803001001 ⊂ grid 320803001001003), so "inside" is a prefix test everywhere.
 */
export interface ScopeFilter {
  /** Rows whose territory code starts with one of these (district/street admins, operators). */
  territoryPrefixes: string[];
  /** Rows of these grids and their micro-grids (grid workers). */
  gridCodes: string[];
  /** Rows of these communities (property managers). */
  communityCodes: string[];
  /** Work dispatched to these units, wherever it is (disposal units). */
  disposalUnitIds: string[];
  /** Gateways and their devices (installers). */
  gatewayIds: string[];
  /** Closed incidents under these prefixes only (callback agents). */
  closedIncidentPrefixes: string[];
}

function scopesOf(principal: Principal, ...roles: Role[]): string[] {
  return principal.assignments.filter((a) => roles.includes(a.role)).map((a) => a.scope);
}

/** The prefixes without any that another one already covers, sorted. */
function minimalPrefixes(codes: readonly string[]): string[] {
  const sorted = [...new Set(codes)].sort((a, b) => a.length - b.length || a.localeCompare(b));
  const kept: string[] = [];
  for (const code of sorted) if (!kept.some((prefix) => code.startsWith(prefix))) kept.push(code);
  return kept.sort();
}

/** Everything `principal` may see, by role (docs/domain.md §2). Pure: no database. */
export function scopeFilter(principal: Principal): ScopeFilter {
  const territoryPrefixes = minimalPrefixes(scopesOf(principal, 'district_admin', 'operator'));
  const covered = (code: string) => territoryPrefixes.some((prefix) => code.startsWith(prefix));
  const uncovered = (codes: string[]) => minimalPrefixes(codes).filter((code) => !covered(code));
  return {
    territoryPrefixes,
    gridCodes: uncovered(scopesOf(principal, 'grid_worker')),
    communityCodes: uncovered(scopesOf(principal, 'property_manager')),
    disposalUnitIds: [...new Set(scopesOf(principal, 'disposal_unit'))].sort(),
    gatewayIds: [...new Set(scopesOf(principal, 'installer'))].sort(),
    closedIncidentPrefixes: uncovered(scopesOf(principal, 'callback_agent')),
  };
}

/**
 * Whether `principal` sees everything in territory `code` (a district, street, community, grid or
 * micro-grid): admins and operators inside their territory, grid workers inside their grids,
 * property managers inside their community. Disposal units and installers see work and gateways,
 * not territories; callback agents only closed incidents ({@link ScopeFilter.closedIncidentPrefixes}).
 */
export function canSeeTerritory(principal: Principal, code: string): boolean {
  const filter = scopeFilter(principal);
  return [...filter.territoryPrefixes, ...filter.gridCodes, ...filter.communityCodes].some((prefix) =>
    code.startsWith(prefix),
  );
}

/** Whether `principal` administers territory `code` (a `district_admin` of it or of a territory above). */
export function administers(principal: Principal, code: string): boolean {
  return scopesOf(principal, 'district_admin').some((prefix) => code.startsWith(prefix));
}

/** A row an incidents-like query returns, as far as visibility goes. */
export interface ScopedRow {
  territoryCode: string;
  disposalUnitId?: string | null;
  gatewayId?: string | null;
  closed?: boolean;
}

/** Whether a row passes `filter` (the same test a query does in SQL with the filter's lists). */
export function isVisible(filter: ScopeFilter, row: ScopedRow): boolean {
  const under = (prefixes: readonly string[]) => prefixes.some((prefix) => row.territoryCode.startsWith(prefix));
  return (
    under(filter.territoryPrefixes) ||
    under(filter.gridCodes) ||
    under(filter.communityCodes) ||
    (row.disposalUnitId != null && filter.disposalUnitIds.includes(row.disposalUnitId)) ||
    (row.gatewayId != null && filter.gatewayIds.includes(row.gatewayId)) ||
    (row.closed === true && under(filter.closedIncidentPrefixes))
  );
}

export function hasRole(principal: Principal, ...roles: Role[]): boolean {
  return principal.assignments.some((a) => roles.includes(a.role));
}
