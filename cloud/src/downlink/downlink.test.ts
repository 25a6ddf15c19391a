import type { DownlinkMessage } from '@gridlink/protocol';
import { useTestDatabase } from '@gridlink/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCloud } from '../start.js';
import {
  api,
  BACKENDS,
  registerGateway,
  silentLogger,
  TEST_ADMIN_TOKEN,
  testCloudConfig,
  useTestCloud,
} from '../test-support.js';

let counter = 0;
function command(overrides: Partial<DownlinkMessage> = {}): DownlinkMessage {
  counter++;
  return {
    id: `dl-${Date.now()}-${counter}`,
    created_at: '2026-11-25T15:00:00.000Z',
    type: 'device.command',
    data: { device_id: 'gate-01', command: { barrier: 'open', n: counter } },
    ...overrides,
  } as DownlinkMessage;
}

/** Resolves once the cloud holds `count` long-polls, so a test knows its poll is waiting. */
async function polling(held: () => number, count = 1): Promise<void> {
  const deadline = Date.now() + 5000;
  while (held() < count) {
    if (Date.now() > deadline) throw new Error('the long-poll was never held');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe.each(BACKENDS)('downlink (%s)', (backend) => {
  const cloud = useTestCloud(backend);
  // Read in English: the field errors are asserted as English text.
  const headers = { 'accept-language': 'en' };
  const enqueue = (gateway: string, body: unknown, token = TEST_ADMIN_TOKEN) =>
    api(cloud(), 'POST', `/api/v1/gateways/${gateway}/downlink`, { token, body, headers });
  const fetchMessages = (gateway: string, token: string, query = '') =>
    api<{ messages: DownlinkMessage[] }>(cloud(), 'GET', `/api/v1/gateways/${gateway}/downlink${query}`, {
      token,
      headers,
    });
  const ack = (gateway: string, token: string, acks: unknown[]) =>
    api(cloud(), 'POST', `/api/v1/gateways/${gateway}/downlink/acks`, { token, body: { acks } });

  it('delivers queued messages in order until they are acknowledged', async () => {
    const token = await registerGateway(cloud(), 'gw-dl-order');
    const messages = [
      command(),
      command({
        type: 'incident.acknowledged',
        data: { alert_id: 'al-1', incident_id: 'inc-1' },
      } as Partial<DownlinkMessage>),
      command(),
    ];
    for (const message of messages) {
      const response = await enqueue('gw-dl-order', message);
      expect(response.status).toBe(201);
      expect(response.body).toEqual({ id: message.id, status: 'queued' });
    }
    expect((await fetchMessages('gw-dl-order', token)).body).toEqual({ messages });
    // Not acknowledged yet: fetched again, same order.
    expect((await fetchMessages('gw-dl-order', token, '?limit=2')).body.messages).toEqual(messages.slice(0, 2));

    const acked = await ack('gw-dl-order', token, [
      { id: messages[0]?.id, result: 'applied' },
      { id: messages[2]?.id, result: 'rejected', error: 'no such device' },
    ]);
    expect(acked.body).toEqual({ acknowledged: 2 });
    expect((await fetchMessages('gw-dl-order', token)).body.messages).toEqual([messages[1]]);

    const { rows } = await cloud().db.query(
      'SELECT id, attempts, result, error, acked_at IS NOT NULL AS acked FROM downlink WHERE gateway_id = $1 ORDER BY seq',
      ['gw-dl-order'],
    );
    expect(rows).toEqual([
      { id: messages[0]?.id, attempts: 2, result: 'applied', error: null, acked: true },
      { id: messages[1]?.id, attempts: 3, result: null, error: null, acked: false },
      { id: messages[2]?.id, attempts: 1, result: 'rejected', error: 'no such device', acked: true },
    ]);
  });

  it('treats a repeated enqueue and a repeated or unknown ack as harmless', async () => {
    const token = await registerGateway(cloud(), 'gw-dl-idem');
    const message = command();
    expect((await enqueue('gw-dl-idem', message)).status).toBe(201);
    const again = await enqueue('gw-dl-idem', message);
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ id: message.id, status: 'duplicate' });
    expect((await fetchMessages('gw-dl-idem', token)).body.messages).toEqual([message]);

    expect((await ack('gw-dl-idem', token, [{ id: message.id, result: 'applied' }])).body).toEqual({ acknowledged: 1 });
    const repeat = await ack('gw-dl-idem', token, [
      { id: message.id, result: 'duplicate' },
      { id: 'never-sent', result: 'applied' },
    ]);
    expect(repeat.status).toBe(200);
    expect(repeat.body).toEqual({ acknowledged: 0 });
    const { rows } = await cloud().db.query('SELECT result FROM downlink WHERE id = $1', [message.id]);
    expect(rows).toEqual([{ result: 'applied' }]);
    // Queueing an acknowledged id again does not bring it back.
    expect((await enqueue('gw-dl-idem', message)).body.status).toBe('duplicate');
    expect((await fetchMessages('gw-dl-idem', token)).body.messages).toEqual([]);
  });

  it('answers a held long-poll as soon as a message is queued', async () => {
    const token = await registerGateway(cloud(), 'gw-dl-wait');
    const started = Date.now();
    const poll = fetchMessages('gw-dl-wait', token, '?wait=20');
    await polling(() => cloud().heldPolls());
    const message = command();
    expect(await cloud().enqueueDownlink('gw-dl-wait', message)).toEqual({ status: 'queued' });
    const response = await poll;
    expect(response.status).toBe(200);
    expect(response.body.messages).toEqual([message]);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(cloud().heldPolls()).toBe(0);

    await ack('gw-dl-wait', token, [{ id: message.id, result: 'applied' }]);
    expect((await fetchMessages('gw-dl-wait', token)).body.messages).toEqual([]);
  });

  it('ends a long-poll with no messages after `wait` seconds', async () => {
    const token = await registerGateway(cloud(), 'gw-dl-empty');
    const started = Date.now();
    const response = await fetchMessages('gw-dl-empty', token, '?wait=1');
    expect(response.body).toEqual({ messages: [] });
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
  });

  it('validates messages, parameters and acks with problem details', async () => {
    const token = await registerGateway(cloud(), 'gw-dl-bad');
    const invalid = await enqueue('gw-dl-bad', {
      ...command(),
      type: 'device.command',
      data: { device_id: 'gate-01' },
    });
    expect(invalid.status).toBe(400);
    expect(invalid.body).toMatchObject({
      code: 'GL_VALIDATION_FAILED',
      errors: [{ pointer: '/data/command', detail: 'expected record, received nothing' }],
    });
    expect((await enqueue('gw-nobody', command())).body.code).toBe('GL_GATEWAY_NOT_FOUND');
    await expect(cloud().enqueueDownlink('gw-nobody', command())).resolves.toEqual({ status: 'unknown_gateway' });
    await expect(cloud().enqueueDownlink('gw-dl-bad', { id: 'x' } as DownlinkMessage)).rejects.toThrow(
      /^downlink message: /,
    );

    const params = await fetchMessages('gw-dl-bad', token, '?wait=31&limit=0');
    expect(params.status).toBe(400);
    expect(params.body).toMatchObject({
      code: 'GL_VALIDATION_FAILED',
      errors: [
        { parameter: 'wait', detail: 'expected an integer from 0 to 30, received "31"' },
        { parameter: 'limit', detail: 'expected an integer from 1 to 500, received "0"' },
      ],
    });
    const badAck = await ack('gw-dl-bad', token, [{ id: 'x', result: 'done' }]);
    expect(badAck.body).toMatchObject({ code: 'GL_VALIDATION_FAILED', errors: [{ pointer: '/acks/0/result' }] });
  });

  it('keeps each gateway to its own queue: admin-only enqueue, 403 for another gateway’s token', async () => {
    const token = await registerGateway(cloud(), 'gw-dl-own');
    const other = await registerGateway(cloud(), 'gw-dl-other');
    expect((await enqueue('gw-dl-own', command(), token)).status).toBe(401);
    expect((await fetchMessages('gw-dl-own', other)).status).toBe(403);
    expect((await ack('gw-dl-own', other, [])).status).toBe(403);
    expect((await fetchMessages('gw-dl-own', TEST_ADMIN_TOKEN)).status).toBe(401);
  });
});

