import { z } from 'zod';
import type { Queryable } from '../db/db.js';
import { prefixPattern } from './scope-sql.js';

/**
 * Reading the audit log (`GET /audit-log`): filters, keyset pages newest first, and what a district
 * admin may read of it.
 *
 * Who reads what: the admin token everything. A `district_admin` reads the records whose target
 * lies inside their territory — a user or a user's contact by the user's home territory, a disposal
 * unit by the territory it serves, a grid or territory by its code, an incident, a worklog entry, a
 * patrol route or task by its grid, a community alert by its community — and the records they made
 * themselves. Records of tenant-wide settings (any other target) only a tenant administrator reads
 * (`whyNotTenantAdmin`: a district admin over every district the deployment serves). Everyone else
 * is refused.
 */

/** Personal-data views: what a filter "personal data views only" finds, besides every `*.reveal`. */
export const PERSONAL_DATA_ACTIONS = [
  'contact.view',
  'worklog.people.reveal',
  'worklog.photo.view',
  'patrol.trajectory.view',
  'patrol.live.view',
  'attachment.download',
] as const;

/** Keys whose values never leave the server, whatever a module wrote into `details`. */
const SECRET_KEYS = new Set(['password', 'password_hash', 'token', 'secret', 'people_met', 'people_sealed']);

const Instant = z.iso.datetime({ offset: true });
const Flag = z.enum(['true', 'false']).transform((value) => value === 'true');

/** `GET /audit-log` query: each filter narrows; `action` and `target` match a prefix when they end in `*`. */
export const AuditLogQuery = z.strictObject({
  actor: z.string().min(1).max(80).optional().meta({ description: '`user:<id>`, `admin` or `cli`, exactly' }),
  action: z
    .string()
    .regex(/^[a-z0-9_.]+\*?$/, { error: 'expected an action such as user.create, or a prefix ending in * (roster.*)' })
    .max(80)
    .optional(),
  target: z.string().min(1).max(200).optional().meta({ description: 'exactly, or a prefix ending in * (grid:3208*)' }),
  from: Instant.optional(),
  to: Instant.optional(),
  text: z.string().min(1).max(100).optional().meta({ description: 'found in the action, target, details or names' }),
  personal: Flag.optional().meta({ description: 'true: only views and reveals of personal data' }),
  before: z
    .string()
    .regex(/^\d{1,18}$/, { error: 'expected the next_before of the previous page' })
    .optional(),
  limit: z.coerce.number().int().min(1).max(200).optional(),
});
export type AuditLogQuery = z.output<typeof AuditLogQuery>;

/** One record as the viewer shows it: who by name, and the details without secrets. */
export const AuditLogRecord = z.object({
  id: z.string(),
  at: z.string(),
  actor: z.string(),
  /** The actor's display name; null for the admin token, the CLI or an unknown user. */
  actor_name: z.string().nullable(),
  action: z.string(),
  target: z.string(),
  /** What the target is called (a user's or unit's name, a grid's); null when it has no name on record. */
  target_name: z.string().nullable(),
  /** Whether this is a view or reveal of personal data. */
  personal: z.boolean(),
  /** As written; a change of settings has `before` and `after`. */
  details: z.record(z.string(), z.unknown()),
});
export type AuditLogRecord = z.infer<typeof AuditLogRecord>;

export const AuditLogPage = z.object({
  records: z.array(AuditLogRecord),
  /** Pass as `before` for the next (older) page; null on the last page. */
  next_before: z.string().nullable(),
  /** The display names of the users the records' details name by id (`user_id`, `substitute_user_id`…). */
  names: z.record(z.string(), z.string()),
});
export type AuditLogPage = z.infer<typeof AuditLogPage>;

/** What of the log a caller reads: all of it, or the territory prefixes (and own records, tenant records). */
export type AuditReach =
  | { kind: 'all' }
  | { kind: 'territory'; prefixes: readonly string[]; actor: string; tenant: boolean };

const REF = "substr(a.target, strpos(a.target, ':') + 1)";
/** Target kinds that lie in a territory; any other target is tenant-wide. */
const TERRITORIAL = [
  'user',
  'contact',
  'disposal_unit',
  'grid',
  'territory',
  'incident',
  'worklog_entry',
  'mediation_case',
  'patrol_route',
  'patrol_task',
  'community_alert',
];
/** The territory code a record's target lies in (SQL over `audit_log a`), null when unknown. */
const TARGET_TERRITORY = `CASE split_part(a.target, ':', 1)
    WHEN 'user' THEN (SELECT territory_code FROM users WHERE id = ${REF})
    WHEN 'contact' THEN (SELECT territory_code FROM users WHERE id = ${REF})
    WHEN 'disposal_unit' THEN (SELECT territory_code FROM disposal_units WHERE id = ${REF})
    WHEN 'grid' THEN ${REF}
    WHEN 'territory' THEN ${REF}
    WHEN 'incident' THEN (SELECT coalesce(grid, community) FROM incidents WHERE id = ${REF})
    WHEN 'worklog_entry' THEN (SELECT grid_code FROM worklog_entries WHERE id::text = ${REF})
    WHEN 'mediation_case' THEN (SELECT territory FROM mediation_cases WHERE id::text = ${REF})
    WHEN 'patrol_route' THEN (SELECT grid_code FROM patrol_routes WHERE id = ${REF})
    WHEN 'patrol_task' THEN (SELECT grid_code FROM patrol_tasks WHERE id = ${REF})
    WHEN 'community_alert' THEN a.details->>'community'
  END`;
