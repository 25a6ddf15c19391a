import type { Principal } from '../people/scope.js';
import type { Incident } from './records.js';

/**
 * Access to an incident beyond the caller's scope that another module grants (co-handling: units
 * given a task or copied in). Consulted only after the scope check said no; never for steps of the
 * loop, which stay with the scope's roles.
 */
export interface IncidentGrants {
  /** Whether the principal may read the incident (its page, its files). */
  mayRead(principal: Principal, incident: Incident): Promise<boolean>;
  /** Whether the principal may attach files to it (a unit with an open task, for its feedback). */
  mayAttach(principal: Principal, incident: Incident): Promise<boolean>;
}
