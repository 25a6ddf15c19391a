import type { Queryable } from '../db/db.js';

/**
 * The property's KPIs, per calendar month (China time, UTC+8), for one community. Drills never
 * count. Each figure is defined here once; the page and the export show the same numbers.
 *
 * - device online rate (设备在线率): over the community's devices that are not retired, the time
 *   they were online divided by the time their availability was known (online + offline), within
 *   the month up to now. Availability is the gateways' change points (device_availability, 0027);
 *   the time before a device's first report is unknown and not counted. null: nothing known.
 * - maintenance tickets closed on time (维修工单按时关闭率): of the maintenance tickets (incidents of
 *   a `device_maintenance.*` category) closed in the month, those none of whose steps was taken on a
 *   red light (after the deadline running then, as the time limits record it on each step). A
 *   ticket without time limits has no red light: on time. null: none closed.
 * - mean time to respond (平均响应时长): over the maintenance tickets opened in the month that a
 *   person responded to, the mean time from opening to the first step a person took after the
 *   opening one (the system's own steps — escalations, automatic dispatch — are not a response).
 *   Tickets nobody responded to yet are counted apart (`tickets_awaiting_response`), not as zero.
 * - alerts' mean time to acknowledge (告警平均确认时长): over the community's alerts raised in the
 *   month that the property acknowledged, the mean time from raising to acknowledgement (a gateway
 *   clock ahead of the cloud's counts as no time, never as negative).
 */
export interface PropertyMonthKpis {
  /** `YYYY-MM`. */
  month: string;
  online_ms: number;
  offline_ms: number;
  device_online_rate: number | null;
  tickets_closed: number;
  tickets_closed_on_time: number;
  closed_on_time_rate: number | null;
  tickets_opened: number;
  tickets_responded: number;
  tickets_awaiting_response: number;
  mean_response_minutes: number | null;
  alerts_raised: number;
  alerts_acknowledged: number;
  mean_acknowledge_minutes: number | null;
}

const CHINA_OFFSET_MS = 8 * 3_600_000;

/** The month's start and end as instants (the first moment of the month in China, and of the next). */
export function monthRange(month: string): { from: Date; to: Date } {
  const [year, number] = month.split('-').map(Number) as [number, number];
  return {
    from: new Date(Date.UTC(year, number - 1, 1) - CHINA_OFFSET_MS),
    to: new Date(Date.UTC(year, number, 1) - CHINA_OFFSET_MS),
  };
}

/** The month (`YYYY-MM`, China time) an instant falls in. */
export function monthOf(at: Date): string {
  return new Date(at.getTime() + CHINA_OFFSET_MS).toISOString().slice(0, 7);
}

/** The months from `from` to `to`, both included, oldest first. */
export function monthsBetween(from: string, to: string): string[] {
  const months: string[] = [];
  for (let at = monthRange(from).from; monthOf(at) <= to; at = monthRange(monthOf(at)).to) months.push(monthOf(at));
  return months;
}

const ratio = (part: number, whole: number) => (whole > 0 ? part / whole : null);
const MAINTENANCE = `i.community = $1 AND i.category_code LIKE 'device_maintenance%' AND NOT i.drill`;

