import type { IncidentState } from '@gridlink/protocol';
import type { Incident } from './records.js';

/** States in which nobody has the work yet: it waits on the centre to file and dispatch it. */
export const UNASSIGNED_STATES: readonly IncidentState[] = ['REPORTED', 'VERIFYING', 'ACCEPTED', 'FILED'];

/**
 * An urgent incident nobody has been dispatched to (docs/domain.md §4): the centre's list shows it
 * first and raises an alarm until someone takes it. A life-safety incident must never wait unseen.
 */
export function needsAttention(incident: Pick<Incident, 'urgent' | 'state' | 'assignee' | 'closedAt'>): boolean {
  return (
    incident.urgent &&
    incident.closedAt === null &&
    incident.assignee === null &&
    UNASSIGNED_STATES.includes(incident.state)
  );
}

/** The same test in SQL over the `incidents` table, for ordering a list. */
export const NEEDS_ATTENTION_SQL = `(urgent AND closed_at IS NULL AND assignee IS NULL AND state IN (${UNASSIGNED_STATES.map((state) => `'${state}'`).join(', ')}))`;
