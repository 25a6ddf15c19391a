import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { OnvifCameraFarm } from './farm.js';
import { probeXml, TestOnvifClient, textAt, udpListener } from './test-support.js';
import { child, childrenNamed } from './xml.js';

const CAMERA_COUNT = 40;
const ids = Array.from(
  { length: CAMERA_COUNT },
  (_, i) => `cam-b${Math.floor(i / 10) + 1}-${String(i % 10).padStart(2, '0')}`,
);
const passwordOf = (id: string) => `secret-of-${id}`;

describe(`a farm of ${CAMERA_COUNT} simulated cameras in one process`, () => {
  const farm = new OnvifCameraFarm(
    ids.map((id, i) => ({ id, username: 'admin', password: passwordOf(id), clockOffsetMs: i * 1000 })),
  );
  beforeAll(() => farm.start());
  afterAll(() => farm.stop());

  it('gives every camera its own address, discovery port and endpoint reference', () => {
    expect(new Set(farm.cameras.map((camera) => camera.deviceServiceUrl)).size).toBe(CAMERA_COUNT);
    expect(new Set(farm.cameras.map((camera) => camera.discoveryPort)).size).toBe(CAMERA_COUNT);
    expect(new Set(farm.cameras.map((camera) => camera.endpointReference)).size).toBe(CAMERA_COUNT);
    expect(farm.get('cam-b2-05').id).toBe('cam-b2-05');
    expect(() => farm.get('cam-nowhere')).toThrow(/no camera cam-nowhere in this farm/);
  });

  it('answers probes from every camera', async () => {
    const listener = await udpListener();
    try {
      for (const camera of farm.cameras)
        await listener.send(probeXml(`urn:uuid:${randomUUID()}`), camera.discoveryPort);
      await vi.waitFor(() => expect(listener.messages).toHaveLength(CAMERA_COUNT));
      const found = listener.messages.map((message) =>
        textAt(child(message, 'Body')?.children[0], 'ProbeMatch', 'XAddrs'),
      );
      expect(new Set(found)).toEqual(new Set(farm.cameras.map((camera) => camera.deviceServiceUrl)));
    } finally {
      await listener.close();
    }
  });

  it('keeps the credentials and the events of each camera to itself', async () => {
    const target = farm.get('cam-b3-07');
    const neighbour = farm.get('cam-b3-08');
    const client = (id: string) =>
      new TestOnvifClient({ username: 'admin', password: passwordOf(id) }, () => Date.now() + ids.indexOf(id) * 1000);
    const events = (url: string) => url.replace('device_service', 'event_service');
    expect((await client(neighbour.id).call(target.deviceServiceUrl, '<tds:GetScopes/>')).status).toBe(400);

    const subscribe = async (camera: typeof target) => {
      const response = await client(camera.id).call(
        events(camera.deviceServiceUrl),
        '<tev:CreatePullPointSubscription/>',
      );
      return textAt(response.body, 'SubscriptionReference', 'Address') ?? '';
    };
    const [mine, theirs] = [await subscribe(target), await subscribe(neighbour)];
    target.lineCrossed();
    const pull =
      '<tev:PullMessages><tev:Timeout>PT0S</tev:Timeout><tev:MessageLimit>50</tev:MessageLimit></tev:PullMessages>';
    expect(childrenNamed((await client(target.id).call(mine, pull)).body, 'NotificationMessage')).toHaveLength(5);
    expect(childrenNamed((await client(neighbour.id).call(theirs, pull)).body, 'NotificationMessage')).toHaveLength(4);
  });

  it('refuses duplicate camera ids', () => {
    expect(
      () =>
        new OnvifCameraFarm([
          { id: 'cam-dup', username: 'a', password: 'b' },
          { id: 'cam-dup', username: 'a', password: 'c' },
        ]),
    ).toThrow(/cam-dup appears twice/);
  });
});
