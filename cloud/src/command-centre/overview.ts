import {
  INCIDENT_STATES,
  type IncidentSource,
  type IncidentState,
  IncidentSource as Sources,
} from '@gridlink/protocol';
import type { Queryable } from '../db/db.js';
import { fleetGateways } from '../fleet/read.js';
import type { TroubleThresholds } from '../fleet/trouble.js';
import type { Incident } from '../incidents/index.js';
import { placePositions } from '../incidents/position.js';
import { type IncidentRow, toIncident } from '../incidents/records.js';
import { type KpiPolicy, kpisFromCounts } from '../kpi/compute.js';
import type { Counts } from '../kpi/definitions.js';
import { kpiCounts } from '../kpi/query.js';
import { prefixPattern, scopeCondition, TERRITORY_OF_ROW } from '../people/scope-sql.js';
import type { TrafficLight } from '../time-limits/index.js';
import { chinaDate, chinaDayStart, chinaMonthStart, previousChinaMonthStart } from './china-time.js';
import type { CommandCentreOverview, PinLight } from './schema.js';

/** The lights of many open incidents at `now`, as the incident list shows them, by incident id. */
export type LightsOf = (incidents: readonly Incident[], now: Date) => Promise<ReadonlyMap<string, TrafficLight | null>>;

export interface OverviewQuery {
  /** The territories shown (codes nest by prefix); never empty. */
  territories: readonly string[];
  now: Date;
  /** The tenant's KPI settings, as `GET /kpis` reads them. */
  kpiPolicy: KpiPolicy;
  /** The fleet's thresholds, as `GET /fleet/gateways` reads them. */
  thresholds: TroubleThresholds;
  /** Without time limits every light is unknown. */
  lightsOf?: LightsOf | undefined;
}

/** How many urgent incidents the ticker carries. */
export const TICKER_LENGTH = 20;
const LIGHT_DIGIT: Record<string, PinLight> = { green: 1, yellow: 2, red: 3 };
const LIGHT_RANK = [null, 'green', 'yellow', 'red'] as const;

interface UnitRow {
  code: string;
  name_zh: string;
  name_en: string | null;
  lon: number | null;
  lat: number | null;
}

const names = (unit: { name_zh: string; name_en: string | null } | undefined, code: string) => ({
  zh: unit?.name_zh ?? code,
  en: unit?.name_en ?? unit?.name_zh ?? code,
});

/**
 * The command screen of `territories` (docs/domain.md §3–§5, §7) at `now`, drills left out. Built
 * for a district's 10,000 open incidents: one read of the open incidents and their steps, whose
 * lights the time limits compute as the incident list does (limits looked up once per category);
 * the day's figures from step records; the KPIs by the KPI query itself; gateways by the fleet's read.
 */
