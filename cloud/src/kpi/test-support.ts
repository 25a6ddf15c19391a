import type { Db, Queryable } from '../db/db.js';
import { type Backend, useMigratedDatabase } from '../test-support.js';
import { countFacts } from './compute.js';
import type { IncidentFacts } from './definitions.js';
import type { KpiGroup, KpiQuery } from './query.js';

/**
 * The migrations KPI queries read: intake (0001), incidents (0003), people (0005), KPI indexes and
 * facts; the incident settings the engine reads for each transition (0014, after 0012); the
 * columns of the messages the engine stores (0022); the callback verdicts and their facts (0053).
 */
const KPI_MIGRATIONS = new Set([1, 3, 5, 10, 11, 12, 14, 22, 23, 24, 25, 26, 53, 56]);

/** Call at suite level: a migrated database for KPI tests on PostgreSQL or in-memory PGlite. */
export function useKpiDatabase(backend: Backend): () => Db {
  return useMigratedDatabase(backend, { what: 'KPI database', versions: KPI_MIGRATIONS });
}

/** One step of a seeded incident, `hours` after the incident's start, its deadline `deadlineHours` after it. */
export interface SeedStep {
  action: string;
  to: string;
  hours: number;
  deadlineHours?: number;
  data?: Record<string, unknown>;
  actor?: string;
}

const STATE_BEFORE_REPORT = null;

/** A whole loop: reported, accepted, filed, dispatched … closed `closeHours` after the start. */
export function closedLoop(options: {
  closeHours: number;
  closeDeadlineHours?: number;
  assignee?: string;
  callback?: SeedStep;
}): SeedStep[] {
  return [
    ...openLoop({ ...(options.assignee ? { assignee: options.assignee } : {}) }),
    { action: 'finish', to: 'HANDLED', hours: options.closeHours - 2 },
    { action: 'startCheck', to: 'CHECKING', hours: options.closeHours - 1.5 },
    { action: 'pass', to: 'PENDING_CLOSE', hours: options.closeHours - 1 },
    {
      action: 'close',
      to: 'CLOSED',
      hours: options.closeHours,
      ...(options.closeDeadlineHours === undefined ? {} : { deadlineHours: options.closeDeadlineHours }),
    },
    ...(options.callback ? [options.callback] : []),
  ];
}

/** Reported, accepted, filed (its deadline `fileDeadlineHours` after the start), dispatched and signed. */
export function openLoop(options: { fileDeadlineHours?: number; assignee?: string } = {}): SeedStep[] {
  return [
    { action: 'report', to: 'REPORTED', hours: 0 },
    { action: 'accept', to: 'ACCEPTED', hours: 0.1 },
    {
      action: 'file',
      to: 'FILED',
      hours: 0.2,
      ...(options.fileDeadlineHours === undefined ? {} : { deadlineHours: options.fileDeadlineHours }),
    },
    { action: 'dispatch', to: 'DISPATCHED', hours: 0.5, data: { assignee: options.assignee ?? 'worker-1' } },
    { action: 'sign', to: 'IN_PROGRESS', hours: 1 },
  ];
}

/**
 * Inserts `count` incidents with the same step records straight into the tables (as the engine
 * writes them), incident n starting n minutes after `start`: ids `${prefix}-n`.
 */
