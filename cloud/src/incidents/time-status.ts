import type { TrafficLight } from '../time-limits/index.js';
import type { Incident, IncidentStep } from './records.js';

/**
 * The time-limit state a person sees for an incident (docs/domain.md §4): open ones have the light
 * of their step, from its breach history (once breached, red until the step is done), when it became
 * overdue and the deadline now (the new level's after an escalation); closed ones no light but
 * their outcome.
 */
export interface IncidentTimeStatus {
  light: TrafficLight | null;
  overdue_since: Date | null;
  due_by: Date | null;
  /** Closed loops: `late` when any limit of the loop was passed (the timeline says which). */
  outcome: 'on_time' | 'late' | null;
}

/**
 * What the incident routes ask of the time limits. Declared here, answered by the deadlines module
 * (which builds on incidents), so the incidents need not know it.
 */
export interface IncidentTimeLimits {
  statusOf(incident: Incident, steps: readonly IncidentStep[], now?: Date): Promise<IncidentTimeStatus>;
  /** The arrival measure (到场时效) of the current round of work; null when none runs. */
  arrivalOf?(incident: Incident, steps: readonly IncidentStep[], now?: Date): Promise<IncidentArrival | null>;
}

/** From the dispatch to the assignee's arrival on site, against the catalogue's `arrive` limit. */
export interface IncidentArrival {
  measure: string;
  started_at: Date;
  due_by: Date;
  ended_at: Date | null;
  minutes: number;
  on_time: boolean | null;
  distance_m: number | null;
}
