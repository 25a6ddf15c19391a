import { describe, expect, it } from 'vitest';
import { api, BACKENDS, manualClock, TEST_ADMIN_TOKEN, useTestCloud } from '../test-support.js';
import { auditOf } from './audit.js';
import { RosterStore } from './rosters.js';
import { createUser, login, signedIn } from './test-support.js';

const ADMIN = { kind: 'admin' } as const;
const at = (iso: string) => new Date(iso);

describe.each(BACKENDS)('grid rosters (%s)', (backend) => {
  const clock = manualClock();
  const cloud = useTestCloud(backend, { clock });
  const rosters = () => new RosterStore(cloud().db, clock);
  let gridSeq = 100;
  /** A fresh grid with a chief, a full-time and a part-time worker. */
  const grid = async () => {
    gridSeq++;
    const code = `320803001001${gridSeq}`;
    const [chief, fullTime, partTime] = await Promise.all(
      ['chief', 'full', 'part'].map((who) =>
        createUser(cloud(), `${who}.${gridSeq}`, { territory: code.slice(0, 12) }),
      ),
    );
    if (!chief || !fullTime || !partTime) throw new Error('users not created');
    await rosters().setMember(ADMIN, code, chief.id, 'grid_chief');
    await rosters().setMember(ADMIN, code, fullTime.id, 'full_time');
    await rosters().setMember(ADMIN, code, partTime.id, 'part_time');
    return { code, chief: chief.id, fullTime: fullTime.id, partTime: partTime.id };
  };

  describe('membership ("1+1+N")', () => {
    it('gives members the grid_worker role over the grid and takes it away with the membership', async () => {
      const g = await grid();
      const { rows } = await cloud().db.query('SELECT role, scope FROM role_assignments WHERE user_id = $1', [
        g.partTime,
      ]);
      expect(rows).toEqual([{ role: 'grid_worker', scope: g.code }]);
      expect(await rosters().removeMember(ADMIN, g.code, g.partTime)).toBe(true);
      expect(await rosters().removeMember(ADMIN, g.code, g.partTime)).toBe(false);
      const after = await cloud().db.query('SELECT role FROM role_assignments WHERE user_id = $1', [g.partTime]);
      expect(after.rows).toEqual([]);
    });

    it('refuses a second grid chief or full-time worker, but takes any number of part-time workers', async () => {
      const g = await grid();
      const extra = await createUser(cloud(), `extra.${gridSeq}`);
      await expect(rosters().setMember(ADMIN, g.code, extra.id, 'full_time')).rejects.toMatchObject({
        code: 'GL_ROSTER_CONFLICT',
      });
      await expect(rosters().setMember(ADMIN, g.code, extra.id, 'grid_chief')).rejects.toMatchObject({
        code: 'GL_ROSTER_CONFLICT',
      });
      await rosters().setMember(ADMIN, g.code, extra.id, 'part_time');
      expect((await rosters().members(g.code)).filter((m) => m.position === 'part_time')).toHaveLength(2);
    });
  });

  describe('onDutyFor', () => {
    it('follows the shift change: the worker whose duty period covers the time', async () => {
      const g = await grid();
      await rosters().addDutyPeriod(ADMIN, {
        gridCode: g.code,
        userId: g.fullTime,
        startsAt: at('2026-11-25T00:00:00Z'),
        endsAt: at('2026-11-25T10:00:00Z'),
      });
      await rosters().addDutyPeriod(ADMIN, {
        gridCode: g.code,
        userId: g.partTime,
        startsAt: at('2026-11-25T10:00:00Z'),
        endsAt: at('2026-11-25T20:00:00Z'),
      });
      expect(await rosters().onDutyFor(g.code, at('2026-11-25T09:59:59.999Z'))).toEqual({
        userId: g.fullTime,
        reason: 'on_duty',
        position: 'full_time',
      });
      expect(await rosters().onDutyFor(g.code, at('2026-11-25T10:00:00Z'))).toEqual({
        userId: g.partTime,
        reason: 'on_duty',
        position: 'part_time',
      });
      // Nobody on duty after 20:00: the grid chief.
      expect(await rosters().onDutyFor(g.code, at('2026-11-25T21:00:00Z'))).toEqual({
        userId: g.chief,
        reason: 'grid_chief',
      });
    });

    it('prefers the on-duty full-time worker when shifts overlap', async () => {
      const g = await grid();
      for (const userId of [g.partTime, g.fullTime]) {
        await rosters().addDutyPeriod(ADMIN, {
          gridCode: g.code,
          userId,
          startsAt: at('2026-11-26T00:00:00Z'),
          endsAt: at('2026-11-27T00:00:00Z'),
        });
      }
      expect(await rosters().onDutyFor(g.code, at('2026-11-26T12:00:00Z'))).toMatchObject({ userId: g.fullTime });
    });

    it('sends a worker-on-leave’s incidents to the substitute, then back when the leave ends', async () => {
      const g = await grid();
      const substitute = await createUser(cloud(), `sub.${gridSeq}`);
      await rosters().addDutyPeriod(ADMIN, {
        gridCode: g.code,
        userId: g.fullTime,
        startsAt: at('2026-11-27T00:00:00Z'),
        endsAt: at('2026-11-28T00:00:00Z'),
      });
      await rosters().addLeave(ADMIN, {
        userId: g.fullTime,
        startsAt: at('2026-11-27T08:00:00Z'),
        endsAt: at('2026-11-27T12:00:00Z'),
        substituteUserId: substitute.id,
      });
      expect(await rosters().onDutyFor(g.code, at('2026-11-27T07:00:00Z'))).toMatchObject({ userId: g.fullTime });
      expect(await rosters().onDutyFor(g.code, at('2026-11-27T09:00:00Z'))).toEqual({
        userId: substitute.id,
        reason: 'substitute',
        standingInFor: g.fullTime,
      });
      expect(await rosters().onDutyFor(g.code, at('2026-11-27T12:00:00Z'))).toMatchObject({
        userId: g.fullTime,
        reason: 'on_duty',
      });
    });

    it('falls back to the grid chief when the worker on leave has no substitute, or the substitute is away too', async () => {
      const g = await grid();
      const substitute = await createUser(cloud(), `away.sub.${gridSeq}`);
      await rosters().addDutyPeriod(ADMIN, {
        gridCode: g.code,
        userId: g.fullTime,
        startsAt: at('2026-11-28T00:00:00Z'),
        endsAt: at('2026-11-29T00:00:00Z'),
      });
      await rosters().addLeave(ADMIN, {
        userId: g.fullTime,
        startsAt: at('2026-11-28T00:00:00Z'),
        endsAt: at('2026-11-28T06:00:00Z'),
      });
      expect(await rosters().onDutyFor(g.code, at('2026-11-28T01:00:00Z'))).toEqual({
        userId: g.chief,
        reason: 'grid_chief',
      });

      await rosters().addLeave(ADMIN, {
        userId: g.fullTime,
        startsAt: at('2026-11-28T06:00:00Z'),
        endsAt: at('2026-11-28T12:00:00Z'),
        substituteUserId: substitute.id,
      });
      await rosters().addLeave(ADMIN, {
        userId: substitute.id,
        startsAt: at('2026-11-28T06:00:00Z'),
        endsAt: at('2026-11-28T09:00:00Z'),
      });
      expect(await rosters().onDutyFor(g.code, at('2026-11-28T07:00:00Z'))).toMatchObject({ userId: g.chief });
      expect(await rosters().onDutyFor(g.code, at('2026-11-28T10:00:00Z'))).toMatchObject({
        userId: substitute.id,
        reason: 'substitute',
      });
    });

    it('answers nobody for a grid without a roster (the community takes the incident)', async () => {
      expect(await rosters().onDutyFor('320803001001999', at('2026-11-25T12:00:00Z'))).toBeUndefined();
    });

    it('refuses a duty period for someone who is not a member of the grid', async () => {
      const g = await grid();
      const outsider = await createUser(cloud(), `outsider.${gridSeq}`);
      await expect(
        rosters().addDutyPeriod(ADMIN, {
          gridCode: g.code,
          userId: outsider.id,
          startsAt: at('2026-11-25T00:00:00Z'),
          endsAt: at('2026-11-25T08:00:00Z'),
        }),
      ).rejects.toMatchObject({ code: 'GL_ROSTER_CONFLICT' });
    });
  });

  describe('over HTTP', () => {
    it('lets a district admin set members, duty periods and leaves, audited; a grid worker only reads', async () => {
      const { user: admin, token } = await signedIn(cloud(), 'roster.admin', [
        { role: 'district_admin', scope: '320803001' },
      ]);
      const code = '320803001002001';
      const worker = await createUser(cloud(), 'roster.worker', { territory: '320803001002' });
      const substitute = await createUser(cloud(), 'roster.substitute', { territory: '320803001002' });

      const member = await api(cloud(), 'PUT', `/api/v1/grids/${code}/members/${worker.id}`, {
        token,
        body: { position: 'full_time' },
      });
      expect(member.status).toBe(200);
      expect(member.body).toEqual({ grid_code: code, user_id: worker.id, position: 'full_time' });
      const period = await api(cloud(), 'POST', `/api/v1/grids/${code}/duty-periods`, {
        token,
        body: { user_id: worker.id, starts_at: '2026-11-25T00:00:00Z', ends_at: '2026-11-26T00:00:00+08:00' },
      });
      expect(period.status).toBe(201);
      expect(period.body).toMatchObject({ ends_at: '2026-11-25T16:00:00.000Z' });
      const leave = await api(cloud(), 'POST', `/api/v1/users/${worker.id}/leaves`, {
        token,
        body: { starts_at: '2026-11-25T10:00:00Z', ends_at: '2026-11-25T12:00:00Z', substitute_user_id: substitute.id },
      });
      expect(leave.status).toBe(201);

      const workerToken = login(cloud(), 'roster.worker');
      const onDuty = await api(cloud(), 'GET', `/api/v1/grids/${code}/on-duty?at=2026-11-25T11:00:00Z`, {
        token: await workerToken,
      });
      expect(onDuty.status).toBe(200);
      expect(onDuty.body).toEqual({
        grid_code: code,
        at: '2026-11-25T11:00:00.000Z',
        on_duty: { userId: substitute.id, reason: 'substitute', standingInFor: worker.id },
      });
      const notTheirs = await api(cloud(), 'GET', '/api/v1/grids/320803001002002/on-duty', {
        token: await workerToken,
      });
      expect(notTheirs.status).toBe(403);
      const refused = await api(cloud(), 'PUT', `/api/v1/grids/${code}/members/${substitute.id}`, {
        token: await workerToken,
        body: { position: 'part_time' },
      });
      expect(refused.status).toBe(403);
      expect(refused.body.code).toBe('GL_FORBIDDEN');

      expect((await auditOf(cloud().db, `grid:${code}`)).map((r) => [r.actor, r.action])).toEqual([
        [`user:${admin.id}`, 'roster.member.set'],
        [`user:${admin.id}`, 'roster.duty_period.add'],
      ]);
      expect((await auditOf(cloud().db, `user:${worker.id}`)).map((r) => r.action)).toEqual([
        'user.create',
        'roster.leave.add',
      ]);
    });

    it('refuses a grid outside the admin’s territory and a bad grid code', async () => {
      const { token } = await signedIn(cloud(), 'roster.narrow', [{ role: 'district_admin', scope: '320803002' }]);
      const worker = await createUser(cloud(), 'roster.far');
      const outside = await api(cloud(), 'PUT', `/api/v1/grids/320803001002001/members/${worker.id}`, {
        token,
        body: { position: 'part_time' },
      });
      expect(outside.status).toBe(403);
      const bad = await api(cloud(), 'PUT', `/api/v1/grids/3208/members/${worker.id}`, {
        token: TEST_ADMIN_TOKEN,
        body: { position: 'part_time' },
        headers: { 'accept-language': 'en' },
      });
      expect(bad.status).toBe(400);
      expect(bad.body.errors).toEqual([{ parameter: 'code', detail: 'expected a 15-digit grid code' }]);
    });
  });
});