export async function commandCentreOverview(db: Queryable, query: OverviewQuery): Promise<CommandCentreOverview> {
  const { territories, now } = query;
  const open = await openIncidents(db, territories);

  const [lights, places, units, categories, today, kpi, health] = await Promise.all([
    query.lightsOf ? query.lightsOf(open, now) : Promise.resolve(new Map<string, TrafficLight | null>()),
    placePositions(db, open),
    territoryUnits(db, territories),
    categoryNames(db),
    todayFigures(db, territories, now),
    kpiMonths(db, territories, now, query.kpiPolicy),
    fleetHealth(db, territories, now, query.thresholds),
  ]);
  const lightOf = (incident: Incident) => lights.get(incident.id) ?? null;

  const byState = new Map<IncidentState, number>();
  const byCategory = new Map<string, number>();
  const bySource = new Map<IncidentSource, number>();
  const byLight = { green: 0, yellow: 0, red: 0, none: 0 };
  const grids = new Map<string, { open: number; worst: number }>();
  const pinCategories: string[] = [];
  const categoryIndex = new Map<string, number>();
  const pins: CommandCentreOverview['pins'] = {
    categories: pinCategories,
    states: [...INCIDENT_STATES],
    id: [],
    lon: [],
    lat: [],
    light: [],
    category: [],
    state: [],
  };
  const round = (degrees: number) => Math.round(degrees * 1e6) / 1e6;
  for (const incident of open) {
    const light = lightOf(incident);
    const digit = light === null ? 0 : (LIGHT_DIGIT[light] ?? 0);
    byState.set(incident.state, (byState.get(incident.state) ?? 0) + 1);
    const top = incident.categoryCode.split('.')[0] ?? incident.categoryCode;
    byCategory.set(top, (byCategory.get(top) ?? 0) + 1);
    bySource.set(incident.source, (bySource.get(incident.source) ?? 0) + 1);
    byLight[light ?? 'none'] += 1;
    const grid = incident.place.grid?.slice(0, 15);
    if (grid !== undefined) {
      const seen = grids.get(grid) ?? { open: 0, worst: 0 };
      grids.set(grid, { open: seen.open + 1, worst: Math.max(seen.worst, digit) });
    }
    let category = categoryIndex.get(incident.categoryCode);
    if (category === undefined) {
      category = pinCategories.push(incident.categoryCode) - 1;
      categoryIndex.set(incident.categoryCode, category);
    }
    // Where to pin it: its own point or its building's, else the centre of its grid or community.
    const point =
      places.get(incident.id)?.position ??
      centreOf(units.get(grid ?? '')) ??
      centreOf(units.get(incident.place.community ?? ''));
    pins.id.push(incident.id);
    pins.lon.push(point ? round(point.lon) : null);
    pins.lat.push(point ? round(point.lat) : null);
    pins.light.push(digit);
    pins.category.push(category);
    pins.state.push(INCIDENT_STATES.indexOf(incident.state));
  }

  const placeName = (incident: Incident) => {
    const code = incident.place.grid?.slice(0, 15) ?? incident.place.community ?? '';
    return names(units.get(code), code);
  };
  const ticker = open
    .filter((incident) => incident.urgent || incident.severity === 'critical')
    .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || b.id.localeCompare(a.id))
    .slice(0, TICKER_LENGTH)
    .map((incident) => ({
      id: incident.id,
      category: incident.categoryCode,
      category_name: categoryName(categories, incident.categoryCode),
      severity: incident.severity,
      state: incident.state,
      source: incident.source,
      place: placeName(incident),
      light: lightOf(incident),
      created_at: incident.createdAt.toISOString(),
    }));

  const titleCode = territories[0] ?? '';
  return {
    as_of: now.toISOString(),
    territories: [...territories],
    title: { code: titleCode, name: names(units.get(titleCode), titleCode) },
    open: {
      total: open.length,
      by_state: INCIDENT_STATES.filter((state) => byState.has(state)).map((state) => ({
        state,
        count: byState.get(state) ?? 0,
      })),
      by_category: [...byCategory]
        .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
        .map(([code, count]) => ({ code, name: categoryName(categories, code), count })),
      by_source: Sources.options
        .filter((source) => bySource.has(source))
        .map((source) => ({ source, count: bySource.get(source) ?? 0 })),
      by_light: byLight,
    },
    today,
    kpi,
    health,
    grids: [...grids]
      .sort((a, b) => a[0].localeCompare(b[0]))
      .map(([code, grid]) => {
        const unit = units.get(code);
        const centre = centreOf(unit);
        return {
          code,
          name: names(unit, code),
          open: grid.open,
          light: LIGHT_RANK[grid.worst] ?? null,
          centroid: centre ? ([round(centre.lon), round(centre.lat)] as [number, number]) : null,
        };
      }),
    ticker,
    pins,
    category_names: Object.fromEntries(categories),
  };
}

/**
 * The open incidents under the territories, drills left out, with what the screen and their lights
 * need: what people wrote (titles, descriptions, addresses) is not read, and times other than the
 * creation are not (a district's 10,000 rows are read every minute by every screen).
 */
