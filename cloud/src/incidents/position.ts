import { MAX_ACCURACY_M, PositionFix } from '@gridlink/protocol';
import type { Queryable } from '../db/db.js';
import { distanceMetres, toWgs84 } from '../territory/index.js';
import { IncidentError } from './errors.js';
import type { Incident, IncidentPosition } from './records.js';

/** A phone's clock may run this much ahead of the cloud's before its fix counts as "in the future". */
export const CLOCK_SKEW_MS = 2 * 60_000;
/** A fix older than this is not "now, on site": the phone kept it from another visit. */
export const MAX_FIX_AGE_MS = 24 * 60 * 60_000;

/** A point as phones send it, and the coarsest fix worth recording: wire shapes of the protocol. */
export { MAX_ACCURACY_M, PositionFix };

/** A fix as a step records it: WGS-84, the accuracy, the time, and which datum the phone sent. */
export interface RecordedFix {
  lon: number;
  lat: number;
  accuracy_m: number;
  at: string;
  crs_sent: 'wgs84' | 'gcj02';
}

/**
 * Parses a fix at `pointer` (e.g. `/data/position`): the datum converted to WGS-84, a time in the
 * future (beyond the phone's clock skew) or older than a day refused with the field named.
 */
export function parseFix(value: unknown, now: Date, pointer: string): RecordedFix {
  const parsed = PositionFix.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = `${pointer}${issue && issue.path.length > 0 ? `/${issue.path.join('/')}` : ''}`;
    throw new IncidentError('GL_INCIDENT_INVALID_INPUT', `${field}: ${issue?.message ?? 'invalid position'}`, {
      need: 'position',
      field,
      problem: issue?.message ?? 'invalid position',
      pointer: field,
    });
  }
  const fix = parsed.data;
  const at = fix.at === undefined ? now : new Date(fix.at);
  checkFixTime(at, now, `${pointer}/at`);
  const point = toWgs84({ lon: fix.lon, lat: fix.lat }, fix.crs);
  return { lon: point.lon, lat: point.lat, accuracy_m: fix.accuracy_m, at: at.toISOString(), crs_sent: fix.crs };
}

/** Refuses a fix taken in the future (beyond the phone's clock skew) or more than a day ago, naming `field`. */
export function checkFixTime(at: Date, now: Date, field: string): void {
  const ahead = at.getTime() - now.getTime();
  if (ahead > CLOCK_SKEW_MS || now.getTime() - at.getTime() > MAX_FIX_AGE_MS) {
    const problem =
      ahead > 0
        ? `the fix is ${Math.round(ahead / 60_000)} min in the future: check the phone's clock`
        : 'the fix is more than a day old: take a new one on site';
    throw new IncidentError('GL_INCIDENT_INVALID_INPUT', `${field}: ${problem}`, {
      need: ahead > 0 ? 'position_future' : 'position_stale',
      field,
      problem,
      pointer: field,
    });
  }
}

/** Where an incident is for measuring: its own point, else its building unit's (territory), else unknown. */
export interface PlacePosition {
  position: IncidentPosition;
  source: 'incident' | 'building';
}

/**
 * The incident's own position, else that of its building (the mean of its units' positions when
 * the incident names no unit) as the territory records it; undefined when neither is known.
 */
export async function placePosition(q: Queryable, incident: Incident): Promise<PlacePosition | undefined> {
  if (incident.position !== null) return { position: incident.position, source: 'incident' };
  const { community, building, unit } = incident.place;
  if (community === null || building === null) return undefined;
  const { rows } = await q.query<{ lon: number | null; lat: number | null }>(
    `SELECT avg(lon) AS lon, avg(lat) AS lat FROM territory_buildings
      WHERE community_code = $1 AND building = $2 AND ($3::text IS NULL OR unit = $3) AND lon IS NOT NULL`,
    [community, building, unit],
  );
  const found = rows[0];
  if (found?.lon == null || found.lat == null) return undefined;
  return { position: { lon: Number(found.lon), lat: Number(found.lat), accuracyM: null }, source: 'building' };
}

/** Metres from a fix to the place, rounded to the metre. */
export function distanceTo(fix: { lon: number; lat: number }, place: PlacePosition): number {
  return Math.round(distanceMetres(fix, place.position));
}

/**
 * {@link placePosition} for a page of incidents in one query: each incident's own point, else its
 * building's (unit's) from the territory; incidents placed nowhere are left out of the map.
 */
export async function placePositions(
  q: Queryable,
  incidents: readonly Incident[],
): Promise<Map<string, PlacePosition>> {
  const found = new Map<string, PlacePosition>();
  const communities = new Set<string>();
  for (const incident of incidents) {
    if (incident.position !== null) found.set(incident.id, { position: incident.position, source: 'incident' });
    else if (incident.place.community !== null && incident.place.building !== null)
      communities.add(incident.place.community);
  }
  if (communities.size === 0) return found;
  // Sums and counts per unit, so a building's point is the mean of all its units' rows, as one by one.
  const { rows } = await q.query<{
    community_code: string;
    building: string;
    unit: string | null;
    lon: number;
    lat: number;
    n: number;
  }>(
    `SELECT community_code, building, unit, sum(lon) AS lon, sum(lat) AS lat, count(*) AS n FROM territory_buildings
      WHERE community_code = ANY($1::text[]) AND lon IS NOT NULL AND lat IS NOT NULL
      GROUP BY community_code, building, unit`,
    [[...communities]],
  );
  const sums = new Map<string, { lon: number; lat: number; n: number }>();
  const add = (key: string, row: { lon: number; lat: number; n: number }) => {
    const sum = sums.get(key) ?? { lon: 0, lat: 0, n: 0 };
    sums.set(key, { lon: sum.lon + Number(row.lon), lat: sum.lat + Number(row.lat), n: sum.n + Number(row.n) });
  };
  for (const row of rows) {
    add(JSON.stringify([row.community_code, row.building, null]), row);
    if (row.unit !== null) add(JSON.stringify([row.community_code, row.building, row.unit]), row);
  }
  for (const incident of incidents) {
    if (found.has(incident.id)) continue;
    const { community, building, unit } = incident.place;
    const sum = sums.get(JSON.stringify([community, building, unit]));
    if (!sum || sum.n === 0) continue;
    found.set(incident.id, {
      position: { lon: sum.lon / sum.n, lat: sum.lat / sum.n, accuracyM: null },
      source: 'building',
    });
  }
  return found;
}
