import type { Clock } from '../clock.js';
import type { Db, Queryable } from '../db/db.js';
import { type Message, message } from '../i18n/message.js';
import { type Actor, writeAudit } from './audit.js';
import { isUniqueViolation, PeopleError } from './errors.js';

/** "1+1+N" (docs/domain.md §1): one grid chief 网格长, one full-time 专职, any number of part-time 兼职 workers. */
export const GRID_POSITIONS = ['grid_chief', 'full_time', 'part_time'] as const;
export type GridPosition = (typeof GRID_POSITIONS)[number];

export interface GridMember {
  grid_code: string;
  user_id: string;
  position: GridPosition;
}

/** A member as the roster page shows them. */
export interface NamedMember extends GridMember {
  display_name: string;
  username: string;
  active: boolean;
}

export interface DutyPeriod {
  id: number;
  grid_code: string;
  user_id: string;
  starts_at: string;
  ends_at: string;
}

export interface Leave {
  id: number;
  user_id: string;
  substitute_user_id: string | null;
  starts_at: string;
  ends_at: string;
}

/**
 * What taking back a roster entry did: one not yet begun is `deleted`; one under way is `ended` now
 * (the part already run stays, incidents were routed by it). `entry` is the row as it was.
 */
export interface RosterUndo<T> {
  outcome: 'deleted' | 'ended';
  entry: T;
}

/** Who receives a grid's incident at a time, and why. */
export type OnDuty =
  | { userId: string; reason: 'on_duty'; position: GridPosition }
  | { userId: string; reason: 'substitute'; standingInFor: string }
  | { userId: string; reason: 'grid_chief' };

/** On-duty workers are tried full-time first, then part-time, then the grid chief. */
const POSITION_RANK: Record<GridPosition, number> = { full_time: 0, part_time: 1, grid_chief: 2 };

/** Grid rosters: members, duty periods and leaves, and who is on duty. */
export class RosterStore {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {}

  /**
   * Makes `userId` a member of the grid in `position` (moving them if they held another) and gives
   * them the `grid_worker` role over the grid. A second grid chief or full-time worker is refused.
   */
  async setMember(actor: Actor, gridCode: string, userId: string, position: GridPosition): Promise<GridMember> {
    const now = this.clock();
    try {
      await this.db.transaction(async (tx) => {
        await requireUser(tx, userId);
        await tx.query(
          `INSERT INTO grid_members (grid_code, user_id, position, created_at) VALUES ($1, $2, $3, $4)
           ON CONFLICT (grid_code, user_id) DO UPDATE SET position = EXCLUDED.position`,
          [gridCode, userId, position, now],
        );
        await tx.query(
          `INSERT INTO role_assignments (user_id, role, scope, created_at) VALUES ($1, 'grid_worker', $2, $3)
           ON CONFLICT DO NOTHING`,
          [userId, gridCode, now],
        );
        await writeAudit(tx, {
          actor,
          action: 'roster.member.set',
          target: `grid:${gridCode}`,
          at: now,
          details: { user_id: userId, position },
        });
      });
    } catch (err) {
      if (isUniqueViolation(err)) {
        throw new PeopleError('GL_ROSTER_CONFLICT', message('grid.position_taken', { grid: gridCode, position }));
      }
      throw err;
    }
    return { grid_code: gridCode, user_id: userId, position };
  }

  /** Removes a member and their `grid_worker` role over the grid; false when they were not one. */
  async removeMember(actor: Actor, gridCode: string, userId: string): Promise<boolean> {
    const now = this.clock();
    return this.db.transaction(async (tx) => {
      const { rows } = await tx.query(
        'DELETE FROM grid_members WHERE grid_code = $1 AND user_id = $2 RETURNING position',
        [gridCode, userId],
      );
      if (rows.length === 0) return false;
      await tx.query("DELETE FROM role_assignments WHERE user_id = $1 AND role = 'grid_worker' AND scope = $2", [
        userId,
        gridCode,
      ]);
      await writeAudit(tx, {
        actor,
        action: 'roster.member.remove',
        target: `grid:${gridCode}`,
        at: now,
        details: { user_id: userId },
      });
      return true;
    });
  }

  async members(gridCode: string): Promise<GridMember[]> {
    const { rows } = await this.db.query<GridMember>(
      'SELECT grid_code, user_id, position FROM grid_members WHERE grid_code = $1 ORDER BY position, user_id',
      [gridCode],
    );
    return rows;
  }

