import { describe, expect, it } from 'vitest';
import { BACKENDS, manualClock } from '../test-support.js';
import { IncidentEngine } from './engine.js';
import type { IncidentError } from './errors.js';
import { useIncidentDatabase } from './test-database.js';

describe.each(BACKENDS)('manual intake, "一口受理" (%s)', (backend) => {
  const db = useIncidentDatabase(backend);
  const clock = manualClock('2026-11-25T17:30:00.000Z');
  const engine = () => new IncidentEngine(db(), clock);
  let counter = 0;
  const requestId = () => `intake-${++counter}`;

  it('opens a REPORTED incident with its first step, from any channel', async () => {
    const { incident, step, repeated } = await engine().report({
      requestId: 'hotline-2026-11-25-0042',
      source: 'hotline_12345',
      category: 'dispute',
      title: 'Noise from a renovation after 22:00',
      description: 'Caller lives in building 5, unit 1',
      place: { community: '320803001001', building: '5', unit: '1' },
      address: '河湖社区5号楼',
      actor: 'op-li',
      role: 'operator',
      comment: 'caller asks for a callback',
    });
    expect(repeated).toBe(false);
    // 17:30 UTC is already the next day in China.
    expect(incident.id).toMatch(/^INC-20261126-\d{6}$/);
    expect(incident).toMatchObject({
      state: 'REPORTED',
      version: 1,
      source: 'hotline_12345',
      severity: 'minor',
      urgent: false,
      level: 'community',
      drill: false,
      alertId: null,
      dedupKey: null,
      occurrences: 1,
      reworkCount: 0,
      supervision: 'none',
      closedAt: null,
    });
    expect(incident.place).toMatchObject({
      community: '320803001001',
      building: '5',
      unit: '1',
      address: '河湖社区5号楼',
    });
    expect(step).toMatchObject({
      seq: 1,
      action: 'report',
      fromState: null,
      toState: 'REPORTED',
      requestId: 'hotline-2026-11-25-0042',
      actor: 'op-li',
      role: 'operator',
      comment: 'caller asks for a callback',
      deadline: null,
      light: null,
    });
  });

  it("takes the category's seed severity, and a critical one is urgent", async () => {
    const gas = await engine().report({
      requestId: requestId(),
      source: 'transfer_110',
      category: 'emergency.gas_leak',
      title: 'Smell of gas in the stairwell',
      actor: 'op-li',
      role: 'operator',
    });
    expect(gas.incident).toMatchObject({ severity: 'critical', urgent: true });
    const sub = await engine().report({
      requestId: requestId(),
      source: 'petition',
      category: 'safety.fire_lane.north_gate',
      title: 'Cars parked in the fire lane again',
      actor: 'op-li',
      role: 'operator',
    });
    expect(sub.incident).toMatchObject({ severity: 'major', urgent: false });
    const leader = await engine().report({
      requestId: requestId(),
      source: 'leader',
      category: 'other',
      severity: 'major',
      urgent: true,
      title: 'Follow up the flooded underpass',
      actor: 'op-li',
      role: 'operator',
    });
    expect(leader.incident).toMatchObject({ severity: 'major', urgent: true, source: 'leader' });
  });

  it('numbers incidents one after another', async () => {
    const ids = [];
    for (let i = 0; i < 3; i++) {
      const { incident } = await engine().report({
        requestId: requestId(),
        source: 'patrol',
        category: 'environment',
        title: `Patrol finding ${i}`,
        actor: 'gw-zhang',
        role: 'grid_worker',
      });
      ids.push(Number(incident.id.slice(-6)));
    }
    expect(ids).toEqual([ids[0], (ids[0] ?? 0) + 1, (ids[0] ?? 0) + 2]);
  });

  it('refuses roles that do not take reports, the IoT source, and malformed input', async () => {
    const base = {
      requestId: requestId(),
      source: 'patrol' as const,
      category: 'environment',
      title: 'x',
      actor: 'someone',
    };
    const installer = await engine()
      .report({ ...base, role: 'installer' })
      .catch((err: IncidentError) => err);
    expect(installer).toMatchObject({
      code: 'GL_INCIDENT_ROLE_NOT_ALLOWED',
      message:
        'role installer may not report incidents; roles allowed: operator, grid_worker, property_manager, system',
    });
    const iot = await engine()
      .report({ ...base, source: 'iot' as 'patrol', role: 'operator' })
      .catch((err: IncidentError) => err);
    expect(iot).toMatchObject({ code: 'GL_INCIDENT_INVALID_INPUT' });
    const category = await engine()
      .report({ ...base, category: 'Fire!', role: 'operator' })
      .catch((err: IncidentError) => err);
    expect(category).toMatchObject({
      code: 'GL_INCIDENT_INVALID_INPUT',
      message: expect.stringMatching(/^invalid report: category: /),
    });
    const { rows } = await db().query('SELECT count(*) AS n FROM incident_steps WHERE request_id = $1', [
      base.requestId,
    ]);
    expect(rows).toEqual([{ n: 0 }]);
  });

  it('the same intake sent twice at once opens one incident', async () => {
    const input = {
      requestId: requestId(),
      source: 'hotline_12345' as const,
      category: 'livelihood',
      title: 'No hot water in building 2',
      actor: 'op-li',
      role: 'operator' as const,
    };
    const results = await Promise.all([engine().report(input), engine().report(input)]);
    expect(results.map((result) => result.repeated).sort()).toEqual([false, true]);
    expect(results[0]?.incident.id).toBe(results[1]?.incident.id);
  });
});
