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
}
