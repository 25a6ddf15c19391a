import type { Queryable } from '../db/db.js';
import { ProblemError } from '../http/problems.js';
import { message } from '../i18n/message.js';
import type { Principal } from '../people/scope.js';

/**
 * Who does what in patrol. Supervisors of a grid are the operators (dispatch centres) and district
 * admins whose territory holds it, and the grid's chief (网格长, `grid_members.position =
 * 'grid_chief'`): in the 1+1+N roster the chief leads the grid's workers day to day, so they plan
 * its routes and see its workers' trajectories and live positions, but do not dispatch tasks
 * (that stays the centre's). Workers see and walk their own grids' plans, and only their own
 * trajectories.
 */
export function supervisesByRole(principal: Principal, grid: string): boolean {
  return principal.assignments.some(
    (a) => (a.role === 'operator' || a.role === 'district_admin') && grid.startsWith(a.scope),
  );
}

/** Whether the user is the chief of the grid (grid_members). */
export async function isGridChief(db: Queryable, userId: string, grid: string): Promise<boolean> {
  const { rows } = await db.query(
    "SELECT 1 FROM grid_members WHERE grid_code = $1 AND user_id = $2 AND position = 'grid_chief'",
    [grid, userId],
  );
  return rows.length > 0;
}

/** The grids the user is chief of. */
export async function chiefGrids(db: Queryable, userId: string): Promise<string[]> {
  const { rows } = await db.query<{ grid_code: string }>(
    "SELECT grid_code FROM grid_members WHERE user_id = $1 AND position = 'grid_chief' ORDER BY grid_code",
    [userId],
  );
  return rows.map((r) => r.grid_code);
}

export async function supervises(db: Queryable, principal: Principal, grid: string): Promise<boolean> {
  return supervisesByRole(principal, grid) || (await isGridChief(db, principal.userId, grid));
}

/** The grids the principal works in as a grid worker. */
export function workerGrids(principal: Principal): string[] {
  return principal.assignments.filter((a) => a.role === 'grid_worker').map((a) => a.scope);
}

/** Whether the principal may read a grid's plans: its workers and supervisors. */
export async function readsPlans(db: Queryable, principal: Principal, grid: string): Promise<boolean> {
  return workerGrids(principal).includes(grid) || (await supervises(db, principal, grid));
}

/** 403 unless the principal may change the grid's patrol routes. */
export async function requirePlanEditor(db: Queryable, principal: Principal, grid: string): Promise<void> {
  if (!(await supervises(db, principal, grid)))
    throw new ProblemError('GL_FORBIDDEN', message('patrol.may_not_plan', { grid }));
}

/** 403 unless the principal dispatches over the grid (operators and district admins). */
export function requireDispatcher(principal: Principal, grid: string): void {
  if (!supervisesByRole(principal, grid))
    throw new ProblemError('GL_FORBIDDEN', message('patrol.may_not_assign', { grid }));
}

/** Whether `userId` holds the grid worker role of `grid`. */
export async function isWorkerOf(db: Queryable, userId: string, grid: string): Promise<boolean> {
  const { rows } = await db.query(
    "SELECT 1 FROM role_assignments WHERE user_id = $1 AND role = 'grid_worker' AND scope = $2",
    [userId, grid],
  );
  return rows.length > 0;
}
