import type { IncidentSource, Severity, TerritoryLevel } from '@gridlink/protocol';
import type { Queryable } from '../db/db.js';
import type { WriteStatement } from '../db/write-statement.js';
import type { Message } from '../i18n/message.js';
import { render } from '../i18n/render.js';
import type { ScopeFilter } from '../people/scope.js';
import { scopeCondition, TERRITORY_OF_ROW } from '../people/scope-sql.js';
import { NEEDS_ATTENTION_SQL } from './attention.js';
import {
  type Attachment,
  type Incident,
  type IncidentPlace,
  type IncidentPosition,
  type IncidentRow,
  type IncidentStep,
  type StepRow,
  toIncident,
  toStep,
} from './records.js';
import type { IncidentRole } from './roles.js';

/**
 * The SQL of the `incidents` table and of its steps (`incident_steps`): what the engine, alert
 * intake, automatic dispatch, time limits and the HTTP routes read and write of them. Every
 * function takes the connection or transaction it runs on: steps and their incident are written
 * in one transaction, and a step's hooks read through it.
 */

// ——— incidents ———

/** One incident's row; `forUpdate` locks it for the transaction (steps of one incident run one at a time). */
export async function readIncidentRow(
  q: Queryable,
  id: string,
  { forUpdate }: { forUpdate: boolean },
): Promise<IncidentRow | undefined> {
  const { rows } = await q.query<IncidentRow>(
    `SELECT * FROM incidents WHERE id = $1${forUpdate ? ' FOR UPDATE' : ''}`,
    [id],
  );
  return rows[0];
}

/** The incidents of these ids that exist, in no particular order. */
export async function readIncidents(q: Queryable, ids: readonly string[]): Promise<Incident[]> {
  const { rows } = await q.query<IncidentRow>('SELECT * FROM incidents WHERE id = ANY($1::text[])', [ids]);
  return rows.map(toIncident);
}

/** What a list of incidents is narrowed to; a category takes its children too. */
export interface IncidentListFilter {
  state?: string | undefined;
  category?: string | undefined;
  grid?: string | undefined;
  community?: string | undefined;
  severity?: string | undefined;
  limit: number;
}

/**
 * The incidents within `scope` that the filter keeps: the urgent ones nobody has been dispatched
 * to first, then newest first.
 */
export async function listIncidents(q: Queryable, filter: IncidentListFilter, scope: ScopeFilter): Promise<Incident[]> {
  const condition = scopeCondition(
    scope,
    { territory: TERRITORY_OF_ROW, assignee: 'assignee', gateway: 'gateway_id', closed: 'closed_at IS NOT NULL' },
    7,
  );
  const { rows } = await q.query<IncidentRow>(
    `SELECT * FROM incidents
      WHERE ${condition.sql}
        AND ($1::text IS NULL OR state = $1)
        AND ($3::text IS NULL OR category_code = $3 OR starts_with(category_code, $3 || '.'))
        AND ($4::text IS NULL OR grid = $4)
        AND ($5::text IS NULL OR community = $5)
        AND ($6::text IS NULL OR severity = $6)
      ORDER BY ${NEEDS_ATTENTION_SQL} DESC, created_at DESC, id DESC LIMIT $2`,
    [
      filter.state ?? null,
      filter.limit,
      filter.category ?? null,
      filter.grid ?? null,
      filter.community ?? null,
      filter.severity ?? null,
      ...condition.params,
    ],
  );
  return rows.map(toIncident);
}

/**
 * The incident a report request made already, if any. Reports stored before the key named its
 * actor (`legacyRequestId`) are found by the same actor alone.
 */
export async function findReportedIncident(
  q: Queryable,
  request: { intakeRequestId: string; legacyRequestId: string; actor: string },
): Promise<IncidentRow | undefined> {
  const { rows } = await q.query<IncidentRow>(
    `SELECT i.* FROM incidents AS i
      WHERE i.intake_request_id = $1
         OR (i.intake_request_id = $2
             AND EXISTS (SELECT 1 FROM incident_steps AS s WHERE s.incident_id = i.id AND s.seq = 1 AND s.actor = $3))
      LIMIT 1`,
    [request.intakeRequestId, request.legacyRequestId, request.actor],
  );
  return rows[0];
}

