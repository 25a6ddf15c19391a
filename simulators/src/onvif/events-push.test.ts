import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { OnvifCameraSimulator } from './camera.js';
import type { OnvifCameraOptions } from './options.js';
import { faultSubcodes, TestOnvifClient, textAt } from './test-support.js';
import { child, childrenNamed, parseXml, type XmlElement } from './xml.js';

const credentials = { username: 'admin', password: 'push-secret' };

/** A real HTTP endpoint receiving the camera's wsnt:Notify POSTs. */
async function notificationConsumer() {
  const notifications: Array<{ topic: string; operation?: string; data: string; subscription: string }> = [];
  const requests: Array<{ contentType: string | undefined; action: string | undefined }> = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const root = parseXml(Buffer.concat(chunks).toString('utf8'));
      requests.push({ contentType: req.headers['content-type'], action: textAt(root, 'Header', 'Action') });
      const notify = child(root, 'Body')?.children[0];
      for (const notification of childrenNamed(notify, 'NotificationMessage')) {
        const message = child(child(notification, 'Message'), 'Message') as XmlElement;
        const item = child(child(message, 'Data'), 'SimpleItem');
        notifications.push({
          topic: textAt(notification, 'Topic') ?? '',
          ...(message.attrs.PropertyOperation ? { operation: message.attrs.PropertyOperation } : {}),
          data: `${item?.attrs.Name}=${item?.attrs.Value}`,
          subscription: textAt(notification, 'SubscriptionReference', 'Address') ?? '',
        });
      }
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/notify`,
    notifications,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const subscribeXml = (consumer: string, inner = '') =>
  `<wsnt:Subscribe><wsnt:ConsumerReference><wsa:Address>${consumer}</wsa:Address></wsnt:ConsumerReference>${inner}</wsnt:Subscribe>`;

describe('push events (WS-BaseNotification Subscribe → Notify) of a simulated camera', () => {
  const cleanups: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function setup(options: Partial<OnvifCameraOptions> = {}) {
    const camera = new OnvifCameraSimulator({ id: 'cam-gate-02', ...credentials, ...options });
    await camera.start();
    cleanups.push(() => camera.stop());
    const consumer = await notificationConsumer();
    cleanups.push(() => consumer.close());
    const client = new TestOnvifClient(credentials, options.now ?? Date.now);
    const eventsUrl = camera.deviceServiceUrl.replace('device_service', 'event_service');
    return { camera, consumer, client, eventsUrl };
  }

  it('POSTs the Initialized state, then each change, to the consumer, in order', async () => {
    const { camera, consumer, client, eventsUrl } = await setup();
    const response = await client.call(
      eventsUrl,
      subscribeXml(
        consumer.url,
        '<wsnt:Filter><wsnt:TopicExpression Dialect="http://www.onvif.org/ver10/tev/topicExpression/ConcreteSet">tns1:RuleEngine//.</wsnt:TopicExpression></wsnt:Filter><wsnt:InitialTerminationTime>PT10M</wsnt:InitialTerminationTime>',
      ),
    );
    expect(response.status, response.xml).toBe(200);
    expect(response.body.name).toBe('SubscribeResponse');
    const address = textAt(response.body, 'SubscriptionReference', 'Address') ?? '';
    expect(camera.subscriptions()).toEqual([expect.objectContaining({ kind: 'push' })]);

    await vi.waitFor(() => expect(consumer.notifications).toHaveLength(2));
    camera.setMotion(true);
    camera.lineCrossed();
    camera.setTamper(true); // VideoSource topic: filtered out
    await vi.waitFor(() => expect(consumer.notifications).toHaveLength(4));
    expect(consumer.notifications.map(({ topic, operation, data }) => ({ topic, operation, data }))).toEqual([
      { topic: 'tns1:RuleEngine/CellMotionDetector/Motion', operation: 'Initialized', data: 'IsMotion=false' },
      { topic: 'tns1:RuleEngine/FieldDetector/ObjectsInside', operation: 'Initialized', data: 'IsInside=false' },
      { topic: 'tns1:RuleEngine/CellMotionDetector/Motion', operation: 'Changed', data: 'IsMotion=true' },
      { topic: 'tns1:RuleEngine/LineDetector/Crossed', operation: undefined, data: 'ObjectId=1' },
    ]);
    expect(consumer.notifications.every((n) => n.subscription === address)).toBe(true);
    expect(consumer.requests[0]).toEqual({
      contentType: 'application/soap+xml; charset=utf-8',
      action: 'http://docs.oasis-open.org/wsn/bw-2/NotificationConsumer/Notify',
    });
  });

  it('renews and unsubscribes through the subscription manager; no Notify after Unsubscribe', async () => {
    const { camera, consumer, client, eventsUrl } = await setup();
    const response = await client.call(eventsUrl, subscribeXml(consumer.url));
    const address = textAt(response.body, 'SubscriptionReference', 'Address') ?? '';
    const renewed = await client.call(
      address,
      '<wsnt:Renew><wsnt:TerminationTime>PT1H</wsnt:TerminationTime></wsnt:Renew>',
    );
    expect(renewed.body.name).toBe('RenewResponse');
    expect((camera.subscriptions()[0]?.expiresAt ?? 0) - Date.now()).toBeGreaterThan(59 * 60_000);
    await vi.waitFor(() => expect(consumer.notifications).toHaveLength(4));

    expect((await client.call(address, '<wsnt:Unsubscribe/>')).body.name).toBe('UnsubscribeResponse');
    camera.lineCrossed();
    // Prove the camera is still raising events: a pull point created afterwards sees the next one.
    const pullPoint = await client.call(eventsUrl, '<tev:CreatePullPointSubscription/>');
    camera.lineCrossed();
    const pulled = await client.call(
      textAt(pullPoint.body, 'SubscriptionReference', 'Address') ?? '',
      '<tev:PullMessages><tev:Timeout>PT0S</tev:Timeout><tev:MessageLimit>10</tev:MessageLimit></tev:PullMessages>',
    );
    expect(childrenNamed(pulled.body, 'NotificationMessage').length).toBe(5);
    expect(consumer.notifications).toHaveLength(4);
    const again = await client.call(address, '<wsnt:Unsubscribe/>');
    expect(faultSubcodes(again.body)).toEqual(['wsrf-rw:ResourceUnknownFault']);
  });

  it('stops notifying when the subscription reaches its termination time (injected clock)', async () => {
    let now = Date.now();
    const { camera, consumer, client, eventsUrl } = await setup({ now: () => now });
    await client.call(
      eventsUrl,
      subscribeXml(consumer.url, '<wsnt:InitialTerminationTime>PT1M</wsnt:InitialTerminationTime>'),
    );
    await vi.waitFor(() => expect(consumer.notifications).toHaveLength(4));
    now += 61_000;
    camera.lineCrossed();
    expect(camera.subscriptions()).toEqual([]);
    expect(consumer.notifications).toHaveLength(4);
  });

  it('counts a Notify the consumer did not take, and keeps notifying later events', async () => {
    const { camera, client, eventsUrl } = await setup();
    await client.call(eventsUrl, subscribeXml('http://127.0.0.1:9/nobody-listens'));
    await vi.waitFor(() => expect(camera.notifyFailures).toBe(1));
    camera.lineCrossed();
    await vi.waitFor(() => expect(camera.notifyFailures).toBe(2));
  });

  it('refuses a Subscribe without a usable consumer address, and Subscribe altogether when push is off', async () => {
    const { client, eventsUrl } = await setup();
    const bad = await client.call(eventsUrl, subscribeXml('mailto:ops@example.com'));
    expect(faultSubcodes(bad.body)).toEqual(['ter:InvalidArgVal']);
    expect(textAt(bad.body, 'Reason', 'Text')).toContain('ConsumerReference/Address');

    const pullOnly = new OnvifCameraSimulator({ id: 'cam-gate-03', ...credentials, push: false });
    await pullOnly.start();
    cleanups.push(() => pullOnly.stop());
    const refused = await client.call(
      pullOnly.deviceServiceUrl.replace('device_service', 'event_service'),
      subscribeXml('http://127.0.0.1:9/'),
    );
    expect(faultSubcodes(refused.body)).toEqual(['ter:ActionNotSupported']);
  });
  it('refuses every push callback with the fault Reason it is given (firmware checking the address)', async () => {
    const { camera, client, eventsUrl } = await setup({
      refusePushCallback: 'Callback address must be a routable unicast address',
    });
    const refused = await client.call(eventsUrl, subscribeXml('http://127.0.0.1:9/notify'));
    expect(refused.status).toBe(400);
    expect(faultSubcodes(refused.body)).toEqual(['ter:InvalidArgVal']);
    expect(textAt(refused.body, 'Reason', 'Text')).toBe('Callback address must be a routable unicast address');
    expect(camera.subscriptions()).toEqual([]);
  });
});
