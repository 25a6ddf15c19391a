import type { Clock } from '../clock.js';
import type { Db } from '../db/db.js';
import { ARRIVAL_MEASURE } from '../deadlines/rules.js';
import type { Language } from '../i18n/message.js';
import type { PersonalDataSeal } from '../privacy/seal.js';
import { distanceMetres } from '../territory/gcj02.js';
import { TerritoryStore } from '../territory/store.js';
import { chinaDate, chinaDay, planDay } from './day.js';
import { PatrolPlans, type PatrolRoute } from './plans.js';
import { type PatrolSession, PatrolSessions, sessionOf } from './sessions.js';
import { PatrolSettingsStore } from './settings.js';
import { openTrack } from './tracks.js';
import { walkedMetres } from './trajectory.js';

/** What a grid worker's patrols and field work came to over a period (巡查考核). */
export interface PatrolCounts {
  /** Rounds their routes asked for, due by now (or done early). */
  rounds_planned: number;
  /** Rounds whose patrol reached every checkpoint with no flagged check-in. */
  rounds_done: number;
  /** 巡查到位率: rounds done ÷ planned, as a percentage (null with nothing planned). */
  round_rate: number | null;
  checkpoints_planned: number;
  checkpoints_reached: number;
  checkpoint_rate: number | null;
  /** Check-ins stored flagged (outside the grid, implausibly fast, clock corrected). */
  checkins_flagged: number;
  /** Patrols ended in the period, their metres walked (gaps excluded) and minutes on foot. */
  patrols: number;
  distance_m: number;
  patrol_minutes: number;
  /** Reports (随手拍) they filed, and those not rejected as invalid. */
  reports_filed: number;
  reports_valid: number;
  /** First arrivals on site after each dispatch, and their median minutes from the dispatch. */
  arrivals: number;
  arrival_median_minutes: number | null;
}

export interface PatrolWorkerKpis extends PatrolCounts {
  worker_id: string;
  display_name: string;
  grids: string[];
}

export interface PatrolGridKpis extends PatrolCounts {
  grid_code: string;
  name: { zh: string; en: string | null };
}

export interface PatrolKpis {
  from: string;
  to: string;
  workers: PatrolWorkerKpis[];
  grids: PatrolGridKpis[];
}

const percent = (part: number, whole: number) => (whole === 0 ? null : Math.round((part / whole) * 10_000) / 100);

const median = (values: number[]): number | null => {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const value = sorted.length % 2 === 1 ? sorted[middle] : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
  return Math.round((value ?? 0) * 10) / 10;
};

/** Running totals; rates and the median are worked out at the end. */
class Tally {
  roundsPlanned = 0;
  roundsDone = 0;
  checkpointsPlanned = 0;
  checkpointsReached = 0;
  checkinsFlagged = 0;
  patrols = 0;
  distance = 0;
  minutes = 0;
  reportsFiled = 0;
  reportsValid = 0;
  arrivalMinutes: number[] = [];

  counts(): PatrolCounts {
    return {
      rounds_planned: this.roundsPlanned,
      rounds_done: this.roundsDone,
      round_rate: percent(this.roundsDone, this.roundsPlanned),
      checkpoints_planned: this.checkpointsPlanned,
      checkpoints_reached: this.checkpointsReached,
      checkpoint_rate: percent(this.checkpointsReached, this.checkpointsPlanned),
      checkins_flagged: this.checkinsFlagged,
      patrols: this.patrols,
      distance_m: Math.round(this.distance),
      patrol_minutes: Math.round(this.minutes),
      reports_filed: this.reportsFiled,
      reports_valid: this.reportsValid,
      arrivals: this.arrivalMinutes.length,
      arrival_median_minutes: median(this.arrivalMinutes),
    };
  }
}