/**
 * Incidents automatic dispatch may concern whose current version it has not decided on: filed
 * ones, and (with the fast track) urgent IoT ones still reported or accepted.
 */
export async function incidentsAwaitingDispatch(
  q: Queryable,
  { fastTrackUrgentIot, limit }: { fastTrackUrgentIot: boolean; limit: number },
): Promise<string[]> {
  const { rows } = await q.query<{ id: string }>(
    `SELECT i.id FROM incidents i
      WHERE i.closed_at IS NULL
        AND (i.state = 'FILED' OR ($1 AND i.source = 'iot' AND i.urgent AND i.state IN ('REPORTED', 'ACCEPTED')))
        AND NOT EXISTS (SELECT 1 FROM dispatch_decisions d WHERE d.incident_id = i.id AND d.version = i.version)
      LIMIT $2`,
    [fastTrackUrgentIot, limit],
  );
  return rows.map((row) => row.id);
}

/** A stored incident an alert batch may touch, with the batch's alerts already linked to it (`gateway/alert`). */
export type IntakeIncidentRow = IncidentRow & { linked_alerts: string[] | null };

/**
 * The incidents an alert batch may touch, locked in id order: those its alerts are linked to, and
 * the open ones of its dedup keys whose last alert is at or after `openSince`. Each key is looked
 * up on its own, an index probe each (LATERAL; OFFSET 0 keeps the planner from turning it into a
 * join): over a growing table whose statistics lag (a fresh deployment, a burst), `= ANY(array)`
 * or a join is planned as a full scan of the table for every batch.
 */
export async function lockIntakeIncidents(
  tx: Queryable,
  wanted: {
    alerts: ReadonlyArray<{ gatewayId: string; alertId: string }>;
    dedupKeys: readonly string[];
    openSince: Date;
  },
): Promise<IntakeIncidentRow[]> {
  const { rows } = await tx.query<IntakeIncidentRow>(
    `WITH links AS (
       SELECT a.gateway_id || '/' || a.alert_id AS alert_key, a.incident_id
         FROM unnest($1::text[], $4::text[]) AS u(gateway_id, alert_id)
         JOIN LATERAL (SELECT gateway_id, alert_id, incident_id FROM incident_alerts
                        WHERE gateway_id = u.gateway_id AND alert_id = u.alert_id OFFSET 0) AS a
           ON true
     ), wanted AS (
       SELECT incident_id AS id FROM links
       UNION
       SELECT o.id FROM unnest($2::text[]) AS k(dedup_key)
         JOIN LATERAL (SELECT id FROM incidents
                        WHERE dedup_key = k.dedup_key AND closed_at IS NULL AND last_occurred_at >= $3 OFFSET 0) AS o
           ON true
     )
     SELECT i.*, (SELECT array_agg(l.alert_key) FROM links AS l WHERE l.incident_id = i.id) AS linked_alerts
       FROM incidents AS i
      WHERE i.id = ANY(ARRAY(SELECT id FROM wanted))
      ORDER BY i.id FOR UPDATE OF i`,
    [
      wanted.alerts.map((alert) => alert.gatewayId),
      wanted.dedupKeys,
      wanted.openSince,
      wanted.alerts.map((alert) => alert.alertId),
    ],
  );
  return rows;
}

/** A new incident's columns (reports and single creations); its place fills what it names. */
export interface NewIncident extends IncidentPlace {
  id: string;
  state: string;
  intakeRequestId: string;
  categoryCode: string;
  severity: Severity;
  urgent: boolean;
  level: TerritoryLevel;
  source: IncidentSource;
  drill: boolean;
  alertId: string | null;
  dedupKey: string | null;
  occurredAt: Date;
  title: string;
  description: string | null;
  createdAt: Date;
  /** Where it is, when a phone said so (WGS-84). */
  position?: IncidentPosition | null;
  /** A deadline set from outside (a hotline platform's), see {@link Incident.externalDeadline}. */
  externalDeadline?: Date | null;
}