async function openIncidents(db: Queryable, territories: readonly string[]): Promise<Incident[]> {
  const scope = scopeCondition({ territoryPrefixes: territories }, { territory: TERRITORY_OF_ROW }, 1);
  const { rows } = await db.query<IncidentRow>(
    `SELECT id, version, state, category_code, severity, urgent, supervision, level, source, drill,
            community, grid, building, unit, NULL::int AS floor, NULL::text AS room, NULL::text AS device_id,
            gateway_id, NULL::text AS address, NULL::text AS alert_id, NULL::text AS dedup_key, 1 AS occurrences,
            NULL::timestamptz AS first_occurred_at, NULL::timestamptz AS last_occurred_at, 0 AS rework_count,
            assignee, NULL::text AS merged_into, '' AS title, NULL::text AS description, created_at,
            NULL::timestamptz AS updated_at, NULL::timestamptz AS closed_at, position_lon, position_lat,
            NULL::float8 AS position_accuracy_m
       FROM incidents WHERE closed_at IS NULL AND NOT drill AND ${scope.sql}
      -- Oldest first: the screen spreads pins that share a point in this order, the same on every read.
      ORDER BY created_at, id`,
    scope.params,
  );
  return rows.map(toIncident);
}

/**
 * The centre of a unit's current area: the middle of its bounding box, which the territory keeps
 * per area (a grid is small and compact; a pin there says "somewhere in this grid").
 */
const centreOf = (unit: UnitRow | undefined) =>
  unit?.lon == null || unit.lat == null ? undefined : { lon: Number(unit.lon), lat: Number(unit.lat) };

/** The units under the territories (and the territories themselves), with the centre of their current area. */
async function territoryUnits(db: Queryable, territories: readonly string[]): Promise<Map<string, UnitRow>> {
  const { rows } = await db.query<UnitRow>(
    `SELECT u.code, u.name_zh, u.name_en, (p.min_lon + p.max_lon) / 2 AS lon, (p.min_lat + p.max_lat) / 2 AS lat
       FROM territory_units AS u
       LEFT JOIN territory_polygons AS p ON p.unit_code = u.code AND p.valid_to IS NULL
      WHERE u.code LIKE ANY($1::text[])`,
    [territories.map(prefixPattern)],
  );
  return new Map(rows.map((row) => [row.code, row]));
}

type CategoryNames = Map<string, { zh: string; en: string }>;

async function categoryNames(db: Queryable): Promise<CategoryNames> {
  const { rows } = await db.query<{ code: string; name_zh: string; name_en: string }>(
    'SELECT code, name_zh, name_en FROM categories',
  );
  return new Map(rows.map((row) => [row.code, { zh: row.name_zh, en: row.name_en }]));
}

const categoryName = (categories: CategoryNames, code: string) => categories.get(code) ?? { zh: code, en: code };

/** Today's (China time) intake, closures, breaches and escalations under the territories, drills left out. */
async function todayFigures(
  db: Queryable,
  territories: readonly string[],
  now: Date,
): Promise<CommandCentreOverview['today']> {
  const from = chinaDayStart(now);
  const scope = scopeCondition({ territoryPrefixes: territories }, { territory: TERRITORY_OF_ROW }, 3);
  const { rows } = await db.query<{ intake: number; closed: number; overdue: number; escalated: number }>(
    `WITH i AS (SELECT id, created_at FROM incidents WHERE NOT drill AND ${scope.sql}),
          s AS (SELECT s.incident_id, s.action FROM incident_steps AS s JOIN i ON i.id = s.incident_id
                 WHERE s.at >= $1 AND s.at <= $2 AND s.action IN ('close', 'overdue', 'escalate'))
     SELECT (SELECT count(*) FROM i WHERE created_at >= $1 AND created_at <= $2)::int AS intake,
            (SELECT count(DISTINCT incident_id) FROM s WHERE action = 'close')::int AS closed,
            (SELECT count(DISTINCT incident_id) FROM s WHERE action = 'overdue')::int AS overdue,
            (SELECT count(DISTINCT incident_id) FROM s WHERE action IN ('overdue', 'escalate'))::int AS escalated`,
    [from, now, ...scope.params],
  );
  const row = rows[0] ?? { intake: 0, closed: 0, overdue: 0, escalated: 0 };
  return { date: chinaDate(now), ...row };
}