describe('downlink across replicas (two clouds on one PostgreSQL database)', () => {
  const database = useTestDatabase();
  let a: Awaited<ReturnType<typeof startCloud>>;
  let b: Awaited<ReturnType<typeof startCloud>>;
  beforeAll(async () => {
    [a, b] = (await Promise.all(
      [0, 1].map(() => startCloud(testCloudConfig({ url: database.url }), silentLogger(), { downlinkRecheckMs: 100 })),
    )) as [typeof a, typeof b];
  });
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
  });

  it('answers a poll held by one replica when another queues the message (periodic re-check)', async () => {
    const token = await registerGateway(a, 'gw-replicas');
    const poll = api<{ messages: DownlinkMessage[] }>(a, 'GET', '/api/v1/gateways/gw-replicas/downlink?wait=20', {
      token,
    });
    await polling(() => a.heldPolls());
    const started = Date.now();
    const message = command();
    expect(await b.enqueueDownlink('gw-replicas', message)).toEqual({ status: 'queued' });
    expect((await poll).body.messages).toEqual([message]);
    expect(Date.now() - started).toBeLessThan(2000);
  });
});

describe('shutdown', () => {
  const database = useTestDatabase();

  it('answers held polls at once and stops', async () => {
    const cloud = await startCloud(testCloudConfig({ url: database.url }), silentLogger());
    const token = await registerGateway(cloud, 'gw-stop');
    const poll = api(cloud, 'GET', '/api/v1/gateways/gw-stop/downlink?wait=30', { token });
    await polling(() => cloud.heldPolls());
    const started = Date.now();
    await cloud.stop();
    expect((await poll).body).toEqual({ messages: [] });
    expect(Date.now() - started).toBeLessThan(3000);
  });
});
