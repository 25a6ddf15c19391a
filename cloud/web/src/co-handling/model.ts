import type { Step } from '../api.js';

/** A co-handling unit's task as `GET /incidents/{id}/co-handling` and `GET /co-tasks` give it. */
export interface CoTask {
  id: string;
  incident_id: string;
  unit: string;
  task: string;
  state: 'assigned' | 'accepted' | 'done' | 'refused' | 'reassigned';
  assigned_at: string;
  deadline: string;
  done_at: string | null;
  refusal_reason: string | null;
  escalated_at: string | null;
  supervision: string;
  light: 'green' | 'yellow' | 'red' | null;
  outcome: 'on_time' | 'late' | null;
  steps?: Step[];
  incident?: { id: string; title: string; state: string; category: string };
}

export interface CoHandling {
  incident_id: string;
  state: string;
  lead: string | null;
  tasks: CoTask[];
  copies: Array<{ unit: string; added_at: string }>;
  overrides: Array<{ reason: string; actor: string; at: string }>;
  open_tasks: number;
  units: Record<string, { zh: string; en: string }>;
  /** Units serving the place, for the centre to name (empty for others). */
  candidates: Array<{ id: string; name: { zh: string; en: string } }>;
}

/** The badge of a task: its light while open, its outcome when done, the mark once escalated. */
export function taskLight(task: CoTask): 'green' | 'yellow' | 'red' | 'on_time' | 'late' | 'overdue' | 'none' {
  if (task.outcome) return task.outcome;
  if (task.escalated_at && task.state !== 'done') return 'overdue';
  return task.light ?? 'none';
}

/** States in which co-handling units are named: the work is out with the lead. */
export const CO_HANDLING_STATES = ['DISPATCHED', 'IN_PROGRESS'];
