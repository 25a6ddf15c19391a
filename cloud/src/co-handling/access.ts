import type { IncidentGrants } from '../incidents/grants.js';
import type { Incident, IncidentEngine } from '../incidents/index.js';
import type { Principal } from '../people/scope.js';
import type { CoHandlingStore } from './store.js';

/** The disposal units the principal works for (their `disposal_unit` roles' scopes). */
export const unitsOf = (principal: Principal): string[] =>
  principal.assignments.filter((a) => a.role === 'disposal_unit').map((a) => a.scope);

const territoryOf = (incident: Incident) => incident.place.grid ?? incident.place.community ?? '';

/** An operator of the incident's territory (the centre that dispatched it): they run its co-handling. */
export const operatesOn = (principal: Principal, incident: Incident): boolean =>
  principal.assignments.some((a) => a.role === 'operator' && territoryOf(incident).startsWith(a.scope));

/**
 * What co-handling grants beyond the scope (the incidents' read check consults it): the users of a
 * unit given a task on the incident, or copied in, read it and its files; a unit with an open task
 * attaches its feedback photos. Nothing else: the loop's steps stay the lead's and the centre's.
 */
export function coHandlingGrants(store: CoHandlingStore): IncidentGrants {
  return {
    mayRead: (principal, incident) => store.involves(incident.id, unitsOf(principal)),
    mayAttach: (principal, incident) => store.involves(incident.id, unitsOf(principal), true),
  };
}

/** The transition guard for the engine: the lead's gate (see {@link CoHandlingStore.gate}). */
export function coHandlingGate(store: CoHandlingStore): Parameters<IncidentEngine['onGuard']>[0] {
  return ({ tx, incident, rule }) => store.gate(tx, incident, rule);
}