  /** The grid's members with their names, for the roster page: chief, full-time, then part-time. */
  async membersNamed(gridCode: string): Promise<NamedMember[]> {
    const { rows } = await this.db.query<NamedMember>(
      `SELECT m.grid_code, m.user_id, m.position, u.display_name, u.username, u.active
         FROM grid_members m JOIN users u ON u.id = m.user_id
        WHERE m.grid_code = $1
        ORDER BY CASE m.position WHEN 'grid_chief' THEN 0 WHEN 'full_time' THEN 1 ELSE 2 END, u.display_name`,
      [gridCode],
    );
    return rows;
  }

  /** The grid's name on record (Chinese, English), undefined when the territory has none. */
  async gridName(gridCode: string): Promise<{ zh: string; en: string } | undefined> {
    const { rows } = await this.db.query<{ name_zh: string; name_en: string | null }>(
      'SELECT name_zh, name_en FROM territory_units WHERE code = $1',
      [gridCode],
    );
    const row = rows[0];
    return row && { zh: row.name_zh, en: row.name_en ?? row.name_zh };
  }

  /** The grid's duty periods that overlap [from, to), by start. */
  async dutyPeriods(gridCode: string, from: Date, to: Date): Promise<DutyPeriod[]> {
    const { rows } = await this.db.query<{
      id: number;
      grid_code: string;
      user_id: string;
      starts_at: Date;
      ends_at: Date;
    }>(
      `SELECT id, grid_code, user_id, starts_at, ends_at FROM duty_periods
        WHERE grid_code = $1 AND starts_at < $3 AND ends_at > $2 ORDER BY starts_at, id`,
      [gridCode, from, to],
    );
    return rows.map((row) => ({
      ...row,
      id: Number(row.id),
      starts_at: new Date(row.starts_at).toISOString(),
      ends_at: new Date(row.ends_at).toISOString(),
    }));
  }

  /** The leaves of the grid's members that overlap [from, to), by start. */
  async leavesOfGrid(gridCode: string, from: Date, to: Date): Promise<Leave[]> {
    const { rows } = await this.db.query<{
      id: number;
      user_id: string;
      substitute_user_id: string | null;
      starts_at: Date;
      ends_at: Date;
    }>(
      `SELECT l.id, l.user_id, l.substitute_user_id, l.starts_at, l.ends_at FROM leaves l
        WHERE l.user_id IN (SELECT user_id FROM grid_members WHERE grid_code = $1)
          AND l.starts_at < $3 AND l.ends_at > $2 ORDER BY l.starts_at, l.id`,
      [gridCode, from, to],
    );
    return rows.map((row) => ({
      ...row,
      id: Number(row.id),
      starts_at: new Date(row.starts_at).toISOString(),
      ends_at: new Date(row.ends_at).toISOString(),
    }));
  }

  /** Puts a member of the grid on duty during [startsAt, endsAt). */
  async addDutyPeriod(
    actor: Actor,
    period: { gridCode: string; userId: string; startsAt: Date; endsAt: Date },
  ): Promise<DutyPeriod> {
    const now = this.clock();
    return this.db.transaction(async (tx) => {
      const member = await tx.query('SELECT 1 FROM grid_members WHERE grid_code = $1 AND user_id = $2', [
        period.gridCode,
        period.userId,
      ]);
      if (member.rows.length === 0) {
        throw new PeopleError(
          'GL_ROSTER_CONFLICT',
          message('grid.not_member', { id: period.userId, grid: period.gridCode }),
        );
      }
      const { rows } = await tx.query<{ id: number }>(
        `INSERT INTO duty_periods (grid_code, user_id, starts_at, ends_at, created_at)
         VALUES ($1, $2, $3, $4, $5) RETURNING id`,
        [period.gridCode, period.userId, period.startsAt, period.endsAt, now],
      );
      const created: DutyPeriod = {
        id: Number(rows[0]?.id),
        grid_code: period.gridCode,
        user_id: period.userId,
        starts_at: period.startsAt.toISOString(),
        ends_at: period.endsAt.toISOString(),
      };
      await writeAudit(tx, {
        actor,
        action: 'roster.duty_period.add',
        target: `grid:${period.gridCode}`,
        at: now,
        details: { ...created },
      });
      return created;
    });
  }

