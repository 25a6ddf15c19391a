import type { CoTaskState } from '@gridlink/protocol';

/** A co-handling unit's task on an incident (联办), as stored. */
export interface CoTask {
  id: string;
  incidentId: string;
  unitId: string;
  task: string;
  state: CoTaskState;
  assignedAt: Date;
  assignedBy: string;
  deadline: Date;
  limitValue: number;
  limitUnit: string;
  acceptedAt: Date | null;
  doneAt: Date | null;
  refusedAt: Date | null;
  refusalReason: string | null;
  escalatedAt: Date | null;
  supervision: string;
  replaces: string | null;
}

export interface CoTaskRow {
  id: string;
  incident_id: string;
  unit_id: string;
  task: string;
  state: CoTaskState;
  assigned_at: Date;
  assigned_by: string;
  deadline: Date;
  limit_value: number;
  limit_unit: string;
  accepted_at: Date | null;
  done_at: Date | null;
  refused_at: Date | null;
  refusal_reason: string | null;
  escalated_at: Date | null;
  supervision: string;
  replaces: string | null;
}

export const toCoTask = (row: CoTaskRow): CoTask => ({
  id: String(row.id),
  incidentId: row.incident_id,
  unitId: row.unit_id,
  task: row.task,
  state: row.state,
  assignedAt: new Date(row.assigned_at),
  assignedBy: row.assigned_by,
  deadline: new Date(row.deadline),
  limitValue: row.limit_value,
  limitUnit: row.limit_unit,
  acceptedAt: row.accepted_at && new Date(row.accepted_at),
  doneAt: row.done_at && new Date(row.done_at),
  refusedAt: row.refused_at && new Date(row.refused_at),
  refusalReason: row.refusal_reason,
  escalatedAt: row.escalated_at && new Date(row.escalated_at),
  supervision: row.supervision,
  replaces: row.replaces === null ? null : String(row.replaces),
});

/** The steps co-handling writes on the incident's history (each keeps the incident's state). */
export const CO_STEP_ACTIONS = [
  'coAssign',
  'coAccept',
  'coFeedback',
  'coDone',
  'coRefuse',
  'coReassign',
  'coOverride',
  'coOverdue',
] as const;
export type CoStepAction = (typeof CO_STEP_ACTIONS)[number];
