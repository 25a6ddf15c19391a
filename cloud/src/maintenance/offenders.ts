import type { Queryable } from '../db/db.js';

/** A device whose maintenance tickets came back within the repeat window. */
export interface RepeatOffender {
  device_id: string;
  gateway_id: string | null;
  /** Maintenance tickets opened for it within the window (any origin: the sweep or the gateway's alerts). */
  tickets: number;
  /** How many of them are open now. */
  open: number;
  /** Their categories, e.g. device_maintenance.offline, device_maintenance.low_battery. */
  categories: string[];
  last_opened_at: string;
}

/**
 * The community's repeat offenders (docs/domain.md §7): devices with two or more maintenance
 * tickets opened within the last `windowDays` before `now`, most tickets first.
 */
export async function repeatOffenders(
  q: Queryable,
  community: string,
  windowDays: number,
  now: Date,
): Promise<RepeatOffender[]> {
  const { rows } = await q.query<{
    device_id: string;
    gateway_id: string | null;
    tickets: number;
    open: number;
    categories: string[];
    last_opened_at: Date;
  }>(
    `SELECT device_id, (array_agg(gateway_id ORDER BY created_at DESC))[1] AS gateway_id,
            count(*)::integer AS tickets, count(*) FILTER (WHERE closed_at IS NULL)::integer AS open,
            array_agg(DISTINCT category_code ORDER BY category_code) AS categories,
            max(created_at) AS last_opened_at
       FROM incidents
      WHERE community = $1 AND category_code LIKE 'device_maintenance.%' AND device_id IS NOT NULL
        AND created_at > $2 AND NOT drill
      GROUP BY device_id HAVING count(*) >= 2
      ORDER BY tickets DESC, last_opened_at DESC, device_id`,
    [community, new Date(now.getTime() - windowDays * 86_400_000)],
  );
  return rows.map((row) => ({
    device_id: row.device_id,
    gateway_id: row.gateway_id,
    tickets: Number(row.tickets),
    open: Number(row.open),
    categories: row.categories,
    last_opened_at: row.last_opened_at.toISOString(),
  }));
}
