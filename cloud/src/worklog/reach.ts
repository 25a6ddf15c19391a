import type { Queryable } from '../db/db.js';
import type { Principal } from '../people/scope.js';

/**
 * Whose entries a user reads, and where they write: the work log is the grid workers' own, read by
 * those who supervise them. Property managers, disposal units, installers and callback agents have
 * no part in it.
 */
export interface WorklogReach {
  userId: string;
  /** Grids the user writes in: their grid_worker roles. */
  ownGrids: string[];
  /** Territories the user supervises: operators and district/street admins over them. */
  territoryPrefixes: string[];
  /** Grids the user leads as grid chief 网格长 (`grid_members`): they read all of the grid's entries. */
  chiefGrids: string[];
}

export async function reachOf(q: Queryable, principal: Principal): Promise<WorklogReach> {
  const scopes = (...roles: string[]) =>
    principal.assignments.filter((a) => roles.includes(a.role)).map((a) => a.scope);
  const { rows } = await q.query<{ grid_code: string }>(
    "SELECT grid_code FROM grid_members WHERE user_id = $1 AND position = 'grid_chief' ORDER BY grid_code",
    [principal.userId],
  );
  return {
    userId: principal.userId,
    ownGrids: [...new Set(scopes('grid_worker'))].sort(),
    territoryPrefixes: [...new Set(scopes('district_admin', 'operator'))].sort(),
    chiefGrids: rows.map((row) => row.grid_code),
  };
}

/** Whether the user has any part in the work log. */
export const usesWorklog = (reach: WorklogReach): boolean =>
  reach.ownGrids.length + reach.territoryPrefixes.length + reach.chiefGrids.length > 0;

/** Whether the user supervises the workers of `grid`: reads their entries and may reveal who they met. */
export const supervises = (reach: WorklogReach, grid: string): boolean =>
  reach.territoryPrefixes.some((prefix) => grid.startsWith(prefix)) || reach.chiefGrids.includes(grid);

/** Whether the user reads an entry: their own, or one of a grid they supervise. */
export const readsEntry = (reach: WorklogReach, entry: { author: { id: string }; grid: { code: string } }): boolean =>
  entry.author.id === reach.userId || supervises(reach, entry.grid.code);
