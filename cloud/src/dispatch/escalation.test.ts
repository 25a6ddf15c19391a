import { describe, expect, it } from 'vitest';
import { RosterStore } from '../people/rosters.js';
import { signedIn } from '../people/test-support.js';
import { api, BACKENDS, manualClock, useTestCloud } from '../test-support.js';

const GRID = '320803001001001';

describe.each(BACKENDS)('escalation notices (%s)', (backend) => {
  const clock = manualClock('2026-11-25T02:00:00.000Z');
  const cloud = useTestCloud(backend, { clock, deadlineSweepMs: 3_600_000, dispatchSweepMs: 3_600_000 });

  it('an urgent incident nobody signs for reaches the grid chief and the community after N minutes, then the street', async () => {
    const chief = await signedIn(cloud(), 'chief-esc', [], '320803');
    const community = await signedIn(cloud(), 'op-community', [{ role: 'operator', scope: '320803001001' }]);
    const street = await signedIn(cloud(), 'op-street', [{ role: 'operator', scope: '320803001' }]);
    await new RosterStore(cloud().db, clock).setMember({ kind: 'admin' }, GRID, chief.user.id, 'grid_chief');
    const pushed: Record<string, string[]> = {};
    for (const who of [chief, community, street]) {
      cloud().dispatch.live.subscribe(who.user.id, (frame) => {
        const list = pushed[who.user.id] ?? [];
        list.push(JSON.parse(frame.split('\ndata: ')[1] ?? '{}').key);
        pushed[who.user.id] = list;
      });
    }
    const created = await api<{ incident: { id: string } }>(cloud(), 'POST', '/api/v1/incidents', {
      token: community.token,
      body: {
        request_id: 'esc-1',
        source: 'hotline_12345',
        category: 'emergency.gas_leak',
        urgent: true,
        title: '燃气泄漏',
        community: '320803001001',
        grid: GRID,
      },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const id = created.body.incident.id;

    clock.advance(10 * 60_000 + 1000);
    await cloud().deadlines.sweep();
    await expect.poll(() => pushed[chief.user.id] ?? []).toContain(`${id}:unsigned:community`);
    expect(pushed[community.user.id]).toContain(`${id}:unsigned:community`);
    expect(pushed[street.user.id] ?? []).not.toContain(`${id}:unsigned:community`);

    clock.advance(10 * 60_000);
    await cloud().deadlines.sweep();
    await expect.poll(() => pushed[street.user.id] ?? []).toContain(`${id}:unsigned:street`);
    const { rows } = await cloud().db.query(
      'SELECT key, status FROM notification_log WHERE incident_id = $1 ORDER BY key',
      [id],
    );
    expect(rows).toEqual(
      expect.arrayContaining([
        { key: `${id}:unsigned:community`, status: 'sent' },
        { key: `${id}:unsigned:street`, status: 'sent' },
      ]),
    );
  });
});

describe.each(BACKENDS)('escalation reaches someone who can act (%s)', (backend) => {
  const clock = manualClock('2026-11-26T02:00:00.000Z');
  const cloud = useTestCloud(backend, { clock, deadlineSweepMs: 3_600_000, dispatchSweepMs: 3_600_000 });

  it('an urgent incident nobody could be dispatched to reaches, at each level it is escalated to, an operator offered the dispatch', async () => {
    // The community and the street have a centre; the district has only an administrator, who
    // configures and may not dispatch. Grid 3 has nobody on duty.
    const community = await signedIn(cloud(), 'act-community', [{ role: 'operator', scope: '320803001001' }]);
    const street = await signedIn(cloud(), 'act-street', [{ role: 'operator', scope: '320803001' }]);
    const admin = await signedIn(cloud(), 'act-admin', [{ role: 'district_admin', scope: '320803' }]);
    const pushed: Record<string, string[]> = {};
    for (const who of [community, street, admin]) {
      cloud().dispatch.live.subscribe(who.user.id, (frame) => {
        const list = pushed[who.user.id] ?? [];
        list.push(JSON.parse(frame.split('\ndata: ')[1] ?? '{}').key);
        pushed[who.user.id] = list;
      });
    }
    const created = await api<{ incident: { id: string } }>(cloud(), 'POST', '/api/v1/incidents', {
      token: community.token,
      body: {
        request_id: 'act-1',
        source: 'hotline_12345',
        category: 'emergency.fire',
        urgent: true,
        title: '3 号楼起火',
        community: '320803001001',
        grid: '320803001001003',
      },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const id = created.body.incident.id;
    for (const action of ['accept', 'file']) {
      const moved = await api(cloud(), 'POST', `/api/v1/incidents/${id}/transitions`, {
        token: community.token,
        body: { action, request_id: `act-1-${action}` },
      });
      expect(moved.status, JSON.stringify(moved.body)).toBe(200);
    }
    // Nobody on duty in grid 3: automatic dispatch leaves it to the operators.
    await expect.poll(() => pushed[community.user.id] ?? []).toContainEqual(expect.stringMatching(/:to_operators:/));
    const actionsOf = async (token: string) =>
      (
        await api<{ actions: Array<{ action: string }> }>(cloud(), 'GET', `/api/v1/incidents/${id}/actions`, { token })
      ).body.actions.map((item) => item.action);
    const noticesAt = (who: { user: { id: string } }, level: string) =>
      (pushed[who.user.id] ?? []).filter((key) => key.startsWith(`${id}:overdue:${level}:`));

    // The first breach of the filing-and-dispatch limit raises it to the street, whose centre is told
    // and may dispatch it.
    clock.advance(10 * 60_000 + 1000);
    await cloud().deadlines.sweep();
    await expect.poll(async () => (await cloud().incidents.get(id))?.level).toBe('street');
    await expect.poll(() => noticesAt(street, 'street')).toHaveLength(1);
    expect(await actionsOf(street.token)).toContain('dispatch');

    // The second raises it to the district, which has no centre: the notice goes to the nearest centre
    // that can act (the street's), never to nobody, and never to the administrator who cannot.
    clock.advance(10 * 60_000 + 1000);
    await cloud().deadlines.sweep();
    await expect.poll(async () => (await cloud().incidents.get(id))?.level).toBe('district');
    await expect.poll(() => noticesAt(street, 'district')).toHaveLength(1);
    expect(await actionsOf(street.token)).toContain('dispatch');
    expect(noticesAt(admin, 'district')).toEqual([]);
    expect(await actionsOf(admin.token)).toEqual([]);
  });

  it('with a district centre, the district escalation reaches its operators, who may dispatch', async () => {
    const district = await signedIn(cloud(), 'act-district', [{ role: 'operator', scope: '320803' }]);
    const reporter = await signedIn(cloud(), 'act-reporter', [{ role: 'operator', scope: '320803001002' }]);
    const pushed: string[] = [];
    cloud().dispatch.live.subscribe(district.user.id, (frame) => {
      pushed.push(JSON.parse(frame.split('\ndata: ')[1] ?? '{}').key);
    });
    const created = await api<{ incident: { id: string } }>(cloud(), 'POST', '/api/v1/incidents', {
      token: reporter.token,
      body: {
        request_id: 'act-2',
        source: 'hotline_12345',
        category: 'emergency.gas_leak',
        urgent: true,
        title: '燃气泄漏',
        community: '320803001002',
      },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const id = created.body.incident.id;
    for (let breach = 0; breach < 2; breach++) {
      clock.advance(10 * 60_000 + 1000);
      await cloud().deadlines.sweep();
    }
    await expect.poll(async () => (await cloud().incidents.get(id))?.level).toBe('district');
    await expect.poll(() => pushed.filter((key) => key.startsWith(`${id}:overdue:district:`))).toHaveLength(1);
    const actions = await api<{ actions: Array<{ action: string }> }>(
      cloud(),
      'GET',
      `/api/v1/incidents/${id}/actions`,
      { token: district.token },
    );
    expect(actions.body.actions.map((item) => item.action)).toContain('accept');
  });
});
