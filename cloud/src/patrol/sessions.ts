import type { Clock } from '../clock.js';
import type { Db, Queryable } from '../db/db.js';
import { ProblemError } from '../http/problems.js';
import { type Message, message } from '../i18n/message.js';
import type { PersonalDataSeal } from '../privacy/seal.js';
import { distanceMetres, toWgs84 } from '../territory/gcj02.js';
import type { TerritoryStore } from '../territory/store.js';
import { type BatchCheck, checkBatch, clockCorrection, type PositionRefusal } from './ingest.js';
import type { CheckpointOfRoute, PatrolPlans, PatrolRoute } from './plans.js';
import type { CheckinBody } from './schemas.js';
import type { PatrolSettings } from './settings.js';
import { accuracyDm, allFixes, compactSession, packedFixes } from './tracks.js';
import type { TrackPoint } from './trajectory.js';

/** A patrol (one round of a route by one worker) as the API answers it. */
export interface PatrolSession {
  id: string;
  worker_id: string;
  route_id: string;
  grid_code: string;
  started_at: string;
  ended_at: string | null;
  running: boolean;
  /** The phone clock's offset (server minus phone, ms) when it was off and corrected; null otherwise. */
  clock_offset_ms: number | null;
}

/** The answer to a batch of positions (and, word for word, to the same batch sent again). */
export interface BatchAnswer {
  batch_id: string;
  /** True when this batch was received before: nothing was stored this time. */
  replayed: boolean;
  accepted: number;
  /** Positions at an instant already stored (or twice in the batch): ignored. */
  duplicates: number;
  refused: Array<Omit<PositionRefusal, 'detail'> & { detail: Message }>;
  clock_offset_ms: number;
  clock_corrected: boolean;
}

/** Why a check-in is stored but not taken at face value. */
export type CheckinFlag = 'outside_grid' | 'implausible_speed' | 'clock_corrected';

export interface PatrolCheckin {
  id: string;
  session_id: string;
  request_id: string;
  checkpoint_id: string;
  checkpoint_name: string;
  method: 'position' | 'tag';
  at: string;
  lon: number | null;
  lat: number | null;
  accuracy_m: number | null;
  distance_m: number | null;
  flags: CheckinFlag[];
  photo_ids: string[];
}

interface SessionRow {
  id: number;
  worker_id: string;
  request_id: string;
  route_id: string;
  grid_code: string;
  started_at: Date;
  ended_at: Date | null;
  clock_offset_ms: number | null;
}

const SESSION_COLUMNS = 'id, worker_id, request_id, route_id, grid_code, started_at, ended_at, clock_offset_ms';

export const sessionOf = (row: SessionRow): PatrolSession => ({
  id: String(row.id),
  worker_id: row.worker_id,
  route_id: row.route_id,
  grid_code: row.grid_code,
  started_at: row.started_at.toISOString(),
  ended_at: row.ended_at?.toISOString() ?? null,
  running: row.ended_at === null,
  clock_offset_ms: row.clock_offset_ms === null ? null : Number(row.clock_offset_ms),
});

interface CheckinRow {
  id: number;
  session_id: number;
  request_id: string;
  checkpoint_id: string;
  name: string;
  method: 'position' | 'tag';
  at: Date;
  lon: number | null;
  lat: number | null;
  accuracy_m: number | null;
  distance_m: number | null;
  flags: CheckinFlag[];
  photo_ids: string[];
}

const checkinOf = (row: CheckinRow): PatrolCheckin => ({
  id: String(row.id),
  session_id: String(row.session_id),
  request_id: row.request_id,
  checkpoint_id: row.checkpoint_id,
  checkpoint_name: row.name,
  method: row.method,
  at: row.at.toISOString(),
  lon: row.lon,
  lat: row.lat,
  accuracy_m: row.accuracy_m === null ? null : Number(row.accuracy_m),
  distance_m: row.distance_m === null ? null : Math.round(Number(row.distance_m) * 10) / 10,
  flags: row.flags,
  photo_ids: row.photo_ids,
});

const E7 = 1e7;