  /** Records a worker's leave during [startsAt, endsAt); the substitute takes their incidents. */
  async addLeave(
    actor: Actor,
    leave: { userId: string; startsAt: Date; endsAt: Date; substituteUserId?: string | undefined },
  ): Promise<Leave> {
    const now = this.clock();
    if (leave.substituteUserId === leave.userId) {
      throw new PeopleError('GL_ROSTER_CONFLICT', message('roster.self_substitute'));
    }
    return this.db.transaction(async (tx) => {
      await requireUser(tx, leave.userId);
      if (leave.substituteUserId !== undefined) await requireUser(tx, leave.substituteUserId);
      const { rows } = await tx.query<{ id: number }>(
        `INSERT INTO leaves (user_id, substitute_user_id, starts_at, ends_at, created_at)
         VALUES ($1, $2, $3, $4, $5) RETURNING id`,
        [leave.userId, leave.substituteUserId ?? null, leave.startsAt, leave.endsAt, now],
      );
      const created: Leave = {
        id: Number(rows[0]?.id),
        user_id: leave.userId,
        substitute_user_id: leave.substituteUserId ?? null,
        starts_at: leave.startsAt.toISOString(),
        ends_at: leave.endsAt.toISOString(),
      };
      await writeAudit(tx, {
        actor,
        action: 'roster.leave.add',
        target: `user:${leave.userId}`,
        at: now,
        details: { ...created },
      });
      return created;
    });
  }

  /**
   * Cancels leave `leaveId` of `userId` (a leave called off, or entered by mistake). A leave already
   * over is refused: it is history — the substitute took incidents by it.
   */
  async cancelLeave(actor: Actor, userId: string, leaveId: number): Promise<RosterUndo<Leave>> {
    return this.takeBack(actor, {
      table: 'leaves',
      columns: 'id, user_id, substitute_user_id, starts_at, ends_at',
      owner: { column: 'user_id', value: userId },
      id: leaveId,
      action: 'roster.leave.cancel',
      target: `user:${userId}`,
      unknown: message('roster.leave_unknown', { id: leaveId, user: userId }),
      over: (endedAt) => message('roster.leave_over', { id: leaveId, ended: endedAt }),
    });
  }

  /** Removes duty period `periodId` of `gridCode`; one already over is refused, as a leave is. */
  async removeDutyPeriod(actor: Actor, gridCode: string, periodId: number): Promise<RosterUndo<DutyPeriod>> {
    return this.takeBack(actor, {
      table: 'duty_periods',
      columns: 'id, grid_code, user_id, starts_at, ends_at',
      owner: { column: 'grid_code', value: gridCode },
      id: periodId,
      action: 'roster.duty_period.remove',
      target: `grid:${gridCode}`,
      unknown: message('roster.duty_period_unknown', { id: periodId, grid: gridCode }),
      over: (endedAt) => message('roster.duty_period_over', { id: periodId, ended: endedAt }),
    });
  }

  /**
   * Deletes an entry not yet begun, ends one under way now, refuses one already over; audited with
   * the row as it was, in the same transaction.
   */
  private async takeBack<T extends { id: number; starts_at: string; ends_at: string }>(
    actor: Actor,
    undo: {
      table: 'leaves' | 'duty_periods';
      columns: string;
      owner: { column: 'user_id' | 'grid_code'; value: string };
      id: number;
      action: string;
      target: string;
      unknown: Message;
      over: (endedAt: string) => Message;
    },
  ): Promise<RosterUndo<T>> {
    const now = this.clock();
    return this.db.transaction(async (tx) => {
      const { rows } = await tx.query<Record<string, unknown> & { starts_at: Date; ends_at: Date }>(
        `SELECT ${undo.columns} FROM ${undo.table} WHERE id = $1 AND ${undo.owner.column} = $2 FOR UPDATE`,
        [undo.id, undo.owner.value],
      );
      const row = rows[0];
      if (row === undefined) throw new PeopleError('GL_NOT_FOUND', undo.unknown);
      const entry = {
        ...row,
        id: Number(row.id),
        starts_at: new Date(row.starts_at).toISOString(),
        ends_at: new Date(row.ends_at).toISOString(),
      } as unknown as T;
      if (new Date(row.ends_at) <= now) throw new PeopleError('GL_ROSTER_CONFLICT', undo.over(entry.ends_at));
      const outcome = new Date(row.starts_at) >= now ? 'deleted' : 'ended';
      if (outcome === 'deleted') await tx.query(`DELETE FROM ${undo.table} WHERE id = $1`, [undo.id]);
      else await tx.query(`UPDATE ${undo.table} SET ends_at = $2 WHERE id = $1`, [undo.id, now]);
      await writeAudit(tx, {
        actor,
        action: undo.action,
        target: undo.target,
        at: now,
        details: { outcome, ...entry, ...(outcome === 'ended' ? { ended_at: now.toISOString() } : {}) },
      });
      return { outcome, entry };
    });
  }

