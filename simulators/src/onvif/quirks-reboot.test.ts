import { afterEach, describe, expect, it, vi } from 'vitest';
import { OnvifCameraSimulator } from './camera.js';
import type { OnvifCameraOptions } from './options.js';
import { faultSubcodes, TestOnvifClient, textAt } from './test-support.js';
import { child, childrenNamed, descendant } from './xml.js';

const credentials = { username: 'admin', password: 'quirk-secret' };
const pull = (timeout = 'PT0S') =>
  `<tev:PullMessages><tev:Timeout>${timeout}</tev:Timeout><tev:MessageLimit>50</tev:MessageLimit></tev:PullMessages>`;

describe('quirks and reboots of a simulated camera (documented real-camera behaviour)', () => {
  const cameras: OnvifCameraSimulator[] = [];
  afterEach(async () => {
    await Promise.all(cameras.splice(0).map((camera) => camera.stop()));
  });

  async function setup(options: Partial<OnvifCameraOptions> = {}) {
    const camera = new OnvifCameraSimulator({ id: 'cam-park-04', ...credentials, ...options });
    cameras.push(camera);
    await camera.start();
    const client = new TestOnvifClient(credentials, options.now ?? Date.now);
    const eventsUrl = camera.deviceServiceUrl.replace('device_service', 'event_service');
    const createPullPoint = (inner = '') =>
      client.call(eventsUrl, `<tev:CreatePullPointSubscription>${inner}</tev:CreatePullPointSubscription>`);
    const address = async (inner = '') =>
      textAt((await createPullPoint(inner)).body, 'SubscriptionReference', 'Address') ?? '';
    return { camera, client, eventsUrl, createPullPoint, address };
  }

  it('singleSubscription: a second subscription faults while one is alive (Axis-style SubscribeCreationFailedFault)', async () => {
    const { client, eventsUrl, createPullPoint, address } = await setup({ quirks: { singleSubscription: true } });
    const first = await address();
    const second = await createPullPoint();
    expect(second.status).toBe(500);
    expect(textAt(second.body, 'Code', 'Value')).toBe('env:Receiver');
    expect(child(child(second.body, 'Detail'), 'SubscribeCreationFailedFault')).toBeDefined();
    const push = await client.call(
      eventsUrl,
      '<wsnt:Subscribe><wsnt:ConsumerReference><wsa:Address>http://127.0.0.1:9/</wsa:Address></wsnt:ConsumerReference></wsnt:Subscribe>',
    );
    expect(push.status).toBe(500);
    await client.call(first, '<wsnt:Unsubscribe/>');
    expect((await createPullPoint()).status).toBe(200);
  });

  it('renewRejected: Renew always faults, the subscription itself keeps working', async () => {
    const { camera, client, address } = await setup({ quirks: { renewRejected: true } });
    const subscription = await address();
    const renew = await client.call(
      subscription,
      '<wsnt:Renew><wsnt:TerminationTime>PT10M</wsnt:TerminationTime></wsnt:Renew>',
    );
    expect(renew.status).toBe(500);
    expect(faultSubcodes(renew.body)).toEqual(['wsnt:UnacceptableTerminationTimeFault']);
    camera.lineCrossed();
    expect(childrenNamed((await client.call(subscription, pull())).body, 'NotificationMessage')).toHaveLength(5);
  });

  it('durationsMisread: PT10M is taken as 10 s, for InitialTerminationTime and for Renew', async () => {
    const now = Date.parse('2026-11-25T08:00:00Z');
    const { camera, client, address } = await setup({ now: () => now, quirks: { durationsMisread: true } });
    const subscription = await address('<tev:InitialTerminationTime>PT10M</tev:InitialTerminationTime>');
    expect(camera.subscriptions()[0]?.expiresAt).toBe(now + 10_000);
    await client.call(subscription, '<wsnt:Renew><wsnt:TerminationTime>PT2H</wsnt:TerminationTime></wsnt:Renew>');
    expect(camera.subscriptions()[0]?.expiresAt).toBe(now + 2_000);
    camera.setQuirks({ durationsMisread: false });
    await client.call(subscription, '<wsnt:Renew><wsnt:TerminationTime>PT10M</wsnt:TerminationTime></wsnt:Renew>');
    expect(camera.subscriptions()[0]?.expiresAt).toBe(now + 600_000);
  });

  it('nonStandardTime: times without a zone (local UTC+8) and event times with +08:00; their difference stays right', async () => {
    const now = Date.parse('2026-11-25T08:00:00Z');
    const { camera, createPullPoint } = await setup({ now: () => now, quirks: { nonStandardTime: true } });
    const created = await createPullPoint('<tev:InitialTerminationTime>PT90S</tev:InitialTerminationTime>');
    const current = textAt(created.body, 'CurrentTime');
    const termination = textAt(created.body, 'TerminationTime');
    expect(current).toBe('2026-11-25T16:00:00');
    expect(termination).toBe('2026-11-25T16:01:30');
    expect(Date.parse(`${termination}Z`) - Date.parse(`${current}Z`)).toBe(90_000);
    camera.lineCrossed();
    const client = new TestOnvifClient(credentials, () => now);
    const pulled = await client.call(textAt(created.body, 'SubscriptionReference', 'Address') ?? '', pull());
    const times = childrenNamed(pulled.body, 'NotificationMessage').map(
      (n) => descendant(n, 'Message')?.children[0]?.attrs.UtcTime,
    );
    expect(times.at(-1)).toBe('2026-11-25T16:00:00.000+08:00');
    expect(textAt(pulled.body, 'CurrentTime')).toBe('2026-11-25T16:00:00');
  });

  it('reboot: HTTP is down meanwhile, a pending long-poll is cut, subscriptions survive by default', async () => {
    const { camera, client, address } = await setup();
    const subscription = await address();
    await client.call(subscription, pull());
    const pending = client.call(subscription, pull('PT1M'));
    await vi.waitFor(() => expect(camera.pendingPulls()).toBe(1));
    const rebooted = camera.reboot(1000);
    await expect(pending).rejects.toThrow();
    await expect(
      client.call(camera.deviceServiceUrl, '<tds:GetSystemDateAndTime/>', { auth: 'none' }),
    ).rejects.toThrow();
    await rebooted;
    camera.lineCrossed();
    const after = await client.call(subscription, pull());
    expect(after.status).toBe(200);
    expect(childrenNamed(after.body, 'NotificationMessage')).toHaveLength(1);
  });

  it('loseSubscriptionsOnReboot: subscriptions vanish silently; the next use gets ResourceUnknownFault', async () => {
    const { camera, client, address } = await setup({ quirks: { loseSubscriptionsOnReboot: true } });
    const subscription = await address();
    await camera.reboot(10);
    expect(camera.subscriptions()).toEqual([]);
    const response = await client.call(subscription, pull());
    expect(faultSubcodes(response.body)).toEqual(['wsrf-rw:ResourceUnknownFault']);
  });

  it('SystemReboot restarts the camera on the same address', async () => {
    const { camera, client } = await setup({ quirks: { loseSubscriptionsOnReboot: true } });
    const url = camera.deviceServiceUrl;
    const response = await client.call(url, '<tds:SystemReboot/>');
    expect(textAt(response.body, 'Message')).toBe('Rebooting');
    await vi.waitFor(async () => {
      const info = await client.call(url, '<tds:GetSystemDateAndTime/>', { auth: 'none' });
      expect(info.status).toBe(200);
    });
    expect(camera.deviceServiceUrl).toBe(url);
  });
});
