import { randomUUID } from 'node:crypto';
import type { Clock } from '../clock.js';
import type { Db, Queryable } from '../db/db.js';
import { message } from '../i18n/message.js';
import { type Actor, writeAudit } from './audit.js';
import { isUniqueViolation, PeopleError } from './errors.js';
import { DEFAULT_SCRYPT, hashPassword, type ScryptParameters } from './passwords.js';
import type { Role, RoleAssignment } from './roles.js';
import type { Principal } from './scope.js';

/** A user as the API shows it: never the password hash. */
export interface User {
  id: string;
  username: string;
  display_name: string;
  territory_code: string;
  active: boolean;
  created_at: string;
  roles: RoleAssignment[];
}

export interface NewUser {
  username: string;
  display_name: string;
  territory_code: string;
  password: string;
  roles?: readonly RoleAssignment[];
}

export interface UserChange {
  display_name?: string;
  active?: boolean;
  password?: string;
}

interface UserRow {
  id: string;
  username: string;
  display_name: string;
  territory_code: string;
  active: boolean;
  created_at: Date;
}

const USER_COLUMNS = 'id, username, display_name, territory_code, active, created_at';

/** Users and their role assignments. Every change is written to the audit log with it. */
export class UserStore {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly scrypt: ScryptParameters = DEFAULT_SCRYPT,
  ) {}

  async create(actor: Actor, input: NewUser): Promise<User> {
    const id = randomUUID();
    const now = this.clock();
    const passwordHash = await hashPassword(input.password, this.scrypt);
    const roles = dedupe(input.roles ?? []);
    try {
      await this.db.transaction(async (tx) => {
        await tx.query(
          `INSERT INTO users (id, username, display_name, territory_code, password_hash, active, created_at)
           VALUES ($1, $2, $3, $4, $5, true, $6)`,
          [id, input.username, input.display_name, input.territory_code, passwordHash, now],
        );
        for (const role of roles) await insertAssignment(tx, id, role, now);
        await writeAudit(tx, {
          actor,
          action: 'user.create',
          target: `user:${id}`,
          at: now,
          details: { username: input.username, territory_code: input.territory_code, roles },
        });
      });
    } catch (err) {
      if (isUniqueViolation(err, 'users_username_key')) {
        throw new PeopleError('GL_USER_EXISTS', message('user.username_taken', { username: input.username }));
      }
      throw err;
    }
    return (await this.get(id)) as User;
  }

  async get(id: string): Promise<User | undefined> {
    const { rows } = await this.db.query<UserRow>(`SELECT ${USER_COLUMNS} FROM users WHERE id = $1`, [id]);
    const row = rows[0];
    if (row === undefined) return undefined;
    return toUser(row, await this.assignments(id));
  }

  async assignments(userId: string, q: Queryable = this.db): Promise<RoleAssignment[]> {
    const { rows } = await q.query<{ role: Role; scope: string }>(
      'SELECT role, scope FROM role_assignments WHERE user_id = $1 ORDER BY role, scope',
      [userId],
    );
    return rows.map(({ role, scope }) => ({ role, scope }));
  }

  /** The principal of an active user; undefined for an unknown or deactivated one. */
  async principal(userId: string): Promise<Principal | undefined> {
    const user = await this.get(userId);
    if (user === undefined || !user.active) return undefined;
    return {
      userId: user.id,
      username: user.username,
      displayName: user.display_name,
      territoryCode: user.territory_code,
      assignments: user.roles,
    };
  }

  /** Gives `userId` a role over a scope; `created` is false when the user already had it. */
  async assign(actor: Actor, userId: string, assignment: RoleAssignment): Promise<{ created: boolean }> {
    const now = this.clock();
    return this.db.transaction(async (tx) => {
      await this.lockUser(tx, userId);
      const created = await insertAssignment(tx, userId, assignment, now);
      if (created) {
        await writeAudit(tx, {
          actor,
          action: 'role.assign',
          target: `user:${userId}`,
          at: now,
          details: { ...assignment },
        });
      }
      return { created };
    });
  }

  /** Takes a role over a scope away; false when the user did not have it. */
  async revoke(actor: Actor, userId: string, assignment: RoleAssignment): Promise<boolean> {
    const now = this.clock();
    return this.db.transaction(async (tx) => {
      await this.lockUser(tx, userId);
      const { rows } = await tx.query(
        'DELETE FROM role_assignments WHERE user_id = $1 AND role = $2 AND scope = $3 RETURNING role',
        [userId, assignment.role, assignment.scope],
      );
      if (rows.length === 0) return false;
      await writeAudit(tx, {
        actor,
        action: 'role.revoke',
        target: `user:${userId}`,
        at: now,
        details: { ...assignment },
      });
      return true;
    });
  }

  /**
   * Changes a user's name, password or active flag. Deactivating or setting a password ends the
   * user's sessions.
   */
  async update(actor: Actor, userId: string, change: UserChange): Promise<User> {
    const now = this.clock();
    const passwordHash = change.password === undefined ? undefined : await hashPassword(change.password, this.scrypt);
    await this.db.transaction(async (tx) => {
      const before = await this.lockUser(tx, userId);
      if (change.display_name !== undefined) {
        await tx.query('UPDATE users SET display_name = $2 WHERE id = $1', [userId, change.display_name]);
      }
      if (change.active !== undefined) {
        await tx.query('UPDATE users SET active = $2 WHERE id = $1', [userId, change.active]);
      }
      if (passwordHash !== undefined) {
        await tx.query('UPDATE users SET password_hash = $2 WHERE id = $1', [userId, passwordHash]);
      }
      if (change.active === false || passwordHash !== undefined) {
        await tx.query('DELETE FROM user_sessions WHERE user_id = $1', [userId]);
      }
      const { password: _secret, ...shown } = change;
      await writeAudit(tx, {
        actor,
        action: 'user.update',
        target: `user:${userId}`,
        at: now,
        // What changed, and (for the viewer's before/after) what those fields were.
        details: {
          ...shown,
          ...(passwordHash === undefined ? {} : { password_changed: true }),
          before: Object.fromEntries(Object.keys(shown).map((key) => [key, before[key as keyof typeof before]])),
        },
      });
    });
    return (await this.get(userId)) as User;
  }

  /**
   * Users who belong to a territory under one of `prefixes`, or hold a role whose scope is under
   * one; every user when `prefixes` is undefined. Ordered by username.
   */
  async list(prefixes?: readonly string[]): Promise<User[]> {
    const params: unknown[] = [];
    let where = '';
    if (prefixes !== undefined) {
      if (prefixes.length === 0) return [];
      params.push(prefixes.map((prefix) => `${prefix}%`));
      where = `WHERE u.territory_code LIKE ANY ($1::text[])
                  OR EXISTS (SELECT 1 FROM role_assignments a
                              WHERE a.user_id = u.id AND a.role NOT IN ('disposal_unit', 'installer')
                                AND a.scope LIKE ANY ($1::text[]))`;
    }
    const { rows } = await this.db.query<UserRow>(
      `SELECT ${USER_COLUMNS} FROM users u ${where} ORDER BY u.username`,
      params,
    );
    const roles = await this.db.query<{ user_id: string; role: Role; scope: string }>(
      'SELECT user_id, role, scope FROM role_assignments WHERE user_id = ANY ($1::text[]) ORDER BY role, scope',
      [rows.map((row) => row.id)],
    );
    return rows.map((row) =>
      toUser(
        row,
        roles.rows.filter((r) => r.user_id === row.id).map(({ role, scope }) => ({ role, scope })),
      ),
    );
  }

  /** Locks the user's row for the transaction; their name and active flag as they were. */
  private async lockUser(tx: Queryable, userId: string): Promise<{ display_name: string; active: boolean }> {
    const { rows } = await tx.query<{ display_name: string; active: boolean }>(
      'SELECT display_name, active FROM users WHERE id = $1 FOR UPDATE',
      [userId],
    );
    const row = rows[0];
    if (row === undefined) throw new PeopleError('GL_USER_NOT_FOUND', message('user.unknown', { id: userId }));
    return row;
  }
}

async function insertAssignment(tx: Queryable, userId: string, a: RoleAssignment, now: Date): Promise<boolean> {
  const { rows } = await tx.query(
    `INSERT INTO role_assignments (user_id, role, scope, created_at) VALUES ($1, $2, $3, $4)
     ON CONFLICT DO NOTHING RETURNING role`,
    [userId, a.role, a.scope, now],
  );
  return rows.length > 0;
}

function dedupe(roles: readonly RoleAssignment[]): RoleAssignment[] {
  const seen = new Map(roles.map((r) => [`${r.role}\u0000${r.scope}`, { role: r.role, scope: r.scope }]));
  return [...seen.values()];
}

function toUser(row: UserRow, roles: RoleAssignment[]): User {
  return {
    id: row.id,
    username: row.username,
    display_name: row.display_name,
    territory_code: row.territory_code,
    active: row.active,
    created_at: row.created_at.toISOString(),
    roles,
  };
}
