import { CategoryCode, DeviceEventPolicy, Severity } from '@gridlink/protocol';
import { z } from 'zod';
import type { Clock } from '../clock.js';
import type { Db, Queryable } from '../db/db.js';
import { RepeatScope } from './device-event-policy.js';

const MAX_WINDOW_S = 366 * 86_400;
const DURATION = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/;

/** Seconds of an ISO-8601 duration of days, hours, minutes and seconds (`P7D`, `PT30M`, `P1DT12H`). */
export function durationSeconds(text: string): number | undefined {
  const match = DURATION.exec(text);
  if (match === null || text === 'P' || text.endsWith('T')) return undefined;
  const [days, hours, minutes, seconds] = match.slice(1).map((part) => Number(part ?? 0)) as number[];
  return (((days as number) * 24 + (hours as number)) * 60 + (minutes as number)) * 60 + (seconds as number);
}

/** The ISO-8601 duration of `seconds`, in whole days when it is some (`P7D`), else down to seconds. */
export function formatDuration(seconds: number): string {
  const days = Math.floor(seconds / 86_400);
  const rest = seconds - days * 86_400;
  const h = Math.floor(rest / 3600);
  const m = Math.floor((rest % 3600) / 60);
  const s = rest % 60;
  const time = `${h > 0 ? `${h}H` : ''}${m > 0 ? `${m}M` : ''}${s > 0 ? `${s}S` : ''}`;
  return `P${days > 0 ? `${days}D` : ''}${time === '' ? (days > 0 ? '' : 'T0S') : `T${time}`}`;
}

/** "Incident if ≥ count times within window per scope" as the API takes and shows it. */
export const RepeatThresholdBody = z.strictObject({
  count: z.int().min(2).max(1000).meta({ description: 'Alerts within the window that open the incident' }),
  window: z
    .string()
    .refine((text) => {
      const seconds = durationSeconds(text);
      return seconds !== undefined && seconds > 0 && seconds <= MAX_WINDOW_S;
    }, 'expected an ISO-8601 duration in days, hours, minutes or seconds, above zero and at most 366 days, e.g. P1D, P7D or PT30M')
    .meta({
      description: 'How far back alerts count (an alert exactly one window earlier no longer does)',
      example: 'P7D',
    }),
  scope: RepeatScope.meta({ description: 'Alerts of the same device, place (building unit), building or community' }),
  bypass_severity: Severity.nullable()
    .default(null)
    .meta({ description: 'Alerts of this severity or above open the incident at once (null: all are counted)' }),
});

const TimeOfDay = z
  .string()
  .regex(/^(?:[01]\d|2[0-3]):[0-5]\d$/, 'expected a local time HH:MM from 00:00 to 23:59, e.g. 22:00');

/** "Incident … after hours" as the API takes and shows it: local China time, start inside, end not. */
export const AfterHoursBody = z
  .strictObject({
    start: TimeOfDay.meta({ description: 'Local time (UTC+8) the range starts, inside it', example: '22:00' }),
    end: TimeOfDay.meta({
      description: 'Local time (UTC+8) the range ends, outside it; before start: across midnight',
      example: '06:00',
    }),
  })
  .refine((range) => range.start !== range.end, {
    path: ['end'],
    message: 'end must differ from start (an empty or a whole-day range): for every hour use the policy auto_incident',
  })
  .meta({
    description:
      'Alerts whose own time falls within this local range open an incident at once instead of being held or staying alerts',
  });

const PolicyFields = z.strictObject({
  policy: DeviceEventPolicy,
  incident_category: CategoryCode.nullable()
    .default(null)
    .meta({ description: "The incident's category when it differs from the alert's" }),
  note: z.string().max(500).default(''),
  repeat: RepeatThresholdBody.nullable().default(null),
  after_hours: AfterHoursBody.nullable().default(null),
});
const NEVER_HAS_NO_REPEAT = {
  path: ['repeat'],
  message: "a 'never' row takes no repeat threshold: its alerts never become incidents; set repeat to null",
};
const NEVER_HAS_NO_AFTER_HOURS = {
  path: ['after_hours'],
  message: "a 'never' row takes no after-hours range: its alerts never become incidents; set after_hours to null",
};

/** One row of the device-event policy table (docs/domain.md §7) as `PUT /device-event-policies/{category}` takes it. */
export const DeviceEventPolicyBody = PolicyFields.refine(
  (row) => row.policy !== 'never' || row.repeat === null,
  NEVER_HAS_NO_REPEAT,
).refine((row) => row.policy !== 'never' || row.after_hours === null, NEVER_HAS_NO_AFTER_HOURS);
export type DeviceEventPolicyBody = z.output<typeof DeviceEventPolicyBody>;

/** The whole table, as `PUT /device-event-policies` replaces it: each category once. */
export const DeviceEventPolicyTableBody = z
  .strictObject({
    policies: z
      .array(
        PolicyFields.extend({ category: CategoryCode })
          .refine((row) => row.policy !== 'never' || row.repeat === null, NEVER_HAS_NO_REPEAT)
          .refine((row) => row.policy !== 'never' || row.after_hours === null, NEVER_HAS_NO_AFTER_HOURS),
      )
      .max(1000),
  })
  .refine((table) => new Set(table.policies.map((row) => row.category)).size === table.policies.length, {
    path: ['policies'],
    message: 'each category may have one row only: merge the rows of the same category',
  });

