import type { CategoryCatalogue } from '../categories/catalogue.js';
import type { Queryable } from '../db/db.js';
import { categoryLineage, type Incident } from '../incidents/index.js';
import type { RosterStore } from '../people/rosters.js';

/** Where automatic dispatch sends an incident, and why. */
export type DispatchTarget =
  /** The disposal unit of the category's unit type serving the incident's territory (longest match). */
  | { outcome: 'disposal_unit'; assignee: string; reason: string }
  /** The grid's on-duty worker, the substitute of one on leave, or the grid chief. */
  | { outcome: 'grid_worker'; assignee: string; reason: 'on_duty' | 'substitute' | 'grid_chief' }
  /** Nobody to dispatch to: the incident stays FILED and the operators over its community decide. */
  | { outcome: 'operators'; recipients: string[]; reason: 'no_grid' | 'nobody_on_duty' | 'returned' };

/** The territory an incident belongs to: its grid, else its community, else none. */
export const territoryOf = (incident: Incident): string | undefined =>
  incident.place.grid ?? incident.place.community ?? undefined;

/** The unit type of the category or of its nearest parent that names one (tenant data). */
export async function unitTypeOf(catalogue: CategoryCatalogue, code: string): Promise<string | undefined> {
  for (const candidate of categoryLineage(code)) {
    const category = await catalogue.get(candidate);
    if (category?.unit_type !== undefined) return category.unit_type;
  }
  return undefined;
}

/** The unit of `unitType` whose territory is the longest prefix of `territory` (ties: by id). */
export async function unitServing(db: Queryable, unitType: string, territory: string): Promise<string | undefined> {
  const { rows } = await db.query<{ id: string }>(
    `SELECT id FROM disposal_units WHERE unit_type = $1 AND starts_with($2, territory_code)
      ORDER BY length(territory_code) DESC, id LIMIT 1`,
    [unitType, territory],
  );
  return rows[0]?.id;
}

/**
 * The active operators of the nearest centre over `territory`: those whose centre territory is the
 * longest prefix of it (the community's centre, else the street's, else the district's).
 */
export async function operatorsOver(db: Queryable, territory: string | undefined): Promise<string[]> {
  if (territory === undefined) return [];
  const { rows } = await db.query<{ user_id: string; scope: string }>(
    `SELECT r.user_id, r.scope FROM role_assignments r JOIN users u ON u.id = r.user_id
      WHERE r.role = 'operator' AND u.active AND starts_with($1, r.scope)`,
    [territory],
  );
  const longest = Math.max(0, ...rows.map((row) => row.scope.length));
  return [...new Set(rows.filter((row) => row.scope.length === longest).map((row) => row.user_id))].sort();
}

/**
 * Domain §1 and §3: the category's responsible unit when one of that type serves the place; else
 * the grid's roster ({@link RosterStore.onDutyFor}); else the operators over the community.
 */
export async function chooseTarget(
  deps: { db: Queryable; catalogue: CategoryCatalogue; rosters: RosterStore },
  incident: Incident,
  at: Date,
): Promise<DispatchTarget> {
  const territory = territoryOf(incident);
  if (territory !== undefined) {
    const unitType = await unitTypeOf(deps.catalogue, incident.categoryCode);
    const unit = unitType === undefined ? undefined : await unitServing(deps.db, unitType, territory);
    if (unit !== undefined) return { outcome: 'disposal_unit', assignee: unit, reason: `unit_type ${unitType}` };
  }
  const community = incident.place.community ?? incident.place.grid?.slice(0, 12) ?? undefined;
  if (incident.place.grid === null)
    return { outcome: 'operators', recipients: await operatorsOver(deps.db, community), reason: 'no_grid' };
  const duty = await deps.rosters.onDutyFor(incident.place.grid, at);
  if (duty === undefined)
    return { outcome: 'operators', recipients: await operatorsOver(deps.db, community), reason: 'nobody_on_duty' };
  return { outcome: 'grid_worker', assignee: duty.userId, reason: duty.reason };
}