export async function insertIncident(tx: Queryable, fields: NewIncident): Promise<IncidentRow> {
  // The position's columns only when there is one: most incidents have none (alerts, hotline).
  // Likewise the external deadline (hotline orders only).
  const optional: Array<[string, unknown]> = [
    ...(fields.position
      ? ([
          ['position_lon', fields.position.lon],
          ['position_lat', fields.position.lat],
          ['position_accuracy_m', fields.position.accuracyM],
        ] as Array<[string, unknown]>)
      : []),
    ...(fields.externalDeadline ? ([['external_deadline', fields.externalDeadline]] as Array<[string, unknown]>) : []),
  ];
  const columns = optional.map(([column]) => `, ${column}`).join('');
  const values = optional.map((_, index) => `, $${25 + index}`).join('');
  const { rows } = await tx.query<IncidentRow>(
    `INSERT INTO incidents (id, state, category_code, severity, urgent, level, source, drill, community, grid,
            building, unit, floor, room, device_id, gateway_id, address, alert_id, intake_request_id, dedup_key,
            first_occurred_at, last_occurred_at, title, description, created_at, updated_at${columns})
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20,
             $21, $21, $22, $23, $24, $24${values})
     RETURNING *`,
    [
      fields.id,
      fields.state,
      fields.categoryCode,
      fields.severity,
      fields.urgent,
      fields.level,
      fields.source,
      fields.drill,
      fields.community,
      fields.grid,
      fields.building,
      fields.unit,
      fields.floor,
      fields.room,
      fields.deviceId,
      fields.gatewayId,
      fields.address,
      fields.alertId,
      fields.intakeRequestId,
      fields.dedupKey,
      fields.occurredAt,
      fields.title,
      fields.description,
      fields.createdAt,
      ...optional.map(([, value]) => value),
    ],
  );
  return rows[0] as IncidentRow;
}

/** An incident born from a gateway alert (or from the alerts of a reached repeat threshold). */
export interface NewAlertIncident {
  categoryCode: string;
  severity: Severity;
  place:
    | { community?: string; grid?: string; building?: string; unit?: string; floor?: number; room?: string }
    | undefined;
  deviceId: string;
  gatewayId: string;
  alertId: string;
  dedupKey: string;
  occurredAt: Date;
  firstOccurredAt: Date;
  occurrences: number;
  /** The title as zh-CN text, and as the message that renders it in the reader's language. */
  title: string;
  titleMessage: Message;
  /** The creation step's actor and its record of why. */
  actor: string;
  data: Record<string, unknown>;
  /** The creation step's time limit, when the time limits planned one. */
  limit?: StepLimit | undefined;
}

/**
 * New incidents from alerts and their first steps in one statement: numbered from the case-number
 * sequence in the given order (`numberedOn` the China date of the number), each with its creation
 * step; returned in the given order.
 */
