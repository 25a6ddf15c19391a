import type { IncidentState, ResidentStatus } from '@gridlink/protocol';

/** The resident's four words for the closed loop's states: what they need to know, nothing of who. */
export const RESIDENT_STATUS: Record<IncidentState, ResidentStatus> = {
  REPORTED: 'received',
  VERIFYING: 'received',
  ACCEPTED: 'received',
  FILED: 'being_handled',
  DISPATCHED: 'being_handled',
  IN_PROGRESS: 'being_handled',
  SUSPENDED: 'being_handled',
  HANDLED: 'handled',
  CHECKING: 'handled',
  PENDING_CLOSE: 'handled',
  SELF_HANDLED: 'handled',
  CLOSED: 'closed',
  EVALUATED: 'closed',
  ARCHIVED: 'closed',
  INVALID: 'closed',
  MERGED: 'closed',
};

export const RESIDENT_STEPS: readonly ResidentStatus[] = ['received', 'being_handled', 'handled', 'closed'];

/** Open311's two words. */
export const open311Status = (state: IncidentState) => (RESIDENT_STATUS[state] === 'closed' ? 'closed' : 'open');