  /** Whether each user is active and on leave at `at` (with the substitute of their latest leave). */
  private async statusAt(userIds: readonly string[], at: Date): Promise<Map<string, UserStatus>> {
    if (userIds.length === 0) return new Map();
    const { rows } = await this.db.query<{ id: string; active: boolean; on_leave: boolean; substitute: string | null }>(
      `SELECT u.id, u.active, l.user_id IS NOT NULL AS on_leave, l.substitute_user_id AS substitute
         FROM users u LEFT JOIN LATERAL (
           SELECT user_id, substitute_user_id FROM leaves
            WHERE user_id = u.id AND starts_at <= $2 AND ends_at > $2
            ORDER BY starts_at DESC, id DESC LIMIT 1
         ) l ON true
        WHERE u.id = ANY ($1::text[])`,
      [userIds, at],
    );
    return new Map(
      rows.map((row) => [row.id, { active: row.active, onLeave: row.on_leave, substitute: row.substitute }]),
    );
  }

  /**
   * Who should receive an incident of `gridCode` at `at`, in this order:
   *
   * 1. a member on duty at `at` (a duty period covers it) who is active and not on leave —
   *    full-time before part-time before the grid chief; among equals the latest-started period;
   * 2. else the substitute of such an on-duty member who is on leave (same order), if the
   *    substitute is active and not on leave themselves;
   * 3. else the grid chief, if active and not on leave — or the chief's substitute when on leave;
   * 4. else nobody (undefined): the community takes the incident (属地兜底).
   */
  async onDutyFor(gridCode: string, at: Date): Promise<OnDuty | undefined> {
    const onDuty = await this.db.query<{ user_id: string; position: GridPosition; starts_at: Date }>(
      `SELECT d.user_id, m.position, d.starts_at
         FROM duty_periods d JOIN grid_members m ON m.grid_code = d.grid_code AND m.user_id = d.user_id
        WHERE d.grid_code = $1 AND d.starts_at <= $2 AND d.ends_at > $2`,
      [gridCode, at],
    );
    const chief = await this.db.query<{ user_id: string }>(
      "SELECT user_id FROM grid_members WHERE grid_code = $1 AND position = 'grid_chief'",
      [gridCode],
    );
    const status = await this.statusAt(
      [...new Set([...onDuty.rows.map((row) => row.user_id), ...chief.rows.map((row) => row.user_id)])],
      at,
    );
    const substitutes = [...status.values()].flatMap((entry) =>
      entry.onLeave && entry.substitute ? [entry.substitute] : [],
    );
    for (const [id, entry] of await this.statusAt(substitutes, at)) if (!status.has(id)) status.set(id, entry);
    const available = (userId: string | null | undefined): userId is string => {
      const entry = userId == null ? undefined : status.get(userId);
      return entry?.active === true && !entry.onLeave;
    };
    const substituteOf = (userId: string): string | undefined => {
      const entry = status.get(userId);
      return entry?.onLeave && available(entry.substitute) ? entry.substitute : undefined;
    };

    const ordered = [...onDuty.rows].sort(
      (a, b) =>
        POSITION_RANK[a.position] - POSITION_RANK[b.position] ||
        b.starts_at.getTime() - a.starts_at.getTime() ||
        a.user_id.localeCompare(b.user_id),
    );
    const present = ordered.find((row) => available(row.user_id));
    if (present) return { userId: present.user_id, reason: 'on_duty', position: present.position };
    for (const row of ordered) {
      const substitute = substituteOf(row.user_id);
      if (substitute) return { userId: substitute, reason: 'substitute', standingInFor: row.user_id };
    }
    const chiefId = chief.rows[0]?.user_id;
    if (chiefId === undefined) return undefined;
    if (available(chiefId)) return { userId: chiefId, reason: 'grid_chief' };
    const substitute = substituteOf(chiefId);
    return substitute ? { userId: substitute, reason: 'substitute', standingInFor: chiefId } : undefined;
  }
}

type UserStatus = { active: boolean; onLeave: boolean; substitute: string | null };

async function requireUser(tx: Queryable, userId: string): Promise<void> {
  const { rows } = await tx.query('SELECT 1 FROM users WHERE id = $1', [userId]);
  if (rows.length === 0) throw new PeopleError('GL_USER_NOT_FOUND', message('user.unknown', { id: userId }));
}
