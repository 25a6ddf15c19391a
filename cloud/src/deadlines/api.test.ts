import { describe, expect, it } from 'vitest';
import { signedIn } from '../people/test-support.js';
import { api, BACKENDS, manualClock, useTestCloud } from '../test-support.js';

describe.each(BACKENDS)('deadline and light in the incidents API (%s)', (backend) => {
  const clock = manualClock('2025-11-12T02:00:00.000Z');
  const cloud = useTestCloud(backend, { clock, deadlineSweepMs: 3_600_000 });

  it('shows the open step deadline and its light, read now', async () => {
    const { token } = await signedIn(
      cloud(),
      'operator-deadlines',
      [{ role: 'operator', scope: '320803001' }],
      '320803',
    );
    const created = await api<{ incident: { id: string } }>(cloud(), 'POST', '/api/v1/incidents', {
      token,
      body: {
        request_id: 'deadline-api-1',
        source: 'patrol',
        category: 'urban_management.manhole_cover',
        severity: 'minor',
        title: '井盖缺失',
        community: '320803001001',
      },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const read = () =>
      api<{ deadline: string | null; light: string | null; steps: Array<{ deadline: string | null }> }>(
        cloud(),
        'GET',
        `/api/v1/incidents/${created.body.incident.id}`,
        { token },
      );
    const fresh = await read();
    expect(fresh.status).toBe(200);
    // file+dispatch: 30 natural minutes from the report.
    expect(fresh.body).toMatchObject({ deadline: '2025-11-12T02:30:00.000Z', light: 'green' });
    expect(fresh.body.steps[0]?.deadline).toBe('2025-11-12T02:30:00.000Z');
    clock.advance(25 * 60_000);
    expect((await read()).body).toMatchObject({ light: 'yellow' });
    clock.advance(10 * 60_000);
    expect((await read()).body).toMatchObject({ light: 'red' });
  });

  it('keeps an overdue, escalated incident red, with when it became overdue and the new level’s deadline, in the list and the detail', async () => {
    const { token } = await signedIn(cloud(), 'operator-overdue', [{ role: 'operator', scope: '320803' }], '320803');
    const { user: workerUser, token: workerToken } = await signedIn(
      cloud(),
      'worker-overdue',
      [{ role: 'grid_worker', scope: '320803001001001' }],
      '320803',
    );
    const worker = workerUser.id;
    const reportedAt = clock().getTime();
    const created = await api<{ incident: { id: string } }>(cloud(), 'POST', '/api/v1/incidents', {
      token,
      body: {
        request_id: 'deadline-api-fire',
        source: 'patrol',
        category: 'emergency.fire',
        severity: 'critical',
        urgent: true,
        title: '烟感报警',
        community: '320803001001',
        grid: '320803001001001',
      },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const id = created.body.incident.id;
    type Read = {
      light: string | null;
      overdue_since: string | null;
      due_by: string | null;
      outcome: string | null;
      deadline: string | null;
    };
    const detail = async () => {
      const response = await api<Read & { steps: Array<{ action: string; deadlineChange: unknown }> }>(
        cloud(),
        'GET',
        `/api/v1/incidents/${id}`,
        { token },
      );
      expect(response.status, JSON.stringify(response.body)).toBe(200);
      return response.body;
    };
    const listed = async () => {
      const response = await api<{ incidents: Array<Read & { id: string }> }>(cloud(), 'GET', '/api/v1/incidents', {
        token,
      });
      return response.body.incidents.find((incident) => incident.id === id);
    };
    const lights = async () => {
      const response = await api<{ lights: Array<Read & { id: string }> }>(
        cloud(),
        'GET',
        `/api/v1/incident-lights?ids=${id}`,
        { token },
      );
      return response.body.lights[0];
    };
    // file+dispatch of a critical incident: 10 natural minutes; breached twice, it goes up twice.
    const firstDeadline = new Date(reportedAt + 10 * 60_000).toISOString();
    clock.advance(11 * 60_000);
    await cloud().deadlines.sweep();
    clock.advance(11 * 60_000);
    await cloud().deadlines.sweep();
    const overdue = (await detail()) as Read & { steps: Array<{ action: string; deadlineChange: unknown }> };
    expect(overdue.steps.filter((step) => step.action === 'overdue')).toHaveLength(2);
    const dueBy = overdue.due_by;
    expect(Date.parse(dueBy ?? '')).toBeGreaterThan(clock().getTime());
    const expected = { light: 'red', overdue_since: firstDeadline, due_by: dueBy, outcome: null };
    expect(overdue).toMatchObject(expected);
    expect(await listed()).toMatchObject(expected);
    expect(await lights()).toMatchObject(expected);
    // Every change of the deadline is on the timeline with its reason.
    // (Yellow supervision and the unsigned chain's notices leave it as it was: they carry no change.)
    const changes = overdue.steps.filter((step) => step.deadlineChange !== null);
    expect(changes.map((step) => [step.action, step.deadlineChange])).toEqual([
      ['report', { from: null, to: firstDeadline, reason: 'started', step: 'file_dispatch' }],
      [
        'overdue',
        { from: firstDeadline, to: expect.any(String), reason: 'restarted', step: 'file_dispatch', level: 'street' },
      ],
      [
        'overdue',
        { from: expect.any(String), to: dueBy, reason: 'restarted', step: 'file_dispatch', level: 'district' },
      ],
    ]);

    // Done late: the step that ended the breached limit carries the red light; closed, the outcome.
    const act = async (action: string, data?: Record<string, unknown>) => {
      const response = await api(cloud(), 'POST', `/api/v1/incidents/${id}/transitions`, {
        token,
        body: { action, request_id: `fire-${action}`, ...(data ? { data } : {}) },
      });
      expect(response.status, JSON.stringify(response.body)).toBe(200);
      return response.body as { step: { light: string | null } };
    };
    await act('accept');
    await act('file');
    expect((await act('dispatch', { assignee: worker })).step.light).toBe('red');
    const signed = await detail();
    // A new step: a new clock, green again until its own limit passes.
    expect(signed).toMatchObject({ light: 'green', overdue_since: null });
    for (const action of ['sign', 'finish']) {
      const response = await api(cloud(), 'POST', `/api/v1/incidents/${id}/transitions`, {
        token: workerToken,
        body: { action, request_id: `fire-${action}` },
      });
      expect(response.status, JSON.stringify(response.body)).toBe(200);
    }
    await act('startCheck');
    await act('pass');
    await act('close');
    const closed = await detail();
    // Closed: no light and no deadline, but whether the loop kept its limits.
    expect(closed).toMatchObject({ light: null, overdue_since: null, due_by: null, outcome: 'late' });
    expect(await listed()).toMatchObject({ light: null, due_by: null, outcome: 'late' });
  });
});
