import { CLOUDEVENTS_BATCH_CONTENT_TYPE } from '@gridlink/protocol';
import { createTestDatabase } from '@gridlink/testkit';
import { beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { signedIn } from '../people/test-support.js';
import { startCloud } from '../start.js';
import {
  api,
  BACKENDS,
  manualClock,
  registerGateway,
  silentLogger,
  stateEvent,
  TEST_ADMIN_TOKEN,
  testCloudConfig,
  useTestCloud,
} from '../test-support.js';

const METRICS_TOKEN = 'test-metrics-token-0123456789abcdef-0123';

/** One sample of the text exposition: `name{labels}` → value (0 when absent). */
function sample(text: string, series: string): number {
  for (const line of text.split('\n')) {
    const space = line.lastIndexOf(' ');
    if (!line.startsWith('#') && line.slice(0, space) === series) return Number(line.slice(space + 1));
  }
  return 0;
}

describe.each(BACKENDS)('the cloud /metrics (%s)', (backend) => {
  const clock = manualClock('2026-11-25T02:00:00.000Z');
  // The deadline sweep waits for the test to run it, so timers stay due until then.
  const cloud = useTestCloud(
    backend,
    { clock, deadlineSweepMs: 3_600_000 },
    { http: { metrics_token: METRICS_TOKEN } },
  );
  const GW = 'gw-metrics';
  let gatewayToken: string;
  beforeAll(async () => {
    gatewayToken = await registerGateway(cloud(), GW);
  });
  const scrape = async () => {
    const response = await fetch(`${cloud().url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    return response.text();
  };

  it('opens to the metrics token alone: not without one, a wrong one, the admin token or a gateway’s', async () => {
    for (const token of [undefined, 'not-the-metrics-token', TEST_ADMIN_TOKEN, gatewayToken]) {
      const response = await api(cloud(), 'GET', '/metrics', token === undefined ? {} : { token });
      expect(response).toMatchObject({ status: 401, body: { code: 'GL_UNAUTHENTICATED' } });
      expect(response.headers.get('www-authenticate')).toBe('Bearer');
    }
  });

  it('says the database answers, and Node’s own metrics under gridlink_cloud_', async () => {
    const text = await scrape();
    expect(sample(text, 'gridlink_cloud_database_up')).toBe(1);
    expect(text).toContain('gridlink_cloud_process_resident_memory_bytes');
  });

  it('counts intake batches by outcome and events by result as gateways send them', async () => {
    const before = await scrape();
    const send = (token: string, body: unknown) =>
      api(cloud(), 'POST', `/api/v1/gateways/${GW}/events`, {
        token,
        body,
        contentType: CLOUDEVENTS_BATCH_CONTENT_TYPE,
      });
    const event = stateEvent(GW);
    expect(
      (await send(gatewayToken, [event, event, { ...stateEvent(GW), type: 'cn.gridlink.nothing.v1' }])).status,
    ).toBe(200);
    expect((await send('not-a-gateway-token', [stateEvent(GW)])).status).toBe(401);
    expect((await send(gatewayToken, [])).status).toBe(400);
    const after = await scrape();
    const moved = (series: string) => sample(after, series) - sample(before, series);
    expect({
      accepted: moved('gridlink_cloud_intake_events_total{result="accepted"}'),
      duplicate: moved('gridlink_cloud_intake_events_total{result="duplicate"}'),
      rejected: moved('gridlink_cloud_intake_events_total{result="rejected"}'),
      stored: moved('gridlink_cloud_intake_batches_total{outcome="stored"}'),
      refused: moved('gridlink_cloud_intake_batches_total{outcome="refused"}'),
      failed: moved('gridlink_cloud_intake_batches_total{outcome="failed"}'),
    }).toEqual({ accepted: 1, duplicate: 1, rejected: 1, stored: 1, refused: 2, failed: 0 });
    expect(moved('gridlink_cloud_http_responses_total{class="4xx"}')).toBeGreaterThanOrEqual(2);
  });

  it('shows deadline timers running late until a sweep handles them', async () => {
    const { token } = await signedIn(cloud(), 'operator-metrics', [{ role: 'operator', scope: '320803001' }], '320803');
    const created = await api(cloud(), 'POST', '/api/v1/incidents', {
      token,
      body: {
        request_id: 'metrics-timer-lag-1',
        source: 'patrol',
        category: 'urban_management.manhole_cover',
        severity: 'minor',
        title: '井盖缺失',
        community: '320803001001',
      },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(sample(await scrape(), 'gridlink_cloud_timer_lag_seconds')).toBe(0);

    // file+dispatch has 30 minutes, yellow at 80 %: at 40 minutes the yellow timer is 16 minutes late.
    clock.advance(40 * 60_000);
    const late = await scrape();
    expect(sample(late, 'gridlink_cloud_timers_due')).toBeGreaterThanOrEqual(1);
    expect(sample(late, 'gridlink_cloud_timer_lag_seconds')).toBeGreaterThanOrEqual(10 * 60);

    await cloud().deadlines.sweep();
    const caughtUp = await scrape();
    expect(sample(caughtUp, 'gridlink_cloud_timers_due')).toBe(0);
    expect(sample(caughtUp, 'gridlink_cloud_timer_lag_seconds')).toBe(0);
  });
});

describe('the cloud /metrics when PostgreSQL goes away', () => {
  it('says the database is down, and still answers with the rest', async () => {
    const database = await createTestDatabase();
    onTestFinished(database.drop);
    const cloud = await startCloud(
      testCloudConfig({ url: database.url }, { http: { metrics_token: METRICS_TOKEN } }),
      silentLogger(),
    );
    onTestFinished(() => cloud.stop().catch(() => {}));
    const scrape = async () => {
      const response = await fetch(`${cloud.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
      expect(response.status).toBe(200);
      return response.text();
    };
    expect(sample(await scrape(), 'gridlink_cloud_database_up')).toBe(1);

    await database.drop();
    const down = await scrape();
    expect(sample(down, 'gridlink_cloud_database_up')).toBe(0);
    expect(down).toContain('gridlink_cloud_process_resident_memory_bytes');
  });
});