const NO_COUNTS: Counts = {
  shouldDispatch: 0,
  dispatched: 0,
  shouldHandle: 0,
  handled: 0,
  closed: 0,
  closedOnTime: 0,
  dueForClosing: 0,
  reworks: 0,
  extensions: 0,
  callbacks: 0,
  satisfied: 0,
  solved: 0,
};

/** This month so far and last month, by the KPI query (`GET /kpis` over the same period and territories). */
async function kpiMonths(
  db: Queryable,
  territories: readonly string[],
  now: Date,
  policy: KpiPolicy,
): Promise<CommandCentreOverview['kpi']> {
  const month = async (from: Date, to: Date) => {
    const groups = await kpiCounts(db, { from, to, groupBy: 'district', territoryPrefix: territories, policy });
    const counts = { ...NO_COUNTS };
    for (const group of groups)
      for (const key of Object.keys(counts) as Array<keyof Counts>)
        counts[key] = (counts[key] ?? 0) + (group.counts[key] ?? 0);
    const report = kpisFromCounts(counts, policy);
    return {
      month: chinaDate(from).slice(0, 7),
      from: from.toISOString(),
      to: to.toISOString(),
      filed: counts.shouldDispatch,
      rates: Object.fromEntries(Object.entries(report.rates).map(([code, rate]) => [code, rate.percent])) as Record<
        keyof typeof report.rates,
        number | null
      >,
      composite: report.composite,
    };
  };
  const thisMonth = chinaMonthStart(now);
  const [current, last] = await Promise.all([month(thisMonth, now), month(previousChinaMonthStart(now), thisMonth)]);
  return { this_month: current, last_month: last };
}

/** Gateways and devices of the communities under the territories, as the fleet view judges them. */
async function fleetHealth(
  db: Queryable,
  territories: readonly string[],
  now: Date,
  thresholds: TroubleThresholds,
): Promise<CommandCentreOverview['health']> {
  const gateways = await fleetGateways(
    db,
    { all: false, territoryPrefixes: territories, gatewayIds: [] },
    thresholds,
    now,
  );
  const totals = { gateways: { total: 0, up: 0, link_down: 0, silent: 0 }, devices: { total: 0, offline: 0 } };
  const communities = new Map<
    string,
    { gateways: number; link_down: number; silent: number; devices: number; offline: number }
  >();
  for (const gateway of gateways) {
    const offline = Math.max(0, gateway.devices.total - gateway.devices.online);
    totals.gateways.total += 1;
    if (gateway.link === 'up') totals.gateways.up += 1;
    else if (gateway.link === 'down') totals.gateways.link_down += 1;
    else totals.gateways.silent += 1;
    totals.devices.total += gateway.devices.total;
    totals.devices.offline += offline;
    const code = gateway.community ?? '';
    const community = communities.get(code) ?? { gateways: 0, link_down: 0, silent: 0, devices: 0, offline: 0 };
    community.gateways += 1;
    if (gateway.link === 'down') community.link_down += 1;
    if (gateway.link === 'silent') community.silent += 1;
    community.devices += gateway.devices.total;
    community.offline += offline;
    communities.set(code, community);
  }
  const codes = [...communities.keys()];
  const { rows } = await db.query<{ code: string; name_zh: string; name_en: string | null }>(
    'SELECT code, name_zh, name_en FROM territory_units WHERE code = ANY($1::text[])',
    [codes],
  );
  const unitNames = new Map(rows.map((row) => [row.code, row]));
  return {
    ...totals,
    communities: [...communities]
      .map(([code, community]) => ({ code, name: names(unitNames.get(code), code), ...community }))
      .sort(
        (a, b) =>
          b.silent - a.silent || b.link_down - a.link_down || b.offline - a.offline || a.code.localeCompare(b.code),
      ),
  };
}
