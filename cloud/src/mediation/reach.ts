import type { Principal } from '../people/scope.js';
import { prefixPattern } from '../people/scope-sql.js';

/**
 * Who has a part in mediation, and where. Operators and district admins over a territory and grid
 * workers in their grids open cases and act on every case there; a mediator acts only on the cases
 * assigned to it, and only inside its own scope (least privilege: a case moved out of its territory
 * is no longer its). Nobody else has any part.
 */
export interface MediationReach {
  userId: string;
  /** Territories (and grids) whose cases the user opens, reads and acts on. */
  territoryPrefixes: string[];
  /** Territories where the user mediates the cases assigned to it. */
  mediatorPrefixes: string[];
}

export function reachOf(principal: Principal): MediationReach {
  const scopes = (...roles: string[]) => [
    ...new Set(principal.assignments.filter((a) => roles.includes(a.role)).map((a) => a.scope)),
  ];
  return {
    userId: principal.userId,
    territoryPrefixes: scopes('district_admin', 'operator', 'grid_worker').sort(),
    mediatorPrefixes: scopes('mediator').sort(),
  };
}

export const usesMediation = (reach: MediationReach): boolean =>
  reach.territoryPrefixes.length + reach.mediatorPrefixes.length > 0;

/** Whether the user opens cases for incidents at `territory` (and acts on any case there). */
export const covers = (reach: MediationReach, territory: string): boolean =>
  reach.territoryPrefixes.some((prefix) => territory.startsWith(prefix));

/** Whether the user reads and acts on a case. */
export const reachesCase = (reach: MediationReach, c: { territory: string; mediator_id: string }): boolean =>
  covers(reach, c.territory) ||
  (c.mediator_id === reach.userId && reach.mediatorPrefixes.some((prefix) => c.territory.startsWith(prefix)));

/** {@link reachesCase} as SQL on `mediation_cases c`, its parameters appended to `params`. */
export function reachCondition(reach: MediationReach, params: unknown[]): string {
  params.push(reach.territoryPrefixes.map(prefixPattern));
  const own = `$${params.length}`;
  params.push(reach.userId);
  const me = `$${params.length}`;
  params.push(reach.mediatorPrefixes.map(prefixPattern));
  const mediated = `$${params.length}`;
  return `(c.territory LIKE ANY(${own}::text[]) OR (c.mediator_id = ${me} AND c.territory LIKE ANY(${mediated}::text[])))`;
}
