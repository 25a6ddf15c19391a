/**
 * What a list or a header shows of an incident's time limits, as the server reads them (docs/domain.md
 * §4): the light of its open step (overdue once a limit was passed, until the step is done), or for a
 * closed loop its outcome.
 */
export type Light = 'green' | 'yellow' | 'red' | 'overdue' | 'on_time' | 'late' | 'none';

/** The server's time-limit state of an incident, or a step's own light (`{ light }` only). */
export interface TimeStatus {
  light: string | null;
  overdue_since?: string | null;
  due_by?: string | null;
  outcome?: string | null;
}

export function lightOf(status: TimeStatus): Light {
  if (status.outcome === 'on_time' || status.outcome === 'late') return status.outcome;
  if (status.overdue_since) return 'overdue';
  if (status.light === 'green' || status.light === 'yellow' || status.light === 'red') return status.light;
  return 'none';
}
