import type { IncidentStreamChange } from '@gridlink/protocol';
import { z } from 'zod';
import type { Queryable } from '../db/db.js';
import { isVisible, type ScopeFilter } from '../people/scope.js';
import { scopeCondition, TERRITORY_OF_ROW } from '../people/scope-sql.js';

/** The channel the `incident_changes` trigger notifies on (migration 0016). */
export const CHANGES_CHANNEL = 'gl_incident_changes';

/**
 * One row of `incident_changes`, as the trigger's notification and as a query return it: what the
 * stream shows, and what its scope test needs (the unit it is dispatched to, its gateway, closed).
 */
export const IncidentChange = z.object({
  seq: z.number().int().positive(),
  incident_id: z.string(),
  version: z.number().int(),
  state: z.string(),
  category_code: z.string(),
  severity: z.string(),
  grid: z.string().nullable(),
  community: z.string().nullable(),
  assignee: z.string().nullable(),
  gateway_id: z.string().nullable(),
  closed: z.boolean(),
  updated_at: z.coerce.date(),
});
export type IncidentChange = z.infer<typeof IncidentChange>;

/** Whether a change is in the scope of the incidents list (`GET /incidents`) of `filter`. */
export function changeVisible(filter: ScopeFilter, change: IncidentChange): boolean {
  return isVisible(filter, {
    territoryCode: change.grid ?? change.community ?? '',
    disposalUnitId: change.assignee,
    gatewayId: change.gateway_id,
    closed: change.closed,
  });
}

/** The stream's `event: incident` (the protocol's IncidentStreamChange): the list row's keys, no personal data. */
export function changeFrame(change: IncidentChange): string {
  const data: IncidentStreamChange = {
    id: change.incident_id,
    version: change.version,
    state: change.state as IncidentStreamChange['state'],
    category: change.category_code,
    severity: change.severity as IncidentStreamChange['severity'],
    grid: change.grid,
    community: change.community,
    updated_at: change.updated_at.toISOString(),
  };
  return `event: incident\nid: ${change.seq}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** Tells the client to read its list again (what it missed cannot be replayed); `id` moves it on. */
export function reloadFrame(lastSeq: number, reason: string): string {
  return `event: reload\nid: ${lastSeq}\ndata: ${JSON.stringify({ reason })}\n\n`;
}

/** The first and last change kept (null when none is). */
export async function changeRange(db: Queryable): Promise<{ first: number | null; last: number | null }> {
  const { rows } = await db.query<{ first: number | null; last: number | null }>(
    'SELECT min(seq) AS first, max(seq) AS last FROM incident_changes',
  );
  return rows[0] ?? { first: null, last: null };
}

/** Changes after `after`, oldest first, at most `limit`. */
export async function changesAfter(db: Queryable, after: number, limit: number): Promise<IncidentChange[]> {
  const { rows } = await db.query('SELECT * FROM incident_changes WHERE seq > $1 ORDER BY seq LIMIT $2', [
    after,
    limit,
  ]);
  return rows.map((row) => IncidentChange.parse(row));
}

/**
 * Changes after `after` that `filter` may see, oldest first, at most `limit`: the same test as the
 * incidents list's query (territory prefixes, grids and communities; the unit it is dispatched to;
 * its gateway; closed ones for callback agents), on the change's own columns.
 */
export async function visibleChangesAfter(
  db: Queryable,
  filter: ScopeFilter,
  after: number,
  limit: number,
): Promise<IncidentChange[]> {
  const scope = scopeCondition(
    filter,
    { territory: TERRITORY_OF_ROW, assignee: 'assignee', gateway: 'gateway_id', closed: 'closed' },
    3,
  );
  const { rows } = await db.query(
    `SELECT * FROM incident_changes WHERE seq > $1 AND ${scope.sql} ORDER BY seq LIMIT $2`,
    [after, limit, ...scope.params],
  );
  return rows.map((row) => IncidentChange.parse(row));
}
