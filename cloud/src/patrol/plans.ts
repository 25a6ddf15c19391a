import { randomUUID } from 'node:crypto';
import type { Clock } from '../clock.js';
import type { Db, Queryable } from '../db/db.js';
import { ProblemError } from '../http/problems.js';
import { message } from '../i18n/message.js';
import { writeAudit } from '../people/audit.js';
import { toWgs84 } from '../territory/gcj02.js';
import type { RouteInput } from './schemas.js';

/** A checkpoint as the API answers it (WGS-84). */
export interface PatrolCheckpoint {
  id: string;
  seq: number;
  name: string;
  kind: 'point' | 'tag';
  lon: number | null;
  lat: number | null;
  radius_m: number | null;
  tag_code: string | null;
}

export interface RoundWindow {
  from: string;
  to: string;
}

/** A patrol route of a grid with its checkpoints in walking order. */
export interface PatrolRoute {
  id: string;
  grid_code: string;
  name: string;
  rounds_per_day: number;
  windows: RoundWindow[];
  checkpoints: PatrolCheckpoint[];
  created_by: string;
  created_at: string;
  updated_at: string;
}

interface RouteRow {
  id: string;
  grid_code: string;
  name: string;
  rounds_per_day: number;
  windows: RoundWindow[];
  created_by: string;
  created_at: Date;
  updated_at: Date;
}

interface CheckpointRow {
  id: string;
  route_id: string;
  grid_code: string;
  seq: number;
  name: string;
  kind: 'point' | 'tag';
  lon: number | null;
  lat: number | null;
  radius_m: number | null;
  tag_code: string | null;
}

const CHECKPOINT_COLUMNS = 'id, route_id, grid_code, seq, name, kind, lon, lat, radius_m, tag_code';

const checkpointOf = (row: CheckpointRow): PatrolCheckpoint => ({
  id: row.id,
  seq: Number(row.seq),
  name: row.name,
  kind: row.kind,
  lon: row.lon,
  lat: row.lat,
  radius_m: row.radius_m === null ? null : Number(row.radius_m),
  tag_code: row.tag_code,
});

/** A checkpoint with the route and grid it belongs to, as check-ins look it up. */
export interface CheckpointOfRoute extends PatrolCheckpoint {
  route_id: string;
  grid_code: string;
}

/** Routes and checkpoints of the grids (`patrol_routes`, `patrol_checkpoints`). */
export class PatrolPlans {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {}

  async routesOfGrid(grid: string, q: Queryable = this.db): Promise<PatrolRoute[]> {
    const { rows } = await q.query<RouteRow>(
      `SELECT id, grid_code, name, rounds_per_day, windows, created_by, created_at, updated_at
         FROM patrol_routes WHERE grid_code = $1 AND active ORDER BY created_at, id`,
      [grid],
    );
    return this.withCheckpoints(rows, q);
  }

  /** Active routes of several grids. */
  async routesOfGrids(grids: readonly string[]): Promise<PatrolRoute[]> {
    if (grids.length === 0) return [];
    const { rows } = await this.db.query<RouteRow>(
      `SELECT id, grid_code, name, rounds_per_day, windows, created_by, created_at, updated_at
         FROM patrol_routes WHERE grid_code = ANY($1::text[]) AND active ORDER BY grid_code, created_at, id`,
      [grids],
    );
    return this.withCheckpoints(rows, this.db);
  }

  /** A route, active or not (sessions name retired ones too). */
  async route(id: string, q: Queryable = this.db): Promise<(PatrolRoute & { active: boolean }) | undefined> {
    const { rows } = await q.query<RouteRow & { active: boolean }>(
      `SELECT id, grid_code, name, rounds_per_day, windows, created_by, created_at, updated_at, active
         FROM patrol_routes WHERE id = $1`,
      [id],
    );
    const row = rows[0];
    if (row === undefined) return undefined;
    const [route] = await this.withCheckpoints([row], q);
    return route === undefined ? undefined : { ...route, active: row.active };
  }

  private async withCheckpoints(rows: RouteRow[], q: Queryable): Promise<PatrolRoute[]> {
    if (rows.length === 0) return [];
    const { rows: points } = await q.query<CheckpointRow>(
      `SELECT ${CHECKPOINT_COLUMNS} FROM patrol_checkpoints
        WHERE route_id = ANY($1::text[]) AND active ORDER BY route_id, seq`,
      [rows.map((r) => r.id)],
    );
    return rows.map((row) => ({
      id: row.id,
      grid_code: row.grid_code,
      name: row.name,
      rounds_per_day: Number(row.rounds_per_day),
      windows: row.windows,
      checkpoints: points.filter((p) => p.route_id === row.id).map(checkpointOf),
      created_by: row.created_by,
      created_at: row.created_at.toISOString(),
      updated_at: row.updated_at.toISOString(),
    }));
  }

  /** The checkpoint a tag code names (active or retired), with its route and grid. */
  async checkpointByTag(
    tag: string,
    q: Queryable = this.db,
  ): Promise<(CheckpointOfRoute & { active: boolean }) | undefined> {
    const { rows } = await q.query<CheckpointRow & { active: boolean }>(
      `SELECT ${CHECKPOINT_COLUMNS}, active FROM patrol_checkpoints WHERE tag_code = $1`,
      [tag],
    );
    const row = rows[0];
    return row === undefined
      ? undefined
      : { ...checkpointOf(row), route_id: row.route_id, grid_code: row.grid_code, active: row.active };
  }