/** One month's KPIs of a community, counted up to `now` for the month under way. */
export async function propertyMonthKpis(
  db: Queryable,
  community: string,
  month: string,
  now: Date,
): Promise<PropertyMonthKpis> {
  const { from, to: monthEnd } = monthRange(month);
  const to = new Date(Math.min(monthEnd.getTime(), Math.max(now.getTime(), from.getTime())));
  const [availability, closed, response, alerts] = await Promise.all([
    db.query<{ state: 'online' | 'offline'; ms: number }>(
      `WITH iv AS (
         SELECT a.state, a.started_at,
                lead(a.started_at) OVER (PARTITION BY a.device_id ORDER BY a.started_at) AS ended_at
           FROM device_availability a
           JOIN devices d ON d.community = a.community AND d.device_id = a.device_id AND d.status <> 'retired'
          WHERE a.community = $1 AND a.started_at < $3
       )
       SELECT state,
              (sum(extract(epoch FROM least(coalesce(ended_at, $3), $3) - greatest(started_at, $2))) * 1000)::float8 AS ms
         FROM iv WHERE coalesce(ended_at, $3) > $2
        GROUP BY state`,
      [community, from, to],
    ),
    db.query<{ closed: number; on_time: number }>(
      `SELECT count(*)::int AS closed,
              count(*) FILTER (WHERE NOT EXISTS (
                SELECT 1 FROM incident_steps s WHERE s.incident_id = i.id AND s.light = 'red'))::int AS on_time
         FROM incidents i
        WHERE ${MAINTENANCE} AND i.closed_at >= $2 AND i.closed_at < $3`,
      [community, from, monthEnd],
    ),
    db.query<{ opened: number; responded: number; mean_ms: number | null }>(
      `SELECT count(*)::int AS opened, count(r.at)::int AS responded,
              (avg(extract(epoch FROM r.at - i.created_at)) * 1000)::float8 AS mean_ms
         FROM incidents i
         LEFT JOIN LATERAL (SELECT min(s.at) AS at FROM incident_steps s
                             WHERE s.incident_id = i.id AND s.seq > 1 AND s.role <> 'system') AS r ON true
        WHERE ${MAINTENANCE} AND i.created_at >= $2 AND i.created_at < $3`,
      [community, from, monthEnd],
    ),
    db.query<{ raised: number; acknowledged: number; mean_ms: number | null }>(
      `SELECT count(*)::int AS raised, count(acknowledged_at)::int AS acknowledged,
              (avg(extract(epoch FROM greatest(acknowledged_at - raised_at, interval '0')))
                FILTER (WHERE acknowledged_at IS NOT NULL) * 1000)::float8 AS mean_ms
         FROM community_alerts WHERE community = $1 AND raised_at >= $2 AND raised_at < $3`,
      [community, from, monthEnd],
    ),
  ]);
  const ms = (state: 'online' | 'offline') => Number(availability.rows.find((row) => row.state === state)?.ms ?? 0);
  const online = ms('online');
  const offline = ms('offline');
  const c = closed.rows[0] ?? { closed: 0, on_time: 0 };
  const r = response.rows[0] ?? { opened: 0, responded: 0, mean_ms: null };
  const a = alerts.rows[0] ?? { raised: 0, acknowledged: 0, mean_ms: null };
  const minutes = (value: number | null) => (value === null ? null : Math.round(Number(value) / 6_000) / 10);
  return {
    month,
    online_ms: Math.round(online),
    offline_ms: Math.round(offline),
    device_online_rate: ratio(online, online + offline),
    tickets_closed: c.closed,
    tickets_closed_on_time: c.on_time,
    closed_on_time_rate: ratio(c.on_time, c.closed),
    tickets_opened: r.opened,
    tickets_responded: r.responded,
    tickets_awaiting_response: r.opened - r.responded,
    mean_response_minutes: minutes(r.mean_ms),
    alerts_raised: a.raised,
    alerts_acknowledged: a.acknowledged,
    mean_acknowledge_minutes: minutes(a.mean_ms),
  };
}

/** The KPIs of each month from `from` to `to` (both `YYYY-MM`, included), oldest first. */
export async function propertyKpis(
  db: Queryable,
  community: string,
  range: { from: string; to: string },
  now: Date,
): Promise<PropertyMonthKpis[]> {
  const months = monthsBetween(range.from, range.to);
  return Promise.all(months.map((month) => propertyMonthKpis(db, community, month, now)));
}

const percent = (rate: number | null) => (rate === null ? '' : (rate * 100).toFixed(1));
const number = (value: number | null) => (value === null ? '' : String(value));

/** The export's columns: zh-CN heading first, English after it. */
const CSV_COLUMNS: Array<[heading: string, value: (row: PropertyMonthKpis) => string]> = [
  ['月份 Month', (row) => row.month],
  ['设备在线率(%) Device online rate (%)', (row) => percent(row.device_online_rate)],
  ['关闭工单 Tickets closed', (row) => String(row.tickets_closed)],
  ['按时关闭 Closed on time', (row) => String(row.tickets_closed_on_time)],
  ['按时关闭率(%) Closed on time (%)', (row) => percent(row.closed_on_time_rate)],
  ['新开工单 Tickets opened', (row) => String(row.tickets_opened)],
  ['已响应 Responded', (row) => String(row.tickets_responded)],
  ['平均响应时长(分钟) Mean time to respond (min)', (row) => number(row.mean_response_minutes)],
  ['告警数 Alerts raised', (row) => String(row.alerts_raised)],
  ['已确认告警 Alerts acknowledged', (row) => String(row.alerts_acknowledged)],
  ['告警平均确认时长(分钟) Mean time to acknowledge (min)', (row) => number(row.mean_acknowledge_minutes)],
];

const cell = (text: string) => (/[",\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text);

/** The KPIs as CSV (UTF-8 with a byte-order mark, so spreadsheet programs read the Chinese headings). */
export function kpisCsv(rows: readonly PropertyMonthKpis[]): string {
  const lines = [CSV_COLUMNS.map(([heading]) => cell(heading)).join(',')];
  for (const row of rows) lines.push(CSV_COLUMNS.map(([, value]) => cell(value(row))).join(','));
  return `\uFEFF${lines.join('\r\n')}\r\n`;
}