export async function insertAlertIncidents(
  tx: Queryable,
  creations: readonly NewAlertIncident[],
  creation: { action: string; to: string; numberedOn: string; drill: boolean; now: Date },
): Promise<Array<{ row: IncidentRow; step: IncidentStep }>> {
  const column = <T>(pick: (created: NewAlertIncident) => T) => creations.map(pick);
  const { rows } = await tx.query<IncidentRow & PrefixedStep>(
    `WITH created AS (
     INSERT INTO incidents (id, state, category_code, severity, urgent, level, source, drill, community, grid,
              building, unit, floor, room, device_id, gateway_id, alert_id, intake_request_id, dedup_key,
              occurrences, first_occurred_at, last_occurred_at, title, description, title_message, created_at, updated_at)
       SELECT 'INC-' || $16 || '-' || lpad(n::text, greatest(6, length(n::text)), '0'), $17, category_code, severity,
              severity = 'critical', 'community', 'iot', $18, community, grid, building, unit, floor, room, device_id,
              gateway_id, alert_id, 'alert:' || gateway_id || '/' || alert_id, dedup_key, occurrences, first_occurred_at, occurred_at, title,
              description, title_message::jsonb, $19, $19
         FROM (SELECT v.*, nextval('incident_number') AS n
                 FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::integer[],
                             $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::timestamptz[],
                             $14::text[], $15::text[], $20::integer[], $21::timestamptz[], $25::text[])
                   WITH ORDINALITY AS v(category_code, severity, community, grid, building, unit, floor, room,
                        device_id, gateway_id, alert_id, dedup_key, occurred_at, title, description, occurrences,
                        first_occurred_at, title_message, position)
                ORDER BY position) AS numbered
       RETURNING *
     ), steps AS (
       INSERT INTO incident_steps (incident_id, district, seq, request_id, action, from_state, to_state, version, actor,
              role, data, at, deadline, light, deadline_change)
       SELECT c.id, c.district, 1, c.intake_request_id, $22, NULL, c.state, c.version, v.actor, 'system', v.data::jsonb, $19,
              v.deadline, v.light, v.deadline_change::jsonb
         FROM created AS c JOIN unnest($10::text[], $11::text[], $23::text[], $24::text[], $26::timestamptz[], $27::text[], $28::text[])
                                  AS v(gateway_id, alert_id, actor, data, deadline, light, deadline_change)
           ON v.gateway_id = c.gateway_id AND v.alert_id = c.alert_id
       RETURNING *
     )
     SELECT c.*, ${STEP_COLUMNS.map((name) => `s.${name} AS step_${name}`).join(', ')}
       FROM created AS c JOIN steps AS s ON s.incident_id = c.id`,
    [
      column((created) => created.categoryCode),
      column((created) => created.severity),
      column((created) => created.place?.community ?? null),
      column((created) => created.place?.grid ?? null),
      column((created) => created.place?.building ?? null),
      column((created) => created.place?.unit ?? null),
      column((created) => created.place?.floor ?? null),
      column((created) => created.place?.room ?? null),
      column((created) => created.deviceId),
      column((created) => created.gatewayId),
      column((created) => created.alertId),
      column((created) => created.dedupKey),
      column((created) => created.occurredAt.toISOString()),
      column((created) => created.title),
      // The title keeps both languages and renders the reader's: no description repeats it.
      column(() => null),
      creation.numberedOn,
      creation.to,
      creation.drill,
      creation.now,
      column((created) => created.occurrences),
      column((created) => created.firstOccurredAt.toISOString()),
      creation.action,
      column((created) => created.actor),
      column((created) => JSON.stringify(created.data)),
      column((created) => JSON.stringify(created.titleMessage)),
      column((created) => limitColumns(created.limit)[0]),
      column((created) => limitColumns(created.limit)[1]),
      column((created) => limitColumns(created.limit)[2]),
    ],
  );
  const byAlert = new Map<string, { row: IncidentRow; step: IncidentStep }>();
  for (const joined of rows) {
    const row = { ...joined } as Record<string, unknown>;
    const step = {} as Record<string, unknown>;
    for (const name of STEP_COLUMNS) {
      step[name] = row[`step_${name}`];
      delete row[`step_${name}`];
    }
    byAlert.set(JSON.stringify([joined.gateway_id, joined.alert_id]), {
      row: row as unknown as IncidentRow,
      step: toStep(step as unknown as StepRow),
    });
  }
  return creations.map(
    (created) =>
      byAlert.get(JSON.stringify([created.gatewayId, created.alertId])) as { row: IncidentRow; step: IncidentStep },
  );
}

const STEP_COLUMNS = [
  'incident_id',
  'seq',
  'request_id',
  'action',
  'from_state',
  'to_state',
  'version',
  'actor',
  'role',
  'comment',
  'attachments',
  'data',
  'at',
  'deadline',
  'light',
  'deadline_change',
] as const;
type PrefixedStep = { [K in (typeof STEP_COLUMNS)[number] as `step_${K}`]: StepRow[K] };

/** What a step changes of its incident besides the state. */
export interface IncidentChanges {
  level: string;
  assignee: string | null;
  reworkCount: number;
  closedAt: Date | null;
  mergedInto: string | null;
  supervision: string;
}

