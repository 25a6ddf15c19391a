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
});
