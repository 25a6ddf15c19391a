import type { CallbackChannel, CallbackSatisfaction, CallbackVerdict } from '@gridlink/protocol';
import type { Queryable } from '../db/db.js';
import type { Message } from '../i18n/message.js';
import type { IncidentEngine, StepHook, TransitionResult } from '../incidents/engine.js';
import { IncidentError } from '../incidents/errors.js';
import { CALLBACK_ACTIONS, CallbackStepData } from '../incidents/inputs.js';
import type { IncidentStep } from '../incidents/records.js';
import type { IncidentRole } from '../incidents/roles.js';

export type CallbackAction = (typeof CALLBACK_ACTIONS)[number];

/** A verdict as a callback step records it: every field known. */
export interface RecordedVerdict {
  satisfaction: CallbackSatisfaction;
  solved: boolean;
  note: string | null;
  channel: CallbackChannel;
}

/**
 * The engine's action for a verdict (docs/domain.md §3): satisfied or basically satisfied, and
 * actually solved, is a satisfied callback; unsatisfied, or not solved however pleased the resident
 * is, is an unsatisfied one, which the tenant's `unsatisfied_callback` policy sends back for rework
 * or only records.
 */
export function callbackActionFor(verdict: Pick<CallbackVerdict, 'satisfaction' | 'solved'>): CallbackAction {
  return verdict.satisfaction !== 'unsatisfied' && verdict.solved ? 'callbackSatisfied' : 'callbackUnsatisfied';
}

export const isCallbackAction = (action: string): action is CallbackAction =>
  (CALLBACK_ACTIONS as readonly string[]).includes(action);

/**
 * The verdict a callback step carries, its missing fields taken from the action (callers that only
 * pick the action keep working). Refused, naming the field, when the data is malformed or says
 * something the action does not (a "satisfied and solved" verdict sent as callbackUnsatisfied).
 */
export function verdictOfStep(step: Pick<IncidentStep, 'action' | 'data' | 'comment'>): RecordedVerdict {
  const parsed = CallbackStepData.safeParse(step.data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = `/data/${issue?.path.join('/') ?? ''}`;
    throw new IncidentError('GL_INCIDENT_INVALID_INPUT', `${field}: ${issue?.message ?? 'invalid verdict'}`, {
      field,
      pointer: field,
      problem: issue?.message ?? 'invalid verdict',
    });
  }
  const satisfied = step.action === 'callbackSatisfied';
  const data = parsed.data;
  const verdict: RecordedVerdict = {
    satisfaction: data.satisfaction ?? (satisfied ? 'satisfied' : 'unsatisfied'),
    solved: data.solved ?? (data.satisfaction === undefined ? satisfied : data.satisfaction !== 'unsatisfied'),
    note: data.note ?? step.comment ?? null,
    channel: data.channel ?? 'agent',
  };
  const expected = callbackActionFor(verdict);
  if (expected !== step.action) {
    const field = data.solved === undefined ? '/data/satisfaction' : '/data/solved';
    const problem = `satisfaction "${verdict.satisfaction}" with solved ${verdict.solved} is the action ${expected}, not ${step.action}`;
    throw new IncidentError('GL_INCIDENT_INVALID_INPUT', `${field}: ${problem}`, { field, pointer: field, problem });
  }
  return verdict;
}

/** Writes a callback step's verdict to `callback_verdicts`, in the step's transaction; once per request. */
export async function insertVerdict(tx: Queryable, step: IncidentStep, verdict: RecordedVerdict): Promise<void> {
  await tx.query(
    `INSERT INTO callback_verdicts (incident_id, request_id, action, satisfaction, solved, note, channel, actor, at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (incident_id, request_id) DO NOTHING`,
    [
      step.incidentId,
      step.requestId,
      step.action,
      verdict.satisfaction,
      verdict.solved,
      verdict.note,
      verdict.channel,
      step.actor,
      step.at,
    ],
  );
}

/**
 * The engine hook that keeps `callback_verdicts`: every callback step, whichever route took it
 * (`POST /incidents/{id}/transitions`, `POST /callbacks/{id}/verdict`, a resident's rating), has its
 * verdict checked and recorded with it; a malformed one refuses the step.
 */
export function verdictRecorder(): StepHook {
  return async ({ tx, step }) => {
    if (!isCallbackAction(step.action)) return;
    await insertVerdict(tx, step, verdictOfStep(step));
  };
}

/** Who gives the verdict: a user (callback agent, operator) or the cloud on a resident's behalf. */
export interface VerdictActor {
  id: string;
  role: IncidentRole;
}

export interface VerdictDeps {
  engine: IncidentEngine;
}

export interface VerdictOptions {
  /** Idempotency key: repeating it returns the first result. Default: one per incident version. */
  requestId?: string;
  expectedVersion?: number;
  /** The step's comment as a message, for a verdict the cloud records (the note stays in the data). */
  commentMessage?: Message;
}

/**
 * Records a callback's verdict on a closed incident: the engine's callbackSatisfied or
 * callbackUnsatisfied ({@link callbackActionFor}), carrying the verdict, which the engine's hook
 * ({@link verdictRecorder}) writes to `callback_verdicts` in the same transaction. The caller has
 * checked the actor's scope; the engine checks the role and the state.
 */
export async function recordVerdict(
  deps: VerdictDeps,
  incidentId: string,
  verdict: CallbackVerdict,
  channel: CallbackChannel,
  actor: VerdictActor,
  options: VerdictOptions = {},
): Promise<TransitionResult> {
  let version = options.expectedVersion;
  if (options.requestId === undefined && version === undefined) version = (await deps.engine.get(incidentId))?.version;
  const action = callbackActionFor(verdict);
  return deps.engine.transition({
    incidentId,
    action,
    requestId: options.requestId ?? `callback:${incidentId}:v${version ?? 0}:${channel}`,
    ...(version === undefined ? {} : { expectedVersion: version }),
    actor: actor.id,
    role: actor.role,
    ...(options.commentMessage
      ? { commentMessage: options.commentMessage }
      : verdict.note
        ? { comment: verdict.note }
        : {}),
    data: {
      satisfaction: verdict.satisfaction,
      solved: verdict.solved,
      channel,
      ...(verdict.note ? { note: verdict.note } : {}),
    },
  });
}

/** A verdict as `callback_verdicts` keeps it. */
export interface StoredVerdict extends RecordedVerdict {
  incidentId: string;
  action: CallbackAction;
  actor: string;
  at: Date;
}

/** The verdicts given on an incident, oldest first. */
export async function verdictsOf(q: Queryable, incidentId: string): Promise<StoredVerdict[]> {
  const { rows } = await q.query<{
    incident_id: string;
    action: CallbackAction;
    satisfaction: CallbackSatisfaction;
    solved: boolean;
    note: string | null;
    channel: CallbackChannel;
    actor: string;
    at: Date;
  }>('SELECT * FROM callback_verdicts WHERE incident_id = $1 ORDER BY id', [incidentId]);
  return rows.map((row) => ({
    incidentId: row.incident_id,
    action: row.action,
    satisfaction: row.satisfaction,
    solved: row.solved,
    note: row.note,
    channel: row.channel,
    actor: row.actor,
    at: row.at,
  }));
}