/** Last positions of workers on patrol, for a supervisor's map. */
export interface LivePosition {
  worker_id: string;
  display_name: string;
  session_id: string;
  route_id: string;
  grid_code: string;
  at: string;
  lon: number;
  lat: number;
  accuracy_m: number;
}

/**
 * Patrol sessions, their positions and check-ins (`patrol_sessions`, `patrol_positions`,
 * `patrol_batches`, `patrol_checkins`). Every write is idempotent on the phone's ids: a request
 * or batch sent again (after a lost answer, or from the offline queue) is answered as the first
 * time and stored once.
 */
export class PatrolSessions {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly plans: PatrolPlans,
    private readonly territory: TerritoryStore,
    /** Seals ended patrols' tracks (personal data at rest), under the `TRACK_SEAL_PURPOSE` key. */
    private readonly seal: PersonalDataSeal,
  ) {}

  async get(id: string, q: Queryable = this.db): Promise<PatrolSession | undefined> {
    if (!/^\d{1,15}$/.test(id)) return undefined;
    const { rows } = await q.query<SessionRow>(`SELECT ${SESSION_COLUMNS} FROM patrol_sessions WHERE id = $1`, [
      Number(id),
    ]);
    return rows[0] === undefined ? undefined : sessionOf(rows[0]);
  }

  async running(workerId: string): Promise<PatrolSession | undefined> {
    const { rows } = await this.db.query<SessionRow>(
      `SELECT ${SESSION_COLUMNS} FROM patrol_sessions WHERE worker_id = $1 AND ended_at IS NULL`,
      [workerId],
    );
    return rows[0] === undefined ? undefined : sessionOf(rows[0]);
  }

  /** Sessions of a worker started in [from, to). */
  async ofWorker(workerId: string, from: Date, to: Date): Promise<PatrolSession[]> {
    const { rows } = await this.db.query<SessionRow>(
      `SELECT ${SESSION_COLUMNS} FROM patrol_sessions
        WHERE worker_id = $1 AND started_at >= $2 AND started_at < $3 ORDER BY started_at, id`,
      [workerId, from, to],
    );
    return rows.map(sessionOf);
  }

  /**
   * Starts a patrol of `route` for the worker; the same request id again answers the same session
   * (`created: false`). Another patrol still running is a conflict: end it first.
   */
  async start(
    workerId: string,
    route: PatrolRoute,
    requestId: string,
    startedAt: Date,
  ): Promise<{ session: PatrolSession; created: boolean }> {
    try {
      return await this.startOnce(workerId, route, requestId, startedAt);
    } catch (err) {
      // Two starts at once (a retry racing the first): the loser sees the winner's row on a second look.
      if ((err as { code?: string }).code !== '23505') throw err;
      return this.startOnce(workerId, route, requestId, startedAt);
    }
  }

  private async startOnce(
    workerId: string,
    route: PatrolRoute,
    requestId: string,
    startedAt: Date,
  ): Promise<{ session: PatrolSession; created: boolean }> {
    return this.db.transaction(async (tx) => {
      // One read for both questions, so a start committed meanwhile is seen as the same or as running alike.
      const { rows: found } = await tx.query<SessionRow>(
        `SELECT ${SESSION_COLUMNS} FROM patrol_sessions
          WHERE worker_id = $1 AND (request_id = $2 OR ended_at IS NULL) ORDER BY request_id = $2 DESC`,
        [workerId, requestId],
      );
      const same = found.find((row) => row.request_id === requestId);
      if (same !== undefined) {
        if (same.route_id !== route.id)
          throw new ProblemError('GL_VALIDATION_FAILED', message('patrol.request_taken', { request: requestId }), [
            { pointer: '/request_id', detail: message('patrol.request_taken', { request: requestId }) },
          ]);
        return { session: sessionOf(same), created: false };
      }
      const running = found[0];
      if (running !== undefined)
        throw new ProblemError(
          'GL_PATROL_CONFLICT',
          message('patrol.already_running', { session: String(running.id) }),
        );
      const { rows } = await tx.query<SessionRow>(
        `INSERT INTO patrol_sessions (worker_id, request_id, route_id, grid_code, started_at)
         VALUES ($1, $2, $3, $4, $5) RETURNING ${SESSION_COLUMNS}`,
        [workerId, requestId, route.id, route.grid_code, startedAt],
      );
      return { session: sessionOf(rows[0] as SessionRow), created: true };
    });
  }

  /** Ends the patrol (again: answers it as it is). */
  async end(session: PatrolSession, endedAt: Date): Promise<PatrolSession> {
    if (!session.running) return session;
    const at = new Date(Math.max(endedAt.getTime(), new Date(session.started_at).getTime()));
    const rows = await this.db.transaction(async (tx) => {
      const ended = await tx.query<SessionRow>(
        `UPDATE patrol_sessions SET ended_at = $2 WHERE id = $1 AND ended_at IS NULL RETURNING ${SESSION_COLUMNS}`,
        [Number(session.id), at],
      );
      if (ended.rows.length > 0) await compactSession(tx, this.seal, Number(session.id));
      return ended.rows;
    });
    return rows[0] === undefined ? ((await this.get(session.id)) as PatrolSession) : sessionOf(rows[0]);
  }

  /**
   * Stores a batch of positions of a session: each position checked on its own (see
   * {@link checkBatch}), those at an instant already stored ignored and counted, the rest stored in
   * time order whatever order they came in, and the answer kept so the same batch id again gets it
   * back without storing anything twice.
   */
  async ingest(
    session: PatrolSession,
    batch: { batch_id: string; sent_at: string; positions: unknown[] },
    settings: PatrolSettings,
  ): Promise<BatchAnswer> {
    const sessionId = Number(session.id);
    const now = this.clock();
    const check: BatchCheck = checkBatch(batch.positions, {
      now,
      sentAt: new Date(batch.sent_at),
      startedAt: new Date(session.started_at),
      endedAt: session.ended_at === null ? null : new Date(session.ended_at),
      settings,
    });
    const answerOf = (stored: number): BatchAnswer => ({
      batch_id: batch.batch_id,
      replayed: false,
      accepted: stored,
      duplicates: check.duplicates + (check.accepted.length - stored),
      refused: check.refused,
      clock_offset_ms: check.clock_offset_ms,
      clock_corrected: check.clock_corrected,
    });
    const replay = async (q: Queryable) => {
      const { rows } = await q.query<{ answer: BatchAnswer }>(
        'SELECT answer FROM patrol_batches WHERE session_id = $1 AND batch_id = $2',
        [sessionId, batch.batch_id],
      );
      return { ...(rows[0]?.answer as BatchAnswer), replayed: true };
    };
    const fixes = (points: typeof check.accepted) => [
      points.map((p) => p.at.toISOString()),
      points.map((p) => Math.round(p.lon * E7)),
      points.map((p) => Math.round(p.lat * E7)),
      points.map((p) => accuracyDm(p.accuracy_m)),
    ];
    if (session.running) {
      // The hot path is one statement: the fixes, the session's last position, and the batch's
      // receipt with its answer, written last. A batch id already received (a replay, or its twin
      // racing this one) fails that last insert, which undoes the whole statement: nothing is
      // stored twice, even when a corrected clock shifted the replayed times by a few ms.
      const last = check.accepted[check.accepted.length - 1];
      try {
        const { rows } = await this.db.query<{ stored: number }>(
          `WITH inserted AS (
             INSERT INTO patrol_positions (session_id, district, at, lon_e7, lat_e7, accuracy_dm)
             SELECT $1, (SELECT left(grid_code, 6) FROM patrol_sessions WHERE id = $1), t, lo, la, acc FROM unnest($4::timestamptz[], $5::int4[], $6::int4[], $7::int2[]) AS u(t, lo, la, acc)
             ON CONFLICT (session_id, at) DO NOTHING RETURNING 1),
           moved AS (
             UPDATE patrol_sessions SET last_at = $8, last_lon = $9, last_lat = $10, last_accuracy_m = $11,
                    clock_offset_ms = CASE WHEN $12::boolean THEN $13::bigint ELSE clock_offset_ms END
              WHERE id = $1 AND $8::timestamptz IS NOT NULL AND (last_at IS NULL OR last_at < $8)),
           counted AS (SELECT count(*)::int AS n FROM inserted),
           receipt AS (
             INSERT INTO patrol_batches (session_id, batch_id, received_at, answer)
             SELECT $1, $2, $3, $14::jsonb || jsonb_build_object('accepted', n, 'duplicates', $15::int - n) FROM counted
             RETURNING 1)
           SELECT n AS stored FROM counted, receipt`,
          [
            sessionId,
            batch.batch_id,
            now,
            ...fixes(check.accepted),
            last?.at ?? null,
            last?.lon ?? null,
            last?.lat ?? null,
            last?.accuracy_m ?? null,
            check.clock_corrected,
            check.clock_offset_ms,
            JSON.stringify(answerOf(0)),
            check.duplicates + check.accepted.length,
          ],
        );
        return answerOf(Number(rows[0]?.stored ?? 0));
      } catch (err) {
        if ((err as { code?: string }).code !== '23505') throw err;
        return replay(this.db);
      }
    }
    return this.db.transaction(async (tx) => {
      // An ended patrol's fixes are packed: a late upload is checked against them, then packed too.
      const { rows: claimed } = await tx.query(
        `INSERT INTO patrol_batches (session_id, batch_id, received_at, answer) VALUES ($1, $2, $3, '{}'::jsonb)
         ON CONFLICT (session_id, batch_id) DO NOTHING RETURNING 1`,
        [sessionId, batch.batch_id, now],
      );
      if (claimed.length === 0) return replay(tx);
      const known = new Set((await packedFixes(tx, this.seal, sessionId)).map((p) => p.at.getTime()));
      const fresh = check.accepted.filter((p) => !known.has(p.at.getTime()));
      let stored = 0;
      if (fresh.length > 0) {
        const { rows } = await tx.query<{ n: number }>(
          `WITH inserted AS (
             INSERT INTO patrol_positions (session_id, district, at, lon_e7, lat_e7, accuracy_dm)
             SELECT $1, (SELECT left(grid_code, 6) FROM patrol_sessions WHERE id = $1), t, lo, la, acc FROM unnest($2::timestamptz[], $3::int4[], $4::int4[], $5::int2[]) AS u(t, lo, la, acc)
             ON CONFLICT (session_id, at) DO NOTHING RETURNING 1)
           SELECT count(*)::int AS n FROM inserted`,
          [sessionId, ...fixes(fresh)],
        );
        stored = Number(rows[0]?.n ?? 0);
        await compactSession(tx, this.seal, sessionId);
      }
      const answer = answerOf(stored);
      await tx.query('UPDATE patrol_batches SET answer = $3::jsonb WHERE session_id = $1 AND batch_id = $2', [
        sessionId,
        batch.batch_id,
        JSON.stringify(answer),
      ]);
      return answer;
    });
  }

  /** The recorded positions of a session in time order (the replay). */
  async positions(sessionId: string): Promise<TrackPoint[]> {
    return allFixes(this.db, this.seal, Number(sessionId));
  }

  async checkins(sessionIds: readonly string[]): Promise<PatrolCheckin[]> {
    if (sessionIds.length === 0) return [];
    const { rows } = await this.db.query<CheckinRow>(
      `SELECT c.id, c.session_id, c.request_id, c.checkpoint_id, p.name, c.method, c.at, c.lon, c.lat,
              c.accuracy_m, c.distance_m, c.flags, c.photo_ids
         FROM patrol_checkins c JOIN patrol_checkpoints p ON p.id = c.checkpoint_id
        WHERE c.session_id = ANY($1::bigint[]) ORDER BY c.at, c.id`,
      [sessionIds.map(Number)],
    );
    return rows.map(checkinOf);
  }

  /**
   * A check-in at a checkpoint of the session's route: by position (within the checkpoint's
   * radius, else refused with the distance) or by its tag (a tag of another grid is refused). It is
   * stored flagged, not refused, when its position lies outside the session's grid or was reached
   * implausibly fast from the previous position. The same request id again answers the first one.
   */
  async checkin(
    session: PatrolSession,
    body: CheckinBody,
    settings: PatrolSettings,
  ): Promise<{ checkin: PatrolCheckin; created: boolean }> {
    const sessionId = Number(session.id);
    const existing = await this.checkinByRequest(sessionId, body.request_id);
    if (existing !== undefined) return { checkin: existing, created: false };
    const now = this.clock();
    const checkpoint = await this.checkpointOfCheckin(session, body);
    const flags: CheckinFlag[] = [];
    const { offsetMs, corrected } =
      body.sent_at === undefined
        ? { offsetMs: 0, corrected: false }
        : clockCorrection(now, new Date(body.sent_at), settings.clock_skew_s);
    if (corrected) flags.push('clock_corrected');
    const at = new Date(new Date(body.at).getTime() + (corrected ? offsetMs : 0));
    const skewMs = settings.clock_skew_s * 1000;
    if (at.getTime() > now.getTime() + skewMs) {
      throw refusal('/at', message('patrol.time_future', { at: at.toISOString(), skew: settings.clock_skew_s }));
    }
    if (at.getTime() < new Date(session.started_at).getTime() - skewMs) {
      throw refusal('/at', message('patrol.time_before_start', { at: at.toISOString(), started: session.started_at }));
    }
    if (session.ended_at !== null && at.getTime() > new Date(session.ended_at).getTime() + skewMs) {
      throw refusal('/at', message('patrol.time_after_end', { at: at.toISOString(), ended: session.ended_at }));
    }
    const point =
      body.lon !== undefined && body.lat !== undefined
        ? toWgs84({ lon: body.lon, lat: body.lat }, body.crs)
        : undefined;
    let distance: number | null = null;
    if (point !== undefined && checkpoint.lon !== null && checkpoint.lat !== null) {
      distance = distanceMetres(point, { lon: checkpoint.lon, lat: checkpoint.lat });
      if (body.checkpoint_id !== undefined && checkpoint.radius_m !== null && distance > checkpoint.radius_m) {
        throw refusal(
          '/lon',
          message('patrol.checkpoint_too_far', {
            checkpoint: checkpoint.name,
            distance: Math.round(distance),
            radius: checkpoint.radius_m,
          }),
        );
      }
    }
    if (point !== undefined) {
      const owner = await this.territory.resolveGrid(point, at);
      if (owner.grid === undefined || !owner.grid.startsWith(session.grid_code)) flags.push('outside_grid');
      const previous = await this.previousPosition(sessionId, at);
      if (previous !== undefined) {
        const seconds = Math.max((at.getTime() - previous.at.getTime()) / 1000, 1);
        if (distanceMetres(previous, point) / seconds > settings.max_speed_mps) flags.push('implausible_speed');
      }
    }
    await this.db.query(
      `INSERT INTO patrol_checkins (session_id, request_id, checkpoint_id, method, at, lon, lat, accuracy_m,
              distance_m, flags, photo_ids, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb, $11::jsonb, $12)
       ON CONFLICT (session_id, request_id) DO NOTHING`,
      [
        sessionId,
        body.request_id,
        checkpoint.id,
        body.tag_code === undefined ? 'position' : 'tag',
        at,
        point?.lon ?? null,
        point?.lat ?? null,
        body.accuracy_m ?? null,
        distance,
        JSON.stringify(flags),
        JSON.stringify(body.photo_ids),
        now,
      ],
    );
    const stored = (await this.checkinByRequest(sessionId, body.request_id)) as PatrolCheckin;
    return { checkin: stored, created: true };
  }

  private async checkinByRequest(sessionId: number, requestId: string): Promise<PatrolCheckin | undefined> {
    const { rows } = await this.db.query<CheckinRow>(
      `SELECT c.id, c.session_id, c.request_id, c.checkpoint_id, p.name, c.method, c.at, c.lon, c.lat,
              c.accuracy_m, c.distance_m, c.flags, c.photo_ids
         FROM patrol_checkins c JOIN patrol_checkpoints p ON p.id = c.checkpoint_id
        WHERE c.session_id = $1 AND c.request_id = $2`,
      [sessionId, requestId],
    );
    return rows[0] === undefined ? undefined : checkinOf(rows[0]);
  }

  private async checkpointOfCheckin(session: PatrolSession, body: CheckinBody): Promise<CheckpointOfRoute> {
    if (body.tag_code !== undefined) {
      const found = await this.plans.checkpointByTag(body.tag_code);
      if (found === undefined || !found.active)
        throw refusal('/tag_code', message('patrol.tag_unknown', { tag: body.tag_code }));
      if (found.grid_code !== session.grid_code)
        throw refusal(
          '/tag_code',
          message('patrol.tag_other_grid', { tag: body.tag_code, grid: found.grid_code, own: session.grid_code }),
        );
      if (found.route_id !== session.route_id)
        throw refusal('/tag_code', message('patrol.checkpoint_other_route', { checkpoint: found.name }));
      return found;
    }
    const found = await this.plans.checkpoint(body.checkpoint_id as string);
    if (found === undefined || !found.active || found.grid_code !== session.grid_code)
      throw refusal('/checkpoint_id', message('patrol.checkpoint_unknown', { checkpoint: body.checkpoint_id }));
    if (found.route_id !== session.route_id)
      throw refusal('/checkpoint_id', message('patrol.checkpoint_other_route', { checkpoint: found.name }));
    if (found.kind === 'tag')
      throw refusal('/checkpoint_id', message('patrol.checkpoint_needs_tag', { checkpoint: found.name }));
    return found;
  }

  /** Where the worker was last before `at`: the latest recorded position or located check-in of the session. */
  private async previousPosition(
    sessionId: number,
    at: Date,
  ): Promise<{ at: Date; lon: number; lat: number } | undefined> {
    const { rows } = await this.db.query<{ at: Date; lon: number; lat: number }>(
      `(SELECT at, lon_e7 / 1e7 AS lon, lat_e7 / 1e7 AS lat FROM patrol_positions
         WHERE session_id = $1 AND at < $2 ORDER BY at DESC LIMIT 1)
       UNION ALL
       (SELECT at, lon, lat FROM patrol_checkins
         WHERE session_id = $1 AND at < $2 AND lon IS NOT NULL ORDER BY at DESC LIMIT 1)
       ORDER BY at DESC LIMIT 1`,
      [sessionId, at],
    );
    const r = rows[0];
    if (r !== undefined) return { at: r.at, lon: Number(r.lon), lat: Number(r.lat) };
    // A check-in uploaded after its patrol ended: the fixes are packed by then.
    return (await packedFixes(this.db, this.seal, sessionId)).filter((p) => p.at.getTime() < at.getTime()).at(-1);
  }

  /** The last positions of the workers patrolling now under `territory` (a running session with a position). */
  async live(territory: string): Promise<LivePosition[]> {
    const { rows } = await this.db.query<{
      worker_id: string;
      display_name: string;
      id: number;
      route_id: string;
      grid_code: string;
      last_at: Date;
      last_lon: number;
      last_lat: number;
      last_accuracy_m: number;
    }>(
      `SELECT s.worker_id, u.display_name, s.id, s.route_id, s.grid_code, s.last_at, s.last_lon, s.last_lat,
              s.last_accuracy_m
         FROM patrol_sessions s JOIN users u ON u.id = s.worker_id
        WHERE s.ended_at IS NULL AND s.last_at IS NOT NULL AND s.grid_code LIKE $1
        ORDER BY s.grid_code, u.display_name`,
      [`${territory}%`],
    );
    return rows.map((r) => ({
      worker_id: r.worker_id,
      display_name: r.display_name,
      session_id: String(r.id),
      route_id: r.route_id,
      grid_code: r.grid_code,
      at: r.last_at.toISOString(),
      lon: r.last_lon,
      lat: r.last_lat,
      accuracy_m: Number(r.last_accuracy_m),
    }));
  }
}

/** A 400 naming the field at fault. */
function refusal(pointer: string, detail: Message): ProblemError {
  return new ProblemError('GL_VALIDATION_FAILED', detail, [{ pointer, detail }]);
}