export async function seedIncidents(
  db: Queryable,
  options: {
    prefix: string;
    count: number;
    start: Date;
    community: string;
    grid?: string;
    drill?: boolean;
    steps: readonly SeedStep[];
  },
): Promise<void> {
  const { steps } = options;
  const last = steps[steps.length - 1];
  await db.query(
    `INSERT INTO incidents (id, state, category_code, severity, source, drill, community, grid, intake_request_id,
            first_occurred_at, last_occurred_at, title, created_at, updated_at, version)
     SELECT $1 || '-' || n, $2, 'other', 'minor', 'patrol', $3, $4, $5, 'seed:' || $1 || '-' || n,
            t, t, 'seeded', t, t, $8
       FROM generate_series(1, $6::int) AS n,
            LATERAL (SELECT $7::timestamptz + n * interval '1 minute' AS t) AS time`,
    [
      options.prefix,
      last?.to ?? 'REPORTED',
      options.drill ?? false,
      options.community,
      options.grid ?? null,
      options.count,
      options.start,
      steps.length,
    ],
  );
  await db.query(
    `INSERT INTO incident_steps (incident_id, seq, request_id, action, from_state, to_state, version, actor, role,
            data, at, deadline)
     SELECT $1 || '-' || n, a.k, 'r' || a.k, a.action, a.from_state, a.to_state, a.k, a.actor, 'operator',
            a.data::jsonb, time.t + a.hours * interval '1 hour',
            time.t + a.deadline_hours * interval '1 hour'
       FROM generate_series(1, $2::int) AS n,
            LATERAL (SELECT $3::timestamptz + n * interval '1 minute' AS t) AS time,
            unnest($4::text[], $5::text[], $6::text[], $7::float8[], $8::float8[], $9::text[], $10::text[])
              WITH ORDINALITY AS a(action, from_state, to_state, hours, deadline_hours, data, actor, k)`,
    [
      options.prefix,
      options.count,
      options.start,
      steps.map((step) => step.action),
      steps.map((_, index) => (index === 0 ? STATE_BEFORE_REPORT : (steps[index - 1] as SeedStep).to)),
      steps.map((step) => step.to),
      steps.map((step) => step.hours),
      steps.map((step) => step.deadlineHours ?? null),
      steps.map((step) => JSON.stringify(step.data ?? {})),
      steps.map((step) => step.actor ?? 'op-1'),
    ],
  );
}

/** A step record as the KPIs read it. */
export interface StepRecord {
  incident_id: string;
  seq: number;
  action: string;
  to_state: string;
  data: Record<string, unknown>;
  at: Date;
  deadline: Date | null;
  light: string | null;
}

/** An incident's place and drill flag. */
export interface IncidentPlace {
  id: string;
  community: string | null;
  grid: string | null;
  drill: boolean;
}

/** Every step record, every incident's place and every disposal unit's id, straight from the tables. */
export async function readStepRecords(
  db: Queryable,
): Promise<{ steps: StepRecord[]; incidents: IncidentPlace[]; units: Set<string> }> {
  const steps = await db.query<StepRecord>(
    'SELECT incident_id, seq, action, to_state, data, at, deadline, light FROM incident_steps',
  );
  const incidents = await db.query<IncidentPlace>('SELECT id, community, grid, drill FROM incidents');
  const units = await db.query<{ id: string }>('SELECT id FROM disposal_units');
  return {
    steps: steps.rows.map((step) => ({
      ...step,
      at: new Date(step.at),
      deadline: step.deadline === null ? null : new Date(step.deadline),
    })),
    incidents: incidents.rows,
    units: new Set(units.rows.map((unit) => unit.id)),
  };
}

/**
 * The KPI counts of a query computed from scratch in TypeScript, one incident at a time, from its
 * step records taken before `to` (the rules of docs/domain.md §5 as kpiCounts documents them), through the
 * domain's own {@link IncidentFacts} and {@link countFacts}: what the SQL on the facts must equal.
 */
