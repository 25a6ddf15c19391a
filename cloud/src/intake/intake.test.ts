import { CLOUDEVENTS_BATCH_CONTENT_TYPE } from '@gridlink/protocol';
import { beforeAll, describe, expect, it } from 'vitest';
import { api, BACKENDS, registerGateway, stateEvent, useTestCloud } from '../test-support.js';
import type { EventResult } from './intake.js';

describe.each(BACKENDS)('event intake (%s)', (backend) => {
  const cloud = useTestCloud(backend);
  const GW = 'gw-intake';
  let token: string;
  beforeAll(async () => {
    token = await registerGateway(cloud(), GW);
  });

  const send = (body: unknown, contentType = CLOUDEVENTS_BATCH_CONTENT_TYPE) =>
    api<{ results: EventResult[] }>(cloud(), 'POST', `/api/v1/gateways/${GW}/events`, { token, body, contentType });
  const storedIds = async (ids: readonly string[]) =>
    (
      await cloud().db.query<{ id: string }>(
        'SELECT id FROM gateway_events WHERE id = ANY($1::text[]) ORDER BY arrival',
        [ids],
      )
    ).rows.map((row) => row.id);

  it('answers one result per event, in request order: accepted, rejected, duplicate', async () => {
    const earlier = stateEvent(GW);
    expect((await send([earlier])).body).toEqual({ results: [{ id: earlier.id, status: 'accepted' }] });

    const fresh = stateEvent(GW);
    const badType = { ...stateEvent(GW), type: 'cn.gridlink.nothing.v1' };
    const otherGateway = stateEvent('gw-someone-else');
    const foreignSource = { ...stateEvent(GW), source: '/gateways/gw-someone-else/devices/smoke-b3-u2-0401' };
    const repeated = stateEvent(GW);
    const response = await send([fresh, badType, earlier, otherGateway, foreignSource, repeated, repeated, 42]);

    expect(response.status).toBe(200);
    expect(response.body.results).toEqual([
      { id: fresh.id, status: 'accepted' },
      { id: badType.id, status: 'rejected', error: expect.stringMatching(/^events\[1\]: type: expected one of /) },
      { id: earlier.id, status: 'duplicate' },
      {
        id: otherGateway.id,
        status: 'rejected',
        error: 'events[3]: gatewayid: expected "gw-intake" (the gateway of this URL), received "gw-someone-else"',
      },
      {
        id: foreignSource.id,
        status: 'rejected',
        error:
          'events[4]: source: expected "/gateways/gw-intake" or "/gateways/gw-intake/devices/<device_id>", received "/gateways/gw-someone-else/devices/smoke-b3-u2-0401"',
      },
      { id: repeated.id, status: 'accepted' },
      { id: repeated.id, status: 'duplicate' },
      { id: '', status: 'rejected', error: 'events[7]: (payload): expected object, received number 42' },
    ]);
    expect(await storedIds([earlier.id, fresh.id, repeated.id, badType.id, otherGateway.id])).toEqual([
      earlier.id,
      fresh.id,
      repeated.id,
    ]);
  });

  it('stores the envelope in columns and the data as JSON', async () => {
    const event = { ...stateEvent(GW, 'th-101'), replayed: true, deviceseq: 7 };
    await send([event]);
    const { rows } = await cloud().db.query('SELECT * FROM gateway_events WHERE id = $1', [event.id]);
    expect(rows).toEqual([
      {
        source: `/gateways/${GW}/devices/th-101`,
        id: event.id,
        gateway_id: GW,
        district: '320803',
        device_id: 'th-101',
        device_seq: 7,
        type: 'cn.gridlink.device.state.v1',
        priority: 'state',
        time: new Date('2026-11-25T14:52:18.646Z'),
        received_at: expect.any(Date),
        replayed: true,
        drill: false,
        data: event.data,
        arrival: expect.any(Number),
      },
    ]);
  });

  it('inserts nothing new when the same batch arrives again (a retry): every event is a duplicate', async () => {
    const batch = Array.from({ length: 50 }, () => stateEvent(GW));
    const first = await send(batch);
    const again = await send(batch);
    expect(first.body.results.map((r) => r.status)).toEqual(Array(50).fill('accepted'));
    expect(again.status).toBe(200);
    expect(again.body.results.map((r) => r.status)).toEqual(Array(50).fill('duplicate'));
    expect(await storedIds(batch.map((event) => event.id))).toHaveLength(50);
  });

  it('stores each event exactly once when two identical batches race', async () => {
    const batch = Array.from({ length: 300 }, () => stateEvent(GW));
    const [a, b] = await Promise.all([send(batch), send(batch)]);
    expect([a.status, b.status]).toEqual([200, 200]);
    for (const [index, event] of batch.entries()) {
      const statuses = [a.body.results[index]?.status, b.body.results[index]?.status].sort();
      expect(statuses, event.id).toEqual(['accepted', 'duplicate']);
    }
    const { rows } = await cloud().db.query<{ id: string; copies: number }>(
      'SELECT id, count(*)::int AS copies FROM gateway_events WHERE id = ANY($1::text[]) GROUP BY id',
      [batch.map((event) => event.id)],
    );
    expect(rows).toHaveLength(300);
    expect(rows.every((row) => row.copies === 1)).toBe(true);
  });

  it('records arrival in array order, across devices and priorities', async () => {
    const batch = Array.from({ length: 500 }, (_, i) =>
      stateEvent(GW, `dev-${i % 7}`, i % 3 === 0 ? { priority: 'alarm' } : {}),
    ).reverse();
    await send(batch);
    expect(await storedIds(batch.map((event) => event.id))).toEqual(batch.map((event) => event.id));
  });

  it('accepts application/json as well as application/cloudevents-batch+json', async () => {
    const event = stateEvent(GW);
    const response = await send([event], 'application/json; charset=utf-8');
    expect(response.body.results).toEqual([{ id: event.id, status: 'accepted' }]);
  });

  it('rejects an event whose data PostgreSQL cannot store, and stores the rest of the batch', async () => {
    const nul = stateEvent(GW);
    (nul.data as { state: Record<string, unknown> }).state.label = 'a\u0000b';
    const fine = stateEvent(GW);
    (fine.data as { state: Record<string, unknown> }).state.label = 'a\\u0000b is only text';
    const response = await send([nul, fine]);
    expect(response.body.results).toEqual([
      {
        id: nul.id,
        status: 'rejected',
        error: 'events[0]: data: holds a NUL character or an unpaired surrogate, which cannot be stored',
      },
      { id: fine.id, status: 'accepted' },
    ]);
  });

  describe('a body that is not a batch is a 400 problem naming the problem', () => {
    const cases: Array<
      [string, () => Promise<{ status: number; contentType: string; body: Record<string, unknown> }>, number, string]
    > = [
      ['an object', () => send({ events: [] }), 400, 'GL_BATCH_NOT_ARRAY'],
      ['a string', () => send('events'), 400, 'GL_BATCH_NOT_ARRAY'],
      ['an empty array', () => send([]), 400, 'GL_BATCH_EMPTY'],
      ['5001 events', () => send(Array.from({ length: 5001 }, () => ({}))), 400, 'GL_BATCH_TOO_LARGE'],
      [
        'broken JSON',
        () => api(cloud(), 'POST', `/api/v1/gateways/${GW}/events`, { token, rawBody: '[{"id":' }),
        400,
        'GL_BODY_NOT_JSON',
      ],
      [
        'not JSON at all',
        () => api(cloud(), 'POST', `/api/v1/gateways/${GW}/events`, { token, rawBody: 'x', contentType: 'text/plain' }),
        415,
        'GL_UNSUPPORTED_MEDIA_TYPE',
      ],
      [
        'over 16 MiB',
        () =>
          api(cloud(), 'POST', `/api/v1/gateways/${GW}/events`, {
            token,
            rawBody: `["${'x'.repeat(17 * 1024 * 1024)}"]`,
          }),
        413,
        'GL_BODY_TOO_LARGE',
      ],
    ];
    it.each(cases)('%s', async (_name, request, status, code) => {
      const response = await request();
      expect(response.status).toBe(status);
      expect(response.contentType).toMatch(/^application\/problem\+json/);
      expect(response.body).toMatchObject({ status, code, type: `urn:gridlink:problem:${code}` });
      expect(response.body.detail).toEqual(expect.any(String));
    });

    it('says how many events were sent and how many are allowed', async () => {
      const response = await api(cloud(), 'POST', `/api/v1/gateways/${GW}/events`, {
        token,
        body: Array.from({ length: 5001 }, () => ({})),
        contentType: CLOUDEVENTS_BATCH_CONTENT_TYPE,
        headers: { 'accept-language': 'en' },
      });
      expect((response.body as unknown as { detail: string }).detail).toBe(
        'the batch holds 5001 events; send at most 5000 per request',
      );
    });
  });
});
