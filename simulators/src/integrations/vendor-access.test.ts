import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signVendorBody, VendorAccessEvent, VendorAccessSimulator } from './vendor-access.js';

const API_KEY = 'vendor-management-key-01';
const SECRET = 'webhook-signing-secret-01';

/** A receiver standing where an integrator's webhook would be: it records what arrives. */
async function receiver(statuses: number[] = []) {
  const received: { headers: IncomingHttpHeaders; body: string }[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      res.writeHead(statuses.shift() ?? 200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/vendor-access`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('the simulated vendor access-control system', () => {
  const doors = [
    { deviceSn: 'AC-B3U2-01', doorNo: 1, doorName: '3号楼2单元大门' },
    { deviceSn: 'AC-B3U2-01', doorNo: 2, doorName: '3号楼2单元地库门' },
  ];
  const vendor = new VendorAccessSimulator({
    apiKey: API_KEY,
    doors,
    retryDelayMs: 1,
    now: () => new Date('2026-12-06T14:14:05Z'),
  });
  let hook: Awaited<ReturnType<typeof receiver>>;
  beforeAll(async () => {
    hook = await receiver();
    vendor.setWebhook({ url: hook.url, secret: SECRET, authorization: 'Basic aG9va3M6cGFzcw==' });
    await vendor.start();
  });
  afterAll(async () => {
    await vendor.stop();
    await hook.close();
  });

  it('posts a door held open in its own shape, signed, with China time', async () => {
    const delivery = await vendor.doorHeldOpen('AC-B3U2-01', 95);
    expect(delivery).toMatchObject({ delivered: true, status: 200, attempts: 1 });
    const arrived = hook.received.at(-1);
    const event = VendorAccessEvent.parse(JSON.parse(arrived?.body ?? ''));
    expect(event).toEqual({
      eventId: 'EVT-000001',
      eventType: 'DOOR_HELD_OPEN',
      occurTime: '2026-12-06T22:14:05+08:00',
      deviceSn: 'AC-B3U2-01',
      doorNo: 1,
      doorName: '3号楼2单元大门',
      heldSeconds: 95,
    });
    const timestamp = String(arrived?.headers['x-vendor-timestamp']);
    expect(arrived?.headers['x-vendor-signature']).toBe(signVendorBody(SECRET, timestamp, arrived?.body ?? ''));
    expect(arrived?.headers.authorization).toBe('Basic aG9va3M6cGFzcw==');
  });

  it('posts door openings and card swipes', async () => {
    await vendor.doorOpened('AC-B3U2-01', 2);
    await vendor.cardSwipe('AC-B3U2-01', '0012345678', false);
    const [opened, swiped] = hook.received.slice(-2).map((r) => VendorAccessEvent.parse(JSON.parse(r.body)));
    expect(opened).toMatchObject({ eventType: 'DOOR_OPENED', doorNo: 2, doorName: '3号楼2单元地库门' });
    expect(swiped).toMatchObject({ eventType: 'CARD_SWIPE', cardNo: '0012345678', result: 'DENIED' });
  });

  it('makes a door report something through its management API, with its key', async () => {
    const request = (key: string, body: unknown) =>
      fetch(`${vendor.url}/api/v1/events`, {
        method: 'POST',
        headers: { 'x-api-key': key, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const ok = await request(API_KEY, { eventType: 'CARD_SWIPE', deviceSn: 'AC-B3U2-01', cardNo: '77', granted: true });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ code: 0, delivery: { delivered: true, event: { result: 'GRANTED' } } });
    expect((await request('wrong-key', { eventType: 'DOOR_OPENED', deviceSn: 'AC-B3U2-01' })).status).toBe(401);
    const unknownDoor = await request(API_KEY, { eventType: 'DOOR_OPENED', deviceSn: 'AC-B9U9-01' });
    expect(unknownDoor.status).toBe(400);
    expect(((await unknownDoor.json()) as { message: string }).message).toMatch(
      /^deviceSn\/doorNo: no door AC-B9U9-01/,
    );
    const noSeconds = await request(API_KEY, { eventType: 'DOOR_HELD_OPEN', deviceSn: 'AC-B3U2-01' });
    expect(((await noSeconds.json()) as { message: string }).message).toMatch(/^heldSeconds: required/);
    const listed = await fetch(`${vendor.url}/api/v1/deliveries`, { headers: { 'x-api-key': API_KEY } });
    expect(((await listed.json()) as { deliveries: unknown[] }).deliveries).toHaveLength(vendor.deliveries.length);
  });

  it('tries again after a server error, not after a refusal, and records the outcome', async () => {
    const flaky = await receiver([503, 200]);
    const refusing = await receiver([401, 401, 401]);
    try {
      vendor.setWebhook({ url: flaky.url, secret: SECRET });
      expect(await vendor.doorOpened('AC-B3U2-01')).toMatchObject({ delivered: true, attempts: 2, status: 200 });
      vendor.setWebhook({ url: refusing.url, secret: SECRET });
      expect(await vendor.doorOpened('AC-B3U2-01')).toMatchObject({ delivered: false, attempts: 1, status: 401 });
      expect(refusing.received).toHaveLength(1);
    } finally {
      vendor.setWebhook({ url: hook.url, secret: SECRET });
      await flaky.close();
      await refusing.close();
    }
  });

  it('records a webhook it cannot reach, after its attempts', async () => {
    const gone = await receiver();
    await gone.close();
    vendor.setWebhook({ url: gone.url, secret: SECRET });
    try {
      const delivery = await vendor.doorOpened('AC-B3U2-01');
      expect(delivery).toMatchObject({ delivered: false, attempts: 3, error: expect.any(String) });
    } finally {
      vendor.setWebhook({ url: hook.url, secret: SECRET });
    }
  });
});