export function countsFromStepRecords(
  records: { steps: readonly StepRecord[]; incidents: readonly IncidentPlace[]; units: ReadonlySet<string> },
  query: KpiQuery,
): KpiGroup[] {
  const byIncident = new Map<string, StepRecord[]>();
  for (const step of records.steps) {
    if (step.at.getTime() >= query.to.getTime()) continue;
    const steps = byIncident.get(step.incident_id) ?? [];
    steps.push(step);
    byIncident.set(step.incident_id, steps);
  }
  const prefixes =
    query.territoryPrefix === undefined
      ? undefined
      : typeof query.territoryPrefix === 'string'
        ? [query.territoryPrefix]
        : [...query.territoryPrefix];
  const groups = new Map<string, IncidentFacts[]>();
  for (const incident of records.incidents) {
    const steps = (byIncident.get(incident.id) ?? []).sort((a, b) => a.seq - b.seq);
    const filings = steps.filter((step) => step.action === 'file').map((step) => step.at.getTime());
    if (filings.length === 0 || incident.drill) continue;
    const filedAt = Math.min(...filings);
    if (filedAt < query.from.getTime()) continue;
    if (prefixes && !prefixes.some((prefix) => (incident.grid ?? incident.community ?? '').startsWith(prefix)))
      continue;
    const latest = (actions: string[]) => steps.filter((step) => actions.includes(step.action)).at(-1);
    const any = (action: string) => steps.some((step) => step.action === action);
    const lastDispatch = latest(['dispatch']);
    const assignee = lastDispatch?.data.assignee as string | undefined;
    const closes = steps.filter((step) => step.action === 'close');
    const closedAt = closes.length === 0 ? undefined : Math.max(...closes.map((step) => step.at.getTime()));
    const deadlines = steps.flatMap((step) => (step.deadline ? [step.deadline.getTime()] : []));
    const deadlineAt = deadlines.length === 0 ? undefined : Math.max(...deadlines);
    const lights = steps.filter((step) => ['finish', 'close'].includes(step.action) && step.light !== null);
    const onTime =
      closedAt !== undefined &&
      (lights.length > 0
        ? !lights.some((step) => step.light === 'red')
        : deadlineAt === undefined || closedAt <= deadlineAt);
    const callbacks = steps.filter((step) => ['callbackSatisfied', 'callbackUnsatisfied'].includes(step.action));
    // The verdict's level, whichever callback step carried it; absent, the action says it (migration 0053).
    const level = (step: (typeof callbacks)[number]) =>
      (step.data.satisfaction as string | undefined) ??
      (step.action === 'callbackSatisfied' ? 'satisfied' : 'unsatisfied');
    const satisfied = callbacks.some((step) => ['satisfied', 'basically_satisfied'].includes(level(step)));
    const strictly = callbacks.some((step) => level(step) === 'satisfied');
    const solved = callbacks.some((step) =>
      step.data.solved !== undefined ? step.data.solved === true : step.action === 'callbackSatisfied',
    );
    const closed = closedAt !== undefined;
    const facts: IncidentFacts = {
      shouldDispatch: true,
      dispatched: any('dispatch'),
      shouldHandle: latest(['dispatch', 'return'])?.action === 'dispatch',
      handled: any('finish'),
      closed,
      closedOnTime: onTime,
      dueForClosing: closed || (deadlineAt !== undefined && deadlineAt < query.to.getTime()),
      suspendedWhenDue: !closed && latest(['suspend', 'resume'])?.action === 'suspend',
      reworks: steps.filter(
        (step) => step.action === 'fail' || (step.action === 'callbackUnsatisfied' && step.to_state === 'DISPATCHED'),
      ).length,
      extensions: steps.filter((step) => step.action === 'extend').length,
      callbackDone: closed && callbacks.length > 0,
      satisfaction: closed && satisfied ? (strictly ? 'satisfied' : 'basically_satisfied') : undefined,
      solved: closed && solved,
    };
    const territory = { district: 6, street: 9, community: 12 } as const;
    let key: string | undefined;
    switch (query.groupBy) {
      case 'grid':
        key = incident.grid?.slice(0, 15);
        break;
      case 'worker':
        key = assignee !== undefined && !records.units.has(assignee) ? assignee : undefined;
        break;
      case 'unit':
        key = assignee !== undefined && records.units.has(assignee) ? assignee : undefined;
        break;
      default:
        key = incident.community?.slice(0, territory[query.groupBy]);
    }
    if (key === undefined || key === null) continue;
    groups.set(key, [...(groups.get(key) ?? []), facts]);
  }
  return [...groups.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, facts]) => ({ key, counts: countFacts(facts, query.policy) }));
}
