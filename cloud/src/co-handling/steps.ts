import type { Queryable } from '../db/db.js';
import { message } from '../i18n/message.js';
import type { Attachment, IncidentRole, IncidentStep } from '../incidents/index.js';
import { insertStep, readIncidentRow, readStepOfRequest } from '../incidents/store.js';
import { CoHandlingRefusal } from './errors.js';
import type { CoStepAction } from './records.js';

type IncidentRow = NonNullable<Awaited<ReturnType<typeof readIncidentRow>>>;

export interface CoStepRequest {
  action: CoStepAction;
  requestId: string;
  actor: string;
  role: IncidentRole;
  comment?: string;
  attachments?: Attachment[];
  data: Record<string, unknown>;
}

/** The incident locked for a co-handling change (its steps are serialised with the loop's). */
export async function lockIncident(tx: Queryable, id: string): Promise<IncidentRow> {
  const row = await readIncidentRow(tx, id, { forUpdate: true });
  if (row === undefined) throw new CoHandlingRefusal('GL_INCIDENT_NOT_FOUND', message('incident.not_visible', { id }));
  return row;
}

/** The step of an earlier request with this id, when the request is a repeat (nothing is written again). */
export function earlierStep(tx: Queryable, incidentId: string, requestId: string) {
  return readStepOfRequest(tx, incidentId, requestId);
}

/**
 * Appends a co-handling step to the incident's history: append-only like the loop's steps, from
 * and to the state the incident is in (co-handling never moves it), with the incident's version
 * moved on so a page deciding on the older version reloads. Written in the caller's transaction,
 * with the incident locked ({@link lockIncident}).
 */
export async function writeCoStep(
  tx: Queryable,
  row: IncidentRow,
  request: CoStepRequest,
  at: Date,
): Promise<IncidentStep> {
  const { rows } = await tx.query<{ version: number }>(
    'UPDATE incidents SET version = version + 1, updated_at = $2 WHERE id = $1 RETURNING version',
    [row.id, at],
  );
  return insertStep(
    tx,
    {
      ...request,
      incidentId: row.id,
      from: row.state,
      to: row.state,
      version: (rows[0] as { version: number }).version,
      at,
    },
    row.created_at,
  );
}