/**
 * A transition's write in one statement (one round trip fewer on every step): the incident's new
 * state and fields one version up, and its step numbered after the last one, or undefined (nothing
 * written) when the incident is no longer at the version read or the step's request id already
 * wrote a step on it (a request is one step: the engine then answers with that step). The triggers
 * fire as for the two statements: the incident's change and its KPI facts once the step is in.
 */
export async function updateIncidentWithStep(
  tx: Queryable,
  row: Pick<IncidentRow, 'id' | 'version' | 'created_at'>,
  changes: IncidentChanges,
  step: Omit<NewStep, 'incidentId' | 'version'>,
): Promise<{ row: IncidentRow; step: IncidentStep } | undefined> {
  const { rows } = await tx.query<IncidentRow & Partial<Record<`step_${WrittenStepColumn}`, unknown>>>(
    `WITH updated AS (
       UPDATE incidents SET state = $3, version = version + 1, updated_at = $4, level = $5, assignee = $6,
              rework_count = $7, closed_at = $8, merged_into = $9, supervision = $10
        WHERE id = $1 AND version = $2
          AND NOT EXISTS (SELECT 1 FROM incident_steps WHERE incident_id = $1 AND request_id = $11 AND ${SINCE(20)})
        RETURNING *
     ), step AS (
       INSERT INTO incident_steps (incident_id, district, seq, request_id, action, from_state, to_state, version, actor,
              role, comment, attachments, data, at, comment_message, deadline, light, deadline_change)
       SELECT u.id, u.district, (SELECT COALESCE(MAX(seq), 0) + 1 FROM incident_steps WHERE incident_id = $1 AND ${SINCE(20)}), $11, $12, $13, $3,
              u.version, $14, $15, $16, $17::jsonb, $18::jsonb, $4, $19::jsonb, $21, $22, $23::jsonb
         FROM updated AS u
       RETURNING *
     )
     SELECT u.*, ${WRITTEN_STEP_COLUMNS.map((name) => `s.${name} AS step_${name}`).join(', ')}
       FROM updated AS u JOIN step AS s ON s.incident_id = u.id`,
    [
      row.id,
      row.version,
      step.to,
      step.at,
      changes.level,
      changes.assignee,
      changes.reworkCount,
      changes.closedAt,
      changes.mergedInto,
      changes.supervision,
      step.requestId,
      step.action,
      step.from,
      step.actor,
      step.role,
      ...stepTexts(step),
      sinceBound(row.created_at),
      ...limitColumns(step.limit),
    ],
  );
  const joined = rows[0];
  if (joined === undefined) return undefined;
  const incident = { ...joined } as Record<string, unknown>;
  const written = {} as Record<string, unknown>;
  for (const name of WRITTEN_STEP_COLUMNS) {
    written[name] = incident[`step_${name}`];
    delete incident[`step_${name}`];
  }
  return { row: incident as unknown as IncidentRow, step: toStep(written as unknown as StepRow) };
}

const WRITTEN_STEP_COLUMNS = [...STEP_COLUMNS, 'comment_message'] as const;
type WrittenStepColumn = (typeof WRITTEN_STEP_COLUMNS)[number];

/** The merge target takes the merged incident's occurrences and its latest alert time. */
export async function addMergedOccurrences(
  tx: Queryable,
  targetId: string,
  merged: Pick<IncidentRow, 'occurrences' | 'last_occurred_at'>,
  now: Date,
): Promise<void> {
  await tx.query(
    `UPDATE incidents SET occurrences = occurrences + $2, last_occurred_at = GREATEST(last_occurred_at, $3),
            updated_at = $4 WHERE id = $1`,
    [targetId, merged.occurrences, merged.last_occurred_at, now],
  );
}

