import type { ScopeFilter } from './scope.js';

/** Where a table keeps what visibility is decided on (SQL expressions). */
export interface ScopeColumns {
  /** The row's territory code: its grid, else its community. */
  territory: string;
  /** The unit or person the work was dispatched to. */
  assignee?: string;
  gateway?: string;
  /** True when the row is of a closed incident. */
  closed?: string;
}

/** The columns of `incidents`, `incident_changes` and `held_alerts` (`closed` differs: see each). */
export const TERRITORY_OF_ROW = "coalesce(grid, community, '')";

/** A LIKE pattern for every code that starts with `prefix` (LIKE's own characters escaped). */
export const prefixPattern = (prefix: string): string => `${prefix.replace(/[\\%_]/g, '\\$&')}%`;

/**
 * `filter` as one SQL condition on `columns`, the same test {@link isVisible} makes in memory, with
 * its parameters numbered from `$first`. The one place scope becomes SQL: the incident list, the
 * live stream, held alerts and KPIs all filter with it. A list whose column a table does not have
 * is left out (held alerts have no assignee); an empty filter admits nothing.
 */
export function scopeCondition(
  filter: { readonly [List in keyof ScopeFilter]?: readonly string[] },
  columns: ScopeColumns,
  first: number,
): { sql: string; params: unknown[] } {
  const params: unknown[] = [];
  const param = (value: readonly string[]) => {
    params.push(value);
    return `$${first + params.length - 1}::text[]`;
  };
  const territories = [
    ...(filter.territoryPrefixes ?? []),
    ...(filter.gridCodes ?? []),
    ...(filter.communityCodes ?? []),
  ];
  const parts = [`${columns.territory} LIKE ANY(${param(territories.map(prefixPattern))})`];
  if (columns.assignee && filter.disposalUnitIds)
    parts.push(`${columns.assignee} = ANY(${param(filter.disposalUnitIds)})`);
  if (columns.gateway && filter.gatewayIds) parts.push(`${columns.gateway} = ANY(${param(filter.gatewayIds)})`);
  if (columns.closed && filter.closedIncidentPrefixes) {
    const closed = param(filter.closedIncidentPrefixes.map(prefixPattern));
    parts.push(`(${columns.closed} AND ${columns.territory} LIKE ANY(${closed}))`);
  }
  return { sql: `(${parts.join(' OR ')})`, params };
}