/** China-time dates from `from` up to `to` (excluded) and not after today. */
function daysOf(from: Date, to: Date, now: Date): string[] {
  const last = chinaDate(new Date(Math.min(to.getTime() - 1, now.getTime())));
  const days: string[] = [];
  for (let day = chinaDate(from); day <= last; day = chinaDate(chinaDay(day).to)) days.push(day);
  return days;
}

/**
 * Patrol KPIs of the grid workers of a territory over a period, each from the records themselves:
 * rounds and checkpoints as the worker's day counts them (a round is planned once it is due, or
 * when it was done early; a route counts from the day it was made), metres from the stored
 * tracks, reports and arrivals from the incidents' steps (drills left out).
 */
export async function patrolKpis(
  db: Db,
  clock: Clock,
  /** Opens the ended patrols' sealed tracks (`TRACK_SEAL_PURPOSE`). */
  seal: PersonalDataSeal,
  query: { from: Date; to: Date; territoryPrefixes: readonly string[] },
): Promise<PatrolKpis> {
  const now = clock();
  const { rows: people } = await db.query<{ user_id: string; display_name: string; grid: string }>(
    `SELECT r.user_id, u.display_name, r.scope AS grid
       FROM role_assignments r JOIN users u ON u.id = r.user_id
      WHERE r.role = 'grid_worker' AND r.scope LIKE ANY($1::text[])
      ORDER BY r.user_id, r.scope`,
    [query.territoryPrefixes.map((prefix) => `${prefix}%`)],
  );
  const workers = new Map<string, { name: string; grids: string[] }>();
  for (const row of people) {
    const worker = workers.get(row.user_id) ?? { name: row.display_name, grids: [] };
    worker.grids.push(row.grid);
    workers.set(row.user_id, worker);
  }
  const ids = [...workers.keys()];
  const plans = new PatrolPlans(db, clock);
  const sessionsStore = new PatrolSessions(db, clock, plans, new TerritoryStore(db), seal);
  const [routes, settings, sessionRows] = await Promise.all([
    plans.routesOfGrids([...new Set(people.map((p) => p.grid))]),
    new PatrolSettingsStore(db, clock).get(),
    db.query<Parameters<typeof sessionOf>[0]>(
      `SELECT id, worker_id, request_id, route_id, grid_code, started_at, ended_at, clock_offset_ms
         FROM patrol_sessions WHERE worker_id = ANY($1::text[]) AND started_at >= $2 AND started_at < $3`,
      [ids, query.from, query.to],
    ),
  ]);
  const sessions = sessionRows.rows.map(sessionOf);
  const checkins = await sessionsStore.checkins(sessions.map((s) => s.id));

  const byWorker = new Map(ids.map((id) => [id, new Tally()]));
  const byGrid = new Map<string, Tally>();
  const gridTally = (grid: string) => {
    const tally = byGrid.get(grid) ?? new Tally();
    byGrid.set(grid, tally);
    return tally;
  };
  const both = (workerId: string, grid: string, add: (tally: Tally) => void) => {
    const own = byWorker.get(workerId);
    if (own) add(own);
    add(gridTally(grid));
  };

  // Rounds and checkpoints, day by day, as the worker's day page counts them.
  const sessionsOf = new Map<string, PatrolSession[]>();
  for (const session of sessions) {
    const key = `${session.worker_id} ${chinaDate(new Date(session.started_at))}`;
    sessionsOf.set(key, [...(sessionsOf.get(key) ?? []), session]);
  }
  for (const day of daysOf(query.from, query.to, now)) {
    const { to: dayEnd } = chinaDay(day);
    for (const [workerId, worker] of workers) {
      const own: PatrolRoute[] = routes.filter(
        (route) => worker.grids.includes(route.grid_code) && new Date(route.created_at) < dayEnd,
      );
      if (own.length === 0) continue;
      const daySessions = sessionsOf.get(`${workerId} ${day}`) ?? [];
      const ids = new Set(daySessions.map((s) => s.id));
      const plan = planDay({
        date: day,
        now,
        workerId,
        grids: worker.grids,
        routes: own,
        sessions: daySessions,
        checkins: checkins.filter((c) => ids.has(c.session_id)),
        tasks: [],
      });
      for (const route of plan.routes) {
        for (const round of route.rounds) {
          const due = new Date(round.due_at) <= now;
          if (!due && round.state !== 'done') continue;
          both(workerId, route.grid_code, (tally) => {
            tally.roundsPlanned++;
            if (round.state === 'done') tally.roundsDone++;
            tally.checkpointsPlanned += round.checkpoints_total;
            tally.checkpointsReached += round.checkpoints_reached;
          });
        }
      }
    }
  }

  // Flagged check-ins, and the ended patrols' metres and minutes from their packed tracks.
  const sessionById = new Map(sessions.map((s) => [s.id, s]));
  for (const checkin of checkins) {
    const session = sessionById.get(checkin.session_id);
    if (session && checkin.flags.length > 0)
      both(session.worker_id, session.grid_code, (tally) => {
        tally.checkinsFlagged++;
      });
  }
  const ended = sessions.filter((s) => s.ended_at !== null && new Date(s.ended_at) < query.to);
  const { rows: tracks } = await db.query<{ session_id: number | string; base_at: Date; packed: Uint8Array }>(
    'SELECT session_id, base_at, packed FROM patrol_tracks WHERE session_id = ANY($1::bigint[])',
    [ended.map((s) => Number(s.id))],
  );
  const gapMs = settings.position_interval_s * settings.gap_intervals * 1000;
  const metres = new Map(
    tracks.map((t) => [
      String(t.session_id),
      walkedMetres(openTrack(seal, t.session_id, t.base_at, t.packed), gapMs, distanceMetres),
    ]),
  );
  for (const session of ended) {
    both(session.worker_id, session.grid_code, (tally) => {
      tally.patrols++;
      tally.distance += metres.get(session.id) ?? 0;
      tally.minutes +=
        (new Date(session.ended_at as string).getTime() - new Date(session.started_at).getTime()) / 60_000;
    });
  }

  // Reports the workers filed, and their first arrivals after each dispatch.
  const { rows: reports } = await db.query<{ actor: string; grid: string | null; state: string }>(
    `SELECT s.actor, i.grid AS grid, i.state
       FROM incident_steps s JOIN incidents i ON i.id = s.incident_id
      WHERE s.action = 'report' AND s.role = 'grid_worker' AND s.actor = ANY($1::text[])
        AND s.at >= $2 AND s.at < $3 AND NOT i.drill`,
    [ids, query.from, query.to],
  );
  for (const report of reports) {
    const grid = report.grid ?? workers.get(report.actor)?.grids[0] ?? '';
    both(report.actor, grid, (tally) => {
      tally.reportsFiled++;
      if (report.state !== 'INVALID') tally.reportsValid++;
    });
  }
  const { rows: arrivals } = await db.query<{
    incident_id: string;
    actor: string;
    grid: string | null;
    at: Date;
    started: Date | null;
  }>(
    `SELECT a.incident_id, a.actor, i.grid AS grid, a.at,
            (SELECT max(d.at) FROM incident_steps d
              WHERE d.incident_id = a.incident_id AND d.seq < a.seq AND d.action = ANY($4::text[])) AS started
       FROM incident_steps a JOIN incidents i ON i.id = a.incident_id
      WHERE a.action = 'arrive' AND a.actor = ANY($1::text[]) AND a.at >= $2 AND a.at < $3 AND NOT i.drill
      ORDER BY a.at`,
    [ids, query.from, query.to, [...ARRIVAL_MEASURE.startsAt]],
  );
  const counted = new Set<string>();
  for (const arrival of arrivals) {
    if (arrival.started === null) continue;
    // Arriving again on the same dispatch is a record, not another response.
    const key = `${arrival.incident_id} ${arrival.started.getTime()}`;
    if (counted.has(key)) continue;
    counted.add(key);
    const minutes = (arrival.at.getTime() - arrival.started.getTime()) / 60_000;
    const grid = arrival.grid ?? workers.get(arrival.actor)?.grids[0] ?? '';
    both(arrival.actor, grid, (tally) => {
      tally.arrivalMinutes.push(minutes);
    });
  }

  const shownGrids = [...byGrid.keys()].filter((grid) => query.territoryPrefixes.some((p) => grid.startsWith(p)));
  const { rows: names } = await db.query<{ code: string; name_zh: string; name_en: string | null }>(
    'SELECT code, name_zh, name_en FROM territory_units WHERE code = ANY($1::text[])',
    [shownGrids],
  );
  const nameOf = new Map(names.map((n) => [n.code, { zh: n.name_zh, en: n.name_en }]));
  return {
    from: query.from.toISOString(),
    to: query.to.toISOString(),
    workers: ids.map((id) => ({
      worker_id: id,
      display_name: workers.get(id)?.name ?? id,
      grids: workers.get(id)?.grids ?? [],
      ...(byWorker.get(id) ?? new Tally()).counts(),
    })),
    grids: shownGrids.sort().map((grid) => ({
      grid_code: grid,
      name: nameOf.get(grid) ?? { zh: grid, en: null },
      ...(byGrid.get(grid) ?? new Tally()).counts(),
    })),
  };
}