  async checkpoint(id: string, q: Queryable = this.db): Promise<(CheckpointOfRoute & { active: boolean }) | undefined> {
    const { rows } = await q.query<CheckpointRow & { active: boolean }>(
      `SELECT ${CHECKPOINT_COLUMNS}, active FROM patrol_checkpoints WHERE id = $1`,
      [id],
    );
    const row = rows[0];
    return row === undefined
      ? undefined
      : { ...checkpointOf(row), route_id: row.route_id, grid_code: row.grid_code, active: row.active };
  }

  /** Adds a route to the grid; audited. */
  async create(grid: string, input: RouteInput, userId: string): Promise<PatrolRoute> {
    const id = randomUUID();
    const at = this.clock();
    return this.db.transaction(async (tx) => {
      await tx.query(
        `INSERT INTO patrol_routes (id, grid_code, name, rounds_per_day, windows, created_by, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7, $7)`,
        [id, grid, input.name, input.rounds_per_day, JSON.stringify(input.windows), userId, at],
      );
      await this.writeCheckpoints(tx, id, grid, input);
      await writeAudit(tx, {
        actor: { kind: 'user', userId },
        action: 'patrol.route.create',
        target: `patrol_route:${id}`,
        details: { grid, name: input.name, checkpoints: input.checkpoints.length },
        at,
      });
      return (await this.route(id, tx)) as PatrolRoute;
    });
  }

  /** Replaces a route's name, rounds and checkpoints; checkpoints given by id keep it, the others retire. */
  async replace(route: PatrolRoute, input: RouteInput, userId: string): Promise<PatrolRoute> {
    const at = this.clock();
    return this.db.transaction(async (tx) => {
      await tx.query(
        'UPDATE patrol_routes SET name = $2, rounds_per_day = $3, windows = $4::jsonb, updated_at = $5 WHERE id = $1',
        [route.id, input.name, input.rounds_per_day, JSON.stringify(input.windows), at],
      );
      const kept = input.checkpoints.flatMap((c) => (c.id === undefined ? [] : [c.id]));
      const own = new Set(route.checkpoints.map((c) => c.id));
      const index = input.checkpoints.findIndex((c) => c.id !== undefined && !own.has(c.id));
      if (index >= 0) {
        const unknown = input.checkpoints[index]?.id;
        throw new ProblemError('GL_VALIDATION_FAILED', message('request.body_invalid'), [
          {
            pointer: `/checkpoints/${index}/id`,
            detail: message('patrol.checkpoint_not_of_route', { id: unknown }),
          },
        ]);
      }
      // Retired first, so a tag code moved to a new checkpoint is free (unique even when retired: rename it).
      await tx.query(
        'UPDATE patrol_checkpoints SET active = false, seq = -1 WHERE route_id = $1 AND NOT (id = ANY($2::text[]))',
        [route.id, kept],
      );
      await this.writeCheckpoints(tx, route.id, route.grid_code, input);
      await writeAudit(tx, {
        actor: { kind: 'user', userId },
        action: 'patrol.route.replace',
        target: `patrol_route:${route.id}`,
        details: { grid: route.grid_code, name: input.name, checkpoints: input.checkpoints.length },
        at,
      });
      return (await this.route(route.id, tx)) as PatrolRoute;
    });
  }

  /** Retires a route: no new rounds on it; its sessions and check-ins stay. */
  async retire(route: PatrolRoute, userId: string): Promise<void> {
    const at = this.clock();
    await this.db.transaction(async (tx) => {
      await tx.query('UPDATE patrol_routes SET active = false, updated_at = $2 WHERE id = $1', [route.id, at]);
      await writeAudit(tx, {
        actor: { kind: 'user', userId },
        action: 'patrol.route.retire',
        target: `patrol_route:${route.id}`,
        details: { grid: route.grid_code },
        at,
      });
    });
  }

  private async writeCheckpoints(tx: Queryable, routeId: string, grid: string, input: RouteInput): Promise<void> {
    for (const [index, c] of input.checkpoints.entries()) {
      if (c.kind === 'tag') {
        const taken = await this.checkpointByTag(c.tag_code, tx);
        if (taken !== undefined && taken.id !== c.id) {
          throw new ProblemError('GL_VALIDATION_FAILED', message('request.body_invalid'), [
            {
              pointer: `/checkpoints/${index}/tag_code`,
              detail: message('patrol.tag_taken', { tag: c.tag_code, grid: taken.grid_code }),
            },
          ]);
        }
      }
      const at = c.lon !== undefined && c.lat !== undefined ? toWgs84({ lon: c.lon, lat: c.lat }, c.crs) : undefined;
      const values = [
        c.id ?? randomUUID(),
        routeId,
        grid,
        index + 1,
        c.name,
        c.kind,
        at?.lon ?? null,
        at?.lat ?? null,
        c.kind === 'point' ? c.radius_m : null,
        c.kind === 'tag' ? c.tag_code : null,
      ];
      await tx.query(
        `INSERT INTO patrol_checkpoints (${CHECKPOINT_COLUMNS}, active)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, true)
         ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, name = excluded.name, kind = excluded.kind,
           lon = excluded.lon, lat = excluded.lat, radius_m = excluded.radius_m, tag_code = excluded.tag_code,
           active = true`,
        values,
      );
    }
  }
}
