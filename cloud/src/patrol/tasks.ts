import { randomUUID } from 'node:crypto';
import type { Clock } from '../clock.js';
import type { Db } from '../db/db.js';
import { writeAudit } from '../people/audit.js';
import { toWgs84 } from '../territory/gcj02.js';
import type { TaskInput } from './schemas.js';

export type TaskKind = 'visit_household' | 'check_hazard' | 'other';

/** A special task a dispatcher gave a grid worker (visit a household, check a hazard). */
export interface PatrolTask {
  id: string;
  grid_code: string;
  worker_id: string;
  kind: TaskKind;
  title: string;
  description: string | null;
  place: string | null;
  lon: number | null;
  lat: number | null;
  due_at: string;
  created_by: string;
  created_at: string;
  done_at: string | null;
  done_note: string | null;
  done_photo_ids: string[];
  /** `open` until done; `overdue` once its due time passed undone. */
  state: 'open' | 'overdue' | 'done';
}

interface TaskRow {
  id: string;
  grid_code: string;
  worker_id: string;
  kind: TaskKind;
  title: string;
  description: string | null;
  place: string | null;
  lon: number | null;
  lat: number | null;
  due_at: Date;
  created_by: string;
  created_at: Date;
  done_at: Date | null;
  done_note: string | null;
  done_photo_ids: string[];
}

const COLUMNS = `id, grid_code, worker_id, kind, title, description, place, lon, lat, due_at, created_by, created_at,
  done_at, done_note, done_photo_ids`;

const taskOf =
  (now: Date) =>
  (row: TaskRow): PatrolTask => ({
    id: row.id,
    grid_code: row.grid_code,
    worker_id: row.worker_id,
    kind: row.kind,
    title: row.title,
    description: row.description,
    place: row.place,
    lon: row.lon,
    lat: row.lat,
    due_at: row.due_at.toISOString(),
    created_by: row.created_by,
    created_at: row.created_at.toISOString(),
    done_at: row.done_at?.toISOString() ?? null,
    done_note: row.done_note,
    done_photo_ids: row.done_photo_ids,
    state: row.done_at !== null ? 'done' : row.due_at.getTime() < now.getTime() ? 'overdue' : 'open',
  });

/** Special tasks (`patrol_tasks`). */
export class PatrolTasks {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {}

  async get(id: string): Promise<PatrolTask | undefined> {
    const { rows } = await this.db.query<TaskRow>(`SELECT ${COLUMNS} FROM patrol_tasks WHERE id = $1`, [id]);
    return rows[0] === undefined ? undefined : taskOf(this.clock())(rows[0]);
  }

  /** Tasks matching every filter given, by due time. */
  async list(filter: { grids?: readonly string[]; worker?: string; open?: boolean; dueFrom?: Date; dueTo?: Date }) {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (sql: string, value: unknown) => {
      params.push(value);
      where.push(sql.replace('?', `$${params.length}`));
    };
    if (filter.grids !== undefined) add('grid_code = ANY(?::text[])', filter.grids);
    if (filter.worker !== undefined) add('worker_id = ?', filter.worker);
    if (filter.open === true) where.push('done_at IS NULL');
    if (filter.open === false) where.push('done_at IS NOT NULL');
    if (filter.dueFrom !== undefined) add('due_at >= ?', filter.dueFrom);
    if (filter.dueTo !== undefined) add('due_at < ?', filter.dueTo);
    const { rows } = await this.db.query<TaskRow>(
      `SELECT ${COLUMNS} FROM patrol_tasks ${where.length === 0 ? '' : `WHERE ${where.join(' AND ')}`}
        ORDER BY due_at, id LIMIT 500`,
      params,
    );
    return rows.map(taskOf(this.clock()));
  }

  /** Open tasks of the worker due before `before` (the day's and any left over from earlier days). */
  async openOf(workerId: string, before: Date): Promise<PatrolTask[]> {
    const { rows } = await this.db.query<TaskRow>(
      `SELECT ${COLUMNS} FROM patrol_tasks WHERE worker_id = $1 AND done_at IS NULL AND due_at < $2
        ORDER BY due_at, id`,
      [workerId, before],
    );
    return rows.map(taskOf(this.clock()));
  }

  async create(input: TaskInput, createdBy: string): Promise<PatrolTask> {
    const id = randomUUID();
    const at = this.clock();
    const point =
      input.lon !== undefined && input.lat !== undefined
        ? toWgs84({ lon: input.lon, lat: input.lat }, input.crs)
        : undefined;
    await this.db.transaction(async (tx) => {
      await tx.query(
        `INSERT INTO patrol_tasks (id, grid_code, worker_id, kind, title, description, place, lon, lat, due_at,
                created_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
        [
          id,
          input.grid_code,
          input.worker_id,
          input.kind,
          input.title,
          input.description ?? null,
          input.place ?? null,
          point?.lon ?? null,
          point?.lat ?? null,
          new Date(input.due_at),
          createdBy,
          at,
        ],
      );
      await writeAudit(tx, {
        actor: { kind: 'user', userId: createdBy },
        action: 'patrol.task.create',
        target: `patrol_task:${id}`,
        details: { grid: input.grid_code, worker: input.worker_id, kind: input.kind },
        at,
      });
    });
    return (await this.get(id)) as PatrolTask;
  }

  /** Marks the task done; done already: answered as it is (a retry from the phone's queue). */
  async done(task: PatrolTask, note: string, photoIds: readonly string[]): Promise<PatrolTask> {
    if (task.done_at !== null) return task;
    await this.db.query(
      `UPDATE patrol_tasks SET done_at = $2, done_note = $3, done_photo_ids = $4::jsonb
        WHERE id = $1 AND done_at IS NULL`,
      [task.id, this.clock(), note, JSON.stringify(photoIds)],
    );
    return (await this.get(task.id)) as PatrolTask;
  }
}