/** Alerts joining incidents: their final counts, times, severities and urgency, as a part of a batch's write. */
export function addJoinedAlertCounts(statement: WriteStatement, incidents: readonly Incident[], now: Date): void {
  if (incidents.length === 0) return;
  statement.add(
    'merged',
    `
      UPDATE incidents AS i SET occurrences = v.occurrences, last_occurred_at = v.last_occurred_at,
             severity = v.severity, urgent = v.urgent, updated_at = ${statement.param(now, 'timestamptz')}
        FROM unnest(${statement.param(
          incidents.map((incident) => incident.id),
          'text[]',
        )}, ${statement.param(
          incidents.map((incident) => incident.occurrences),
          'integer[]',
        )}, ${statement.param(
          incidents.map((incident) => incident.lastOccurredAt.toISOString()),
          'timestamptz[]',
        )}, ${statement.param(
          incidents.map((incident) => incident.severity),
          'text[]',
        )}, ${statement.param(
          incidents.map((incident) => incident.urgent),
          'boolean[]',
        )}) AS v(id, occurrences, last_occurred_at, severity, urgent)
       WHERE i.id = v.id`,
  );
}

// ——— steps ———

/**
 * Steps are written on the cloud's clock once their incident exists, so `at` is never much before
 * the incident's creation. Bounding `at` by it (a day of slack for replicas' clocks apart) lets
 * PostgreSQL skip the months before, not scan every month of the history kept for good
 * (incident_steps is partitioned by month, docs/partitions.md): a step's reads do not grow with the
 * years. Undefined (a reader without the incident at hand) reads every month.
 */
const SINCE = (param: number) => `at >= $${param}::timestamptz`;
/**
 * The bound's value, computed here: statements are prepared (cloud/src/db/postgres.ts) and soon run
 * on a generic plan, which prunes partitions by a parameter compared with the key as it starts, but
 * neither by `timestamptz - interval` (only stable) nor under an `IS NULL OR`.
 */
const sinceBound = (since: Date | undefined): Date | string =>
  since === undefined ? '-infinity' : new Date(since.getTime() - 86_400_000);

/** The incident's steps, in order; `since` is its creation time (see {@link SINCE}). */
export async function readSteps(q: Queryable, incidentId: string, since?: Date): Promise<IncidentStep[]> {
  const { rows } = await q.query<StepRow>(
    `SELECT * FROM incident_steps WHERE incident_id = $1 AND ${SINCE(2)} ORDER BY seq`,
    [incidentId, sinceBound(since)],
  );
  return rows.map(toStep);
}

/** The steps of several incidents, each incident's in order. */
export async function readStepsOf(q: Queryable, incidentIds: readonly string[]): Promise<Map<string, IncidentStep[]>> {
  const { rows } = await q.query<StepRow>(
    'SELECT * FROM incident_steps WHERE incident_id = ANY($1::text[]) ORDER BY incident_id, seq',
    [incidentIds],
  );
  const byIncident = new Map<string, IncidentStep[]>();
  for (const row of rows) {
    const step = toStep(row);
    byIncident.set(step.incidentId, [...(byIncident.get(step.incidentId) ?? []), step]);
  }
  return byIncident;
}

/** The step a request id wrote on the incident, if it wrote one; `since` is its creation time (see {@link SINCE}). */
export async function readStepOfRequest(
  q: Queryable,
  incidentId: string,
  requestId: string,
  since?: Date,
): Promise<IncidentStep | undefined> {
  const { rows } = await q.query<StepRow>(
    `SELECT * FROM incident_steps WHERE incident_id = $1 AND request_id = $2 AND ${SINCE(3)}`,
    [incidentId, requestId, sinceBound(since)],
  );
  const row = rows[0];
  return row && toStep(row);
}

/** The role in which `actor` made a request on the incident, if they made it; `since` as in {@link readSteps}. */
export async function readRoleOfRequest(
  q: Queryable,
  incidentId: string,
  requestId: string,
  actor: string,
  since?: Date,
): Promise<IncidentRole | undefined> {
  const { rows } = await q.query<{ role: IncidentRole }>(
    `SELECT role FROM incident_steps WHERE incident_id = $1 AND request_id = $2 AND actor = $3 AND ${SINCE(4)}`,
    [incidentId, requestId, actor, sinceBound(since)],
  );
  return rows[0]?.role;
}

/** The incident's creation step. */
export async function readFirstStep(q: Queryable, incidentId: string): Promise<IncidentStep> {
  const { rows } = await q.query<StepRow>('SELECT * FROM incident_steps WHERE incident_id = $1 AND seq = 1', [
    incidentId,
  ]);
  return toStep(rows[0] as StepRow);
}

