import type { PatrolRoute, RoundWindow } from './plans.js';
import type { PatrolCheckin, PatrolSession } from './sessions.js';
import type { PatrolTask } from './tasks.js';

/** China time is UTC+8 all year (no daylight saving). */
const CHINA_OFFSET_MS = 8 * 3_600_000;

/** The China-time date (YYYY-MM-DD) of an instant. */
export const chinaDate = (at: Date): string => new Date(at.getTime() + CHINA_OFFSET_MS).toISOString().slice(0, 10);

/** The instant a China-time date starts, and the next day's start. */
export function chinaDay(date: string): { from: Date; to: Date } {
  const from = new Date(`${date}T00:00:00+08:00`);
  return { from, to: new Date(from.getTime() + 86_400_000) };
}

/** `HH:MM` China time of `date` as an instant. */
const atClock = (date: string, hhmm: string) => new Date(`${date}T${hhmm}:00+08:00`);

export type RoundState = 'done' | 'in_progress' | 'incomplete' | 'left' | 'missed';

/**
 * One planned round of a route. `done`: a patrol of it reached every checkpoint (check-ins not
 * flagged); `in_progress`: a patrol of it runs; `incomplete`: its patrol ended with checkpoints
 * missing (still to do while it is not due); `left`: not started, not due yet; `missed`: due and
 * not done.
 */
export interface DayRound {
  round: number;
  window: RoundWindow | null;
  due_at: string;
  state: RoundState;
  session_id: string | null;
  checkpoints_reached: number;
  checkpoints_total: number;
  /** Check-ins of the round's patrol stored flagged (outside the grid, implausible speed). */
  checkins_flagged: number;
}

export interface DayRoute {
  route_id: string;
  name: string;
  grid_code: string;
  rounds_per_day: number;
  rounds: DayRound[];
  done: number;
  left: number;
}

/** A worker's day as `GET /patrol/day` answers it. */
export interface WorkerDay {
  date: string;
  worker_id: string;
  grids: string[];
  routes: DayRoute[];
  /** Tasks due that day, and open ones left over from earlier days. */
  tasks: PatrolTask[];
  running_session: PatrolSession | null;
  /** What is left: rounds neither done nor missed, and open tasks. */
  left: { rounds: number; tasks: number };
  done: { rounds: number; tasks: number };
}

/**
 * Plans the worker's day: each route's rounds, filled by the patrols started that day on it (in a
 * round's window when the route has windows, else in order), with what is done, running and left.
 */
export function planDay(input: {
  date: string;
  now: Date;
  workerId: string;
  grids: string[];
  routes: readonly PatrolRoute[];
  sessions: readonly PatrolSession[];
  checkins: readonly PatrolCheckin[];
  tasks: PatrolTask[];
}): WorkerDay {
  const { date, now } = input;
  const { to: dayEnd } = chinaDay(date);
  const routes = input.routes.map((route): DayRoute => {
    const total = route.checkpoints.length;
    const rounds: DayRound[] = Array.from({ length: route.rounds_per_day }, (_, i) => {
      const window = route.windows[i] ?? null;
      return {
        round: i + 1,
        window,
        due_at: (window === null ? dayEnd : atClock(date, window.to)).toISOString(),
        state: 'left',
        session_id: null,
        checkpoints_reached: 0,
        checkpoints_total: total,
        checkins_flagged: 0,
      };
    });
    const active = new Set(route.checkpoints.map((c) => c.id));
    for (const session of input.sessions.filter((s) => s.route_id === route.id)) {
      const own = input.checkins.filter((c) => c.session_id === session.id);
      const reached = new Set(
        own.filter((c) => c.flags.length === 0 && active.has(c.checkpoint_id)).map((c) => c.checkpoint_id),
      ).size;
      const state: RoundState = session.running ? 'in_progress' : reached >= total ? 'done' : 'incomplete';
      const started = new Date(session.started_at).getTime();
      const inWindow = (r: DayRound) =>
        r.window === null ||
        (atClock(date, r.window.from).getTime() <= started && started < atClock(date, r.window.to).getTime());
      // A round already done keeps its patrol; an extra patrol fills the next round not done.
      const target =
        rounds.find((r) => r.state !== 'done' && inWindow(r)) ??
        rounds.find((r) => r.state !== 'done' && r.window !== null && started < new Date(r.due_at).getTime());
      if (target === undefined) continue;
      Object.assign(target, {
        state,
        session_id: session.id,
        checkpoints_reached: reached,
        checkins_flagged: own.filter((c) => c.flags.length > 0).length,
      });
    }
    for (const r of rounds) {
      if ((r.state === 'left' || r.state === 'incomplete') && new Date(r.due_at).getTime() <= now.getTime())
        r.state = 'missed';
    }
    const done = rounds.filter((r) => r.state === 'done').length;
    const left = rounds.filter((r) => r.state !== 'done' && r.state !== 'missed').length;
    return {
      route_id: route.id,
      name: route.name,
      grid_code: route.grid_code,
      rounds_per_day: route.rounds_per_day,
      rounds,
      done,
      left,
    };
  });
  const running = input.sessions.find((s) => s.running) ?? null;
  return {
    date,
    worker_id: input.workerId,
    grids: input.grids,
    routes,
    tasks: input.tasks,
    running_session: running,
    left: {
      rounds: routes.reduce((n, r) => n + r.left, 0),
      tasks: input.tasks.filter((t) => t.state !== 'done').length,
    },
    done: {
      rounds: routes.reduce((n, r) => n + r.done, 0),
      tasks: input.tasks.filter((t) => t.state === 'done').length,
    },
  };
}