/** The columns of the patrol sheet, named in both languages as the assessment sheets are. */
const COLUMNS: ReadonlyArray<{ key: keyof PatrolCounts; zh: string; en: string }> = [
  { key: 'rounds_planned', zh: '应巡轮次', en: 'Rounds planned' },
  { key: 'rounds_done', zh: '到位轮次', en: 'Rounds done' },
  { key: 'round_rate', zh: '巡查到位率(%)', en: 'Patrol completion (%)' },
  { key: 'checkpoints_planned', zh: '应到点位', en: 'Checkpoints planned' },
  { key: 'checkpoints_reached', zh: '已到点位', en: 'Checkpoints reached' },
  { key: 'checkpoint_rate', zh: '点位到达率(%)', en: 'Checkpoints reached (%)' },
  { key: 'checkins_flagged', zh: '存疑打卡', en: 'Flagged check-ins' },
  { key: 'patrols', zh: '巡查次数', en: 'Patrols' },
  { key: 'distance_m', zh: '巡查里程(米)', en: 'Distance (m)' },
  { key: 'patrol_minutes', zh: '巡查时长(分钟)', en: 'Time on patrol (min)' },
  { key: 'reports_filed', zh: '上报事件', en: 'Reports filed' },
  { key: 'reports_valid', zh: '有效上报', en: 'Valid reports' },
  { key: 'arrivals', zh: '到场次数', en: 'Arrivals' },
  { key: 'arrival_median_minutes', zh: '到场用时中位数(分钟)', en: 'Median minutes to arrive' },
];

/** The sheet: one row per worker, then one per grid, in the reader's language. */
export function patrolKpisTable(kpis: PatrolKpis, language: Language): string[][] {
  const en = language === 'en';
  const cell = (value: number | null) => (value === null ? '' : String(value));
  const header = [
    en ? 'Level' : '层级',
    en ? 'Code' : '编码',
    en ? 'Name' : '名称',
    ...COLUMNS.map((c) => (en ? c.en : c.zh)),
  ];
  return [
    header,
    ...kpis.workers.map((w) => [
      en ? 'Worker' : '网格员',
      w.worker_id,
      w.display_name,
      ...COLUMNS.map((c) => cell(w[c.key])),
    ]),
    ...kpis.grids.map((g) => [
      en ? 'Grid' : '网格',
      g.grid_code,
      (en ? g.name.en : null) ?? g.name.zh,
      ...COLUMNS.map((c) => cell(g[c.key])),
    ]),
  ];
}