export interface StoredDeviceEventPolicy extends DeviceEventPolicyBody {
  category: string;
  updated_at: Date;
}

interface Row {
  category_code: string;
  policy: string;
  incident_category: string | null;
  note: string;
  repeat_count: number | null;
  repeat_window_s: number | null;
  repeat_scope: string | null;
  repeat_bypass_severity: string | null;
  after_hours_start: string | null;
  after_hours_end: string | null;
  updated_at: Date;
}

const COLUMNS = `category_code, policy, incident_category, note, repeat_count, repeat_scope, repeat_bypass_severity,
        extract(epoch FROM repeat_window)::float8 AS repeat_window_s, to_char(after_hours_start, 'HH24:MI') AS after_hours_start,
        to_char(after_hours_end, 'HH24:MI') AS after_hours_end, updated_at`;
const SELECT = `SELECT ${COLUMNS} FROM device_event_policies`;

function toStored(row: Row): StoredDeviceEventPolicy {
  return {
    category: row.category_code,
    policy: DeviceEventPolicy.parse(row.policy),
    incident_category: row.incident_category,
    note: row.note,
    repeat:
      row.repeat_count === null || row.repeat_window_s === null || row.repeat_scope === null
        ? null
        : {
            count: row.repeat_count,
            window: formatDuration(Math.round(Number(row.repeat_window_s))),
            scope: RepeatScope.parse(row.repeat_scope),
            bypass_severity: row.repeat_bypass_severity === null ? null : Severity.parse(row.repeat_bypass_severity),
          },
    after_hours:
      row.after_hours_start === null || row.after_hours_end === null
        ? null
        : { start: row.after_hours_start, end: row.after_hours_end },
    updated_at: row.updated_at,
  };
}

/**
 * The device-event policy table (docs/domain.md §7), tenant data administrators edit. The alert intake
 * reads it for every batch, so an edit counts from the next alert on, on every replica.
 */
export class DeviceEventPolicyTable {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {}

  async list(): Promise<StoredDeviceEventPolicy[]> {
    const { rows } = await this.db.query<Row>(`${SELECT} ORDER BY category_code`);
    return rows.map(toStored);
  }

  async get(category: string, tx: Queryable = this.db): Promise<StoredDeviceEventPolicy | undefined> {
    const { rows } = await tx.query<Row>(`${SELECT} WHERE category_code = $1`, [category]);
    const row = rows[0];
    return row && toStored(row);
  }

  /** Creates or replaces one row; `tx` when the caller writes more in the same transaction (its audit). */
  async put(category: string, body: DeviceEventPolicyBody, tx: Queryable = this.db): Promise<StoredDeviceEventPolicy> {
    const repeat = body.repeat;
    const { rows } = await tx.query<Row>(
      `INSERT INTO device_event_policies AS p (category_code, policy, incident_category, note, repeat_count,
              repeat_window, repeat_scope, repeat_bypass_severity, after_hours_start, after_hours_end, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6::integer * interval '1 second', $7, $8, $10::time, $11::time, $9)
       ON CONFLICT (category_code) DO UPDATE SET policy = excluded.policy,
              incident_category = excluded.incident_category, note = excluded.note,
              repeat_count = excluded.repeat_count, repeat_window = excluded.repeat_window,
              repeat_scope = excluded.repeat_scope, repeat_bypass_severity = excluded.repeat_bypass_severity,
              after_hours_start = excluded.after_hours_start, after_hours_end = excluded.after_hours_end,
              updated_at = excluded.updated_at
       RETURNING ${COLUMNS}`,
      [
        category,
        body.policy,
        body.incident_category,
        body.note,
        repeat?.count ?? null,
        repeat === null ? null : durationSeconds(repeat.window),
        repeat?.scope ?? null,
        repeat?.bypass_severity ?? null,
        this.clock(),
        body.after_hours?.start ?? null,
        body.after_hours?.end ?? null,
      ],
    );
    return toStored(rows[0] as Row);
  }

  /** Replaces the whole table in one transaction: rows left out are removed (their alerts fall back to a parent's row). */
  async replace(
    rows: ReadonlyArray<DeviceEventPolicyBody & { category: string }>,
    audit: (tx: Queryable, before: StoredDeviceEventPolicy[], after: StoredDeviceEventPolicy[]) => Promise<void>,
  ): Promise<StoredDeviceEventPolicy[]> {
    return this.db.transaction(async (tx) => {
      const before = (await tx.query<Row>(`${SELECT} ORDER BY category_code FOR UPDATE`)).rows.map(toStored);
      await tx.query('DELETE FROM device_event_policies WHERE NOT (category_code = ANY($1::text[]))', [
        rows.map((row) => row.category),
      ]);
      const after: StoredDeviceEventPolicy[] = [];
      for (const row of rows) after.push(await this.put(row.category, row, tx));
      after.sort((a, b) => a.category.localeCompare(b.category));
      await audit(tx, before, after);
      return after;
    });
  }
}
