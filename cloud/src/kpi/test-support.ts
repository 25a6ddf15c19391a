import type { Db, Queryable } from '../db/db.js';
import { type Backend, useMigratedDatabase } from '../test-support.js';

/** The migrations KPI queries read: intake (0001), incidents (0003), people (0005), KPI indexes and facts. */
const KPI_MIGRATIONS = new Set([1, 3, 5, 10, 11]);

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
