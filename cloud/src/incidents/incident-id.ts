import type { Queryable } from '../db/db.js';

const CHINA_OFFSET_MS = 8 * 3600_000;

/**
 * Case numbers read like the centre's paper ones: `INC-20261125-000042`, the date in China time
 * (UTC+8, no daylight saving) and a number from one database sequence, unique across replicas.
 */
export async function nextIncidentId(db: Queryable, now: Date): Promise<string> {
  const { rows } = await db.query<{ n: number }>("SELECT nextval('incident_number') AS n");
  return formatIncidentId(Number(rows[0]?.n), now);
}

/** The case number of sequence value `n` taken at `now`. */
export function formatIncidentId(n: number, now: Date): string {
  return `INC-${chinaDate(now)}-${String(n).padStart(6, '0')}`;
}

/** The date in China time (UTC+8) of `now`, as case numbers show it: `20261125`. */
export function chinaDate(now: Date): string {
  return new Date(now.getTime() + CHINA_OFFSET_MS).toISOString().slice(0, 10).replaceAll('-', '');
}
