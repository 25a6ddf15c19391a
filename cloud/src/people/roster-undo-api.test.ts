import { describe, expect, it } from 'vitest';
import { api, BACKENDS, manualClock, TEST_ADMIN_TOKEN, useTestCloud } from '../test-support.js';
import { auditOf } from './audit.js';
import { createUser, signedIn } from './test-support.js';

const COMMUNITY = '320803001001';
const GRID = '320803001001001';
const OTHER_GRID = '320803001001002';
const NOW = '2026-12-01T00:00:00.000Z';

/**
 * Taking back a roster entry — a leave called off, a duty period entered by mistake: one not yet
 * begun is deleted, one under way ends now, one already over is refused (it is history: incidents
 * were routed by it). Scope-checked as adding is, audited with the entry as it was.
 */
describe.each(BACKENDS)('cancelling leaves and removing duty periods (%s)', (backend) => {
  const clock = manualClock(NOW);
  const cloud = useTestCloud(backend, { clock });
  const call = (method: string, path: string, token: string, body?: unknown) =>
    api<Record<string, unknown> & { entry?: { id: number } }>(cloud(), method, path, {
      token,
      ...(body === undefined ? {} : { body }),
      headers: { 'accept-language': 'en' },
    });
  let seq = 0;
  /** A grid worker of GRID, and a duty period and a leave of theirs before, around and after now. */
  const rostered = async () => {
    seq++;
    const worker = await createUser(cloud(), `undo.worker.${seq}`, { territory: COMMUNITY });
    expect(
      (await call('PUT', `/api/v1/grids/${GRID}/members/${worker.id}`, TEST_ADMIN_TOKEN, { position: 'part_time' }))
        .status,
    ).toBe(200);
    const windows = {
      over: ['2026-11-29T00:00:00Z', '2026-11-30T00:00:00Z'],
      running: ['2026-11-30T12:00:00Z', '2026-12-01T12:00:00Z'],
      coming: ['2026-12-05T00:00:00Z', '2026-12-06T00:00:00Z'],
    } as const;
    const ids = {
      periods: {} as Record<keyof typeof windows, number>,
      leaves: {} as Record<keyof typeof windows, number>,
    };
    for (const [when, [starts_at, ends_at]] of Object.entries(windows) as Array<
      [keyof typeof windows, readonly [string, string]]
    >) {
      const period = await call('POST', `/api/v1/grids/${GRID}/duty-periods`, TEST_ADMIN_TOKEN, {
        user_id: worker.id,
        starts_at,
        ends_at,
      });
      expect(period.status).toBe(201);
      ids.periods[when] = Number(period.body.id);
      const leave = await call('POST', `/api/v1/users/${worker.id}/leaves`, TEST_ADMIN_TOKEN, { starts_at, ends_at });
      expect(leave.status).toBe(201);
      ids.leaves[when] = Number(leave.body.id);
    }
    return { worker, ids };
  };
  const row = async (table: 'leaves' | 'duty_periods', id: number) =>
    (await cloud().db.query<{ ends_at: Date }>(`SELECT ends_at FROM ${table} WHERE id = $1`, [id])).rows[0];

  it('cancels a leave not yet begun, ends one under way now, and keeps one already over', async () => {
    const { worker, ids } = await rostered();
    const admin = (
      await signedIn(cloud(), `undo.admin.${seq}`, [{ role: 'district_admin', scope: '320803' }], '320803')
    ).token;
    const leaves = `/api/v1/users/${worker.id}/leaves`;

    const coming = await call('DELETE', `${leaves}/${ids.leaves.coming}`, admin);
    expect(coming.status).toBe(200);
    expect(coming.body).toMatchObject({ outcome: 'deleted', entry: { id: ids.leaves.coming, user_id: worker.id } });
    expect(await row('leaves', ids.leaves.coming)).toBeUndefined();

    const running = await call('DELETE', `${leaves}/${ids.leaves.running}`, admin);
    expect(running.status).toBe(200);
    expect(running.body).toMatchObject({ outcome: 'ended', entry: { ends_at: '2026-12-01T12:00:00.000Z' } });
    expect((await row('leaves', ids.leaves.running))?.ends_at.toISOString()).toBe(NOW);

    const over = await call('DELETE', `${leaves}/${ids.leaves.over}`, admin);
    expect(over.status).toBe(409);
    expect(over.body.code).toBe('GL_ROSTER_CONFLICT');
    expect(over.body.detail).toContain(`leave ${ids.leaves.over} ended at 2026-11-30T00:00:00.000Z`);
    expect((await row('leaves', ids.leaves.over))?.ends_at.toISOString()).toBe('2026-11-30T00:00:00.000Z');

    const unknown = await call('DELETE', `${leaves}/999999`, admin);
    expect(unknown.status).toBe(404);
    expect(unknown.body.detail).toBe(`user ${worker.id} has no leave 999999`);
    expect((await call('DELETE', `${leaves}/not-a-number`, admin)).status).toBe(404);
    // Another user's leave is not reached through this one's path.
    const other = await rostered();
    expect((await call('DELETE', `${leaves}/${other.ids.leaves.coming}`, admin)).status).toBe(404);
    expect(await row('leaves', other.ids.leaves.coming)).toBeDefined();

    const trail = (await auditOf(cloud().db, `user:${worker.id}`)).filter((r) => r.action === 'roster.leave.cancel');
    expect(trail.map((r) => r.details)).toEqual([
      expect.objectContaining({ outcome: 'deleted', id: ids.leaves.coming, starts_at: '2026-12-05T00:00:00.000Z' }),
      expect.objectContaining({ outcome: 'ended', id: ids.leaves.running, ended_at: NOW }),
    ]);
    expect(trail[0]?.actor).toMatch(/^user:/);
  });

  it('removes a duty period not yet begun, ends one under way now, and keeps one already over', async () => {
    const { ids } = await rostered();
    const periods = `/api/v1/grids/${GRID}/duty-periods`;

    const coming = await call('DELETE', `${periods}/${ids.periods.coming}`, TEST_ADMIN_TOKEN);
    expect(coming.status).toBe(200);
    expect(coming.body).toMatchObject({ outcome: 'deleted', entry: { id: ids.periods.coming, grid_code: GRID } });
    expect(await row('duty_periods', ids.periods.coming)).toBeUndefined();
    const running = await call('DELETE', `${periods}/${ids.periods.running}`, TEST_ADMIN_TOKEN);
    expect(running.body).toMatchObject({ outcome: 'ended' });
    expect((await row('duty_periods', ids.periods.running))?.ends_at.toISOString()).toBe(NOW);
    const over = await call('DELETE', `${periods}/${ids.periods.over}`, TEST_ADMIN_TOKEN);
    expect(over.status).toBe(409);
    expect(over.body.detail).toContain('stays in the history');

    // The period belongs to GRID: through another grid's path it is unknown.
    const elsewhere = await call(
      'DELETE',
      `/api/v1/grids/${OTHER_GRID}/duty-periods/${ids.periods.over}`,
      TEST_ADMIN_TOKEN,
    );
    expect(elsewhere.status).toBe(404);
    expect(elsewhere.body.detail).toBe(`grid ${OTHER_GRID} has no duty period ${ids.periods.over}`);

    const trail = (await auditOf(cloud().db, `grid:${GRID}`)).filter((r) => r.action === 'roster.duty_period.remove');
    expect(trail.map((r) => r.details)).toEqual([
      expect.objectContaining({ outcome: 'deleted', id: ids.periods.coming, ends_at: '2026-12-06T00:00:00.000Z' }),
      expect.objectContaining({ outcome: 'ended', id: ids.periods.running, ended_at: NOW }),
    ]);
  });

  it('attack: an admin of another territory can neither cancel the leave nor remove the duty period', async () => {
    const { worker, ids } = await rostered();
    const intruders = [
      (await signedIn(cloud(), `undo.district.${seq}`, [{ role: 'district_admin', scope: '320804' }], '320804')).token,
      (await signedIn(cloud(), `undo.street.${seq}`, [{ role: 'district_admin', scope: '320803002' }], '320803002'))
        .token,
      (await signedIn(cloud(), `undo.gridworker.${seq}`, [{ role: 'grid_worker', scope: GRID }], COMMUNITY)).token,
    ];
    const before = (await cloud().db.query('SELECT count(*)::int AS n FROM audit_log')).rows[0];
    for (const token of intruders) {
      for (const path of [
        `/api/v1/users/${worker.id}/leaves/${ids.leaves.coming}`,
        `/api/v1/grids/${GRID}/duty-periods/${ids.periods.coming}`,
        // An unknown id is refused the same way: the answer tells nothing of what exists.
        `/api/v1/users/${worker.id}/leaves/999999`,
        `/api/v1/grids/${GRID}/duty-periods/999999`,
      ]) {
        const refused = await call('DELETE', path, token);
        expect(refused.status, path).toBe(403);
        expect(refused.body.code).toBe('GL_FORBIDDEN');
      }
    }
    expect(await row('leaves', ids.leaves.coming)).toBeDefined();
    expect(await row('duty_periods', ids.periods.coming)).toBeDefined();
    expect((await cloud().db.query('SELECT count(*)::int AS n FROM audit_log')).rows[0]).toEqual(before);
    // Without any token nothing is reached either.
    const anonymous = await api(cloud(), 'DELETE', `/api/v1/grids/${GRID}/duty-periods/${ids.periods.coming}`);
    expect(anonymous.status).toBe(401);
  });
});