/** What a step's request asks for: who, which action, and what they said and attached. */
export interface StepRequest {
  action: string;
  requestId: string;
  actor: string;
  role: IncidentRole;
  comment?: string | undefined;
  commentMessage?: Message | undefined;
  attachments?: Attachment[] | undefined;
  data?: Record<string, unknown> | undefined;
}

/** A step as it is written: the request, on which incident, from which state to which, when. */
export interface NewStep extends StepRequest {
  incidentId: string;
  from: string | null;
  to: string;
  /** The incident's version after the step. */
  version: number;
  at: Date;
  /** The step's time limit, when the time limits planned one (docs/domain.md §4); none written otherwise. */
  limit?: StepLimit | undefined;
}

/** A step's time limit: its deadline, the light of the clock it ended or continued, why the deadline changed. */
export type StepLimit = Pick<IncidentStep, 'deadline' | 'light' | 'deadlineChange'>;

/** A step as it will be written, numbered `seq`, before it is (its incident may not be numbered yet). */
export function draftStep(step: Omit<NewStep, 'incidentId'>, seq: number): Omit<IncidentStep, 'incidentId'> {
  const [comment] = stepTexts(step);
  return {
    seq,
    requestId: step.requestId,
    action: step.action,
    fromState: step.from as IncidentStep['fromState'],
    toState: step.to as IncidentStep['toState'],
    version: step.version,
    actor: step.actor,
    role: step.role,
    comment,
    ...(step.commentMessage === undefined ? {} : { commentMessage: step.commentMessage }),
    attachments: step.attachments ?? [],
    data: step.data ?? {},
    at: step.at,
    deadline: step.limit?.deadline ?? null,
    light: step.limit?.light ?? null,
    deadlineChange: step.limit?.deadlineChange ?? null,
  };
}

/** A step's deadline, light and deadline change as their columns take them (all null without a limit). */
function limitColumns(limit: StepLimit | undefined): [string | null, string | null, string | null] {
  return [
    limit?.deadline?.toISOString() ?? null,
    limit?.light ?? null,
    limit?.deadlineChange == null ? null : JSON.stringify(limit.deadlineChange),
  ];
}

/** Appends a step, numbered after the incident's last one; `since` is the incident's creation time (see {@link SINCE}). */
export async function insertStep(tx: Queryable, step: NewStep, since?: Date): Promise<IncidentStep> {
  const [comment, attachments, data, commentMessage] = stepTexts(step);
  const { rows } = await tx.query<StepRow>(
    `INSERT INTO incident_steps (incident_id, district, seq, request_id, action, from_state, to_state, version, actor,
            role, comment, attachments, data, at, comment_message, deadline, light, deadline_change)
     VALUES ($1, (SELECT district FROM incidents WHERE id = $1),
             (SELECT COALESCE(MAX(seq), 0) + 1 FROM incident_steps WHERE incident_id = $1 AND ${SINCE(14)}), $2, $3, $4, $5, $6,
             $7, $8, $9, $10::jsonb, $11::jsonb, $12, $13::jsonb, $15, $16, $17::jsonb)
     RETURNING *`,
    [
      step.incidentId,
      step.requestId,
      step.action,
      step.from,
      step.to,
      step.version,
      step.actor,
      step.role,
      comment,
      attachments,
      data,
      step.at,
      commentMessage,
      sinceBound(since),
      ...limitColumns(step.limit),
    ],
  );
  return toStep(rows[0] as StepRow);
}

/** A step's comment, attachments, data and comment message, as their columns take them. */
function stepTexts(step: StepRequest): [string | null, string, string, string | null] {
  return [
    // The cloud's own comment is kept as its message, with the zh-CN text beside it for older readers.
    step.comment ?? (step.commentMessage === undefined ? null : render(step.commentMessage)),
    JSON.stringify(step.attachments ?? []),
    JSON.stringify(step.data ?? {}),
    step.commentMessage === undefined ? null : JSON.stringify(step.commentMessage),
  ];
}