const TARGET_NAME = `CASE split_part(a.target, ':', 1)
    WHEN 'user' THEN (SELECT display_name FROM users WHERE id = ${REF})
    WHEN 'contact' THEN (SELECT display_name FROM users WHERE id = ${REF})
    WHEN 'disposal_unit' THEN (SELECT name_zh FROM disposal_units WHERE id = ${REF})
    WHEN 'grid' THEN (SELECT name_zh FROM territory_units WHERE code = ${REF})
    WHEN 'territory' THEN (SELECT name_zh FROM territory_units WHERE code = ${REF})
  END`;
const PERSONAL = "(a.action LIKE '%.reveal' OR a.action = ANY($1::text[]))";

const escapeLike = (text: string) => text.replace(/[\\%_]/g, '\\$&');

interface Row {
  id: string | number;
  at: Date;
  actor: string;
  actor_name: string | null;
  action: string;
  target: string;
  target_name: string | null;
  personal: boolean;
  details: Record<string, unknown> | string;
}

/** One page of the log `reach` reads, newest first, filtered by `query`. */
export async function readAuditLog(q: Queryable, reach: AuditReach, query: AuditLogQuery): Promise<AuditLogPage> {
  const params: unknown[] = [[...PERSONAL_DATA_ACTIONS]];
  const param = (value: unknown) => {
    params.push(value);
    return `$${params.length}`;
  };
  const where: string[] = [];
  if (reach.kind === 'territory') {
    const visible = [`(${TARGET_TERRITORY}) LIKE ANY(${param(reach.prefixes.map(prefixPattern))}::text[])`];
    visible.push(`a.actor = ${param(reach.actor)}`);
    if (reach.tenant) visible.push(`split_part(a.target, ':', 1) <> ALL(${param(TERRITORIAL)}::text[])`);
    where.push(`(${visible.join(' OR ')})`);
  }
  if (query.actor !== undefined) where.push(`a.actor = ${param(query.actor)}`);
  if (query.action !== undefined) {
    where.push(
      query.action.endsWith('*')
        ? `a.action LIKE ${param(prefixPattern(query.action.slice(0, -1)))}`
        : `a.action = ${param(query.action)}`,
    );
  }
  if (query.target !== undefined) {
    where.push(
      query.target.endsWith('*')
        ? `a.target LIKE ${param(prefixPattern(query.target.slice(0, -1)))}`
        : `a.target = ${param(query.target)}`,
    );
  }
  if (query.from !== undefined) where.push(`a.at >= ${param(new Date(query.from))}`);
  if (query.to !== undefined) where.push(`a.at < ${param(new Date(query.to))}`);
  if (query.personal === true) where.push(PERSONAL);
  if (query.text !== undefined) {
    const text = param(`%${escapeLike(query.text)}%`);
    // Not over the secret keys' values: the search would tell what a hidden value is.
    const searchable = `(a.details - ${param([...SECRET_KEYS])}::text[])::text`;
    where.push(`(a.action ILIKE ${text} OR a.target ILIKE ${text} OR ${searchable} ILIKE ${text}
       OR actor_user.display_name ILIKE ${text} OR (${TARGET_NAME}) ILIKE ${text})`);
  }
  if (query.before !== undefined) where.push(`a.id < ${param(query.before)}::bigint`);
  const limit = query.limit ?? 50;
  const { rows } = await q.query<Row>(
    `SELECT a.id, a.at, a.actor, actor_user.display_name AS actor_name, a.action, a.target,
            (${TARGET_NAME}) AS target_name, ${PERSONAL} AS personal, a.details
       FROM audit_log a
       LEFT JOIN users actor_user ON a.actor LIKE 'user:%' AND actor_user.id = substr(a.actor, 6)
      ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY a.id DESC
      LIMIT ${limit + 1}`,
    params,
  );
  const page = rows.slice(0, limit);
  const records = page.map((row) => ({
    id: String(row.id),
    at: new Date(row.at).toISOString(),
    actor: row.actor,
    actor_name: row.actor_name,
    action: row.action,
    target: row.target,
    target_name: row.target_name,
    personal: row.personal,
    details: withoutSecrets(typeof row.details === 'string' ? JSON.parse(row.details) : row.details) as Record<
      string,
      unknown
    >,
  }));
  return {
    records,
    next_before: rows.length > limit ? String(page[page.length - 1]?.id) : null,
    names: await namesOf(q, records),
  };
}

/** Detail keys that hold a user's id. */
const USER_KEY = /(^|_)user_id$|^(author|worker|worker_id)$/;

async function namesOf(q: Queryable, records: readonly AuditLogRecord[]): Promise<Record<string, string>> {
  const ids = new Set<string>();
  for (const record of records)
    for (const [key, value] of Object.entries(record.details))
      if (USER_KEY.test(key) && typeof value === 'string') ids.add(value);
  if (ids.size === 0) return {};
  const { rows } = await q.query<{ id: string; display_name: string }>(
    'SELECT id, display_name FROM users WHERE id = ANY($1::text[])',
    [[...ids]],
  );
  return Object.fromEntries(rows.map((row) => [row.id, row.display_name]));
}

/** `value` with every secret key's value replaced: no module should write one, and none is shown if it did. */
export function withoutSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutSecrets);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, inner]) => [key, SECRET_KEYS.has(key) ? '[hidden]' : withoutSecrets(inner)]),
  );
}
