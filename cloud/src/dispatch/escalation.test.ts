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
