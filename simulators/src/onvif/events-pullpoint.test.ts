import { afterEach, describe, expect, it, vi } from 'vitest';
import { OnvifCameraSimulator } from './camera.js';
import type { OnvifCameraOptions } from './options.js';
import { faultSubcodes, type SoapResult, TestOnvifClient, textAt } from './test-support.js';
import { child, childrenNamed, descendant, type XmlElement } from './xml.js';

const credentials = { username: 'admin', password: 'events-secret' };

/** Topic, PropertyOperation and the data item of each NotificationMessage in a PullMessages response. */
function messages(response: SoapResult): Array<{ topic: string; operation?: string; data: string }> {
  return childrenNamed(response.body, 'NotificationMessage').map((notification) => {
    const message = child(child(notification, 'Message'), 'Message') as XmlElement;
    const item = child(child(message, 'Data'), 'SimpleItem');
    return {
      topic: textAt(notification, 'Topic') ?? '',
      ...(message.attrs.PropertyOperation ? { operation: message.attrs.PropertyOperation } : {}),
      data: `${item?.attrs.Name}=${item?.attrs.Value}`,
    };
  });
}

const pull = (timeout = 'PT0S', limit = 100) =>
  `<tev:PullMessages><tev:Timeout>${timeout}</tev:Timeout><tev:MessageLimit>${limit}</tev:MessageLimit></tev:PullMessages>`;

describe('pull-point events of a simulated camera', () => {
  const cameras: OnvifCameraSimulator[] = [];
  afterEach(async () => {
    await Promise.all(cameras.splice(0).map((camera) => camera.stop()));
  });

  async function setup(options: Partial<OnvifCameraOptions> = {}) {
    const camera = new OnvifCameraSimulator({ id: 'cam-yard-01', ...credentials, ...options });
    cameras.push(camera);
    await camera.start();
    const client = new TestOnvifClient(credentials, options.now ?? Date.now);
    const eventsUrl = camera.deviceServiceUrl.replace('device_service', 'event_service');
    const subscribe = async (inner = '') => {
      const created = await client.call(
        eventsUrl,
        `<tev:CreatePullPointSubscription>${inner}</tev:CreatePullPointSubscription>`,
      );
      expect(created.status, created.xml).toBe(200);
      return textAt(created.body, 'SubscriptionReference', 'Address') ?? '';
    };
    return { camera, client, eventsUrl, subscribe };
  }

  it('describes its topics in GetEventProperties', async () => {
    const { client, eventsUrl } = await setup();
    const { body } = await client.call(eventsUrl, '<tev:GetEventProperties/>');
    const topicSet = child(body, 'TopicSet');
    const motion = child(child(child(topicSet, 'RuleEngine'), 'CellMotionDetector'), 'Motion');
    expect(child(motion, 'MessageDescription')?.attrs.IsProperty).toBe('true');
    expect(descendant(motion, 'Data')?.children[0]?.attrs.Name).toBe('IsMotion');
    expect(child(child(topicSet, 'VideoSource'), 'MotionAlarm')).toBeDefined();
    expect(child(child(child(topicSet, 'VideoSource'), 'GlobalSceneChange'), 'ImagingService')).toBeDefined();
    expect(child(child(child(topicSet, 'RuleEngine'), 'LineDetector'), 'Crossed')).toBeDefined();
    expect(child(child(child(topicSet, 'RuleEngine'), 'FieldDetector'), 'ObjectsInside')).toBeDefined();
    expect(childrenNamed(body, 'TopicExpressionDialect').map((d) => d.text)).toContain(
      'http://www.onvif.org/ver10/tev/topicExpression/ConcreteSet',
    );
  });

  it('starts a subscription with the Initialized state of every property, then reports changes', async () => {
    const { camera, client, subscribe } = await setup();
    const address = await subscribe('<tev:InitialTerminationTime>PT5M</tev:InitialTerminationTime>');
    expect(address).toMatch(/\/onvif\/subscription\/[\w-]+$/);
    const first = await client.call(address, pull());
    expect(messages(first)).toEqual([
      { topic: 'tns1:RuleEngine/CellMotionDetector/Motion', operation: 'Initialized', data: 'IsMotion=false' },
      { topic: 'tns1:VideoSource/MotionAlarm', operation: 'Initialized', data: 'State=false' },
      { topic: 'tns1:VideoSource/GlobalSceneChange/ImagingService', operation: 'Initialized', data: 'State=false' },
      { topic: 'tns1:RuleEngine/FieldDetector/ObjectsInside', operation: 'Initialized', data: 'IsInside=false' },
    ]);

    camera.setMotion(true);
    camera.setMotion(true); // no change, no event
    camera.setTamper(true);
    camera.lineCrossed();
    camera.setFieldDetection(true);
    const second = await client.call(address, pull());
    expect(messages(second)).toEqual([
      { topic: 'tns1:RuleEngine/CellMotionDetector/Motion', operation: 'Changed', data: 'IsMotion=true' },
      { topic: 'tns1:VideoSource/MotionAlarm', operation: 'Changed', data: 'State=true' },
      { topic: 'tns1:VideoSource/GlobalSceneChange/ImagingService', operation: 'Changed', data: 'State=true' },
      { topic: 'tns1:RuleEngine/LineDetector/Crossed', data: 'ObjectId=1' },
      { topic: 'tns1:RuleEngine/FieldDetector/ObjectsInside', operation: 'Changed', data: 'IsInside=true' },
    ]);
    const source = childrenNamed(descendant(second.body, 'Source'), 'SimpleItem').map((item) => [
      item.attrs.Name,
      item.attrs.Value,
    ]);
    expect(source).toEqual([
      ['VideoSourceConfigurationToken', 'VideoSourceConfig_1'],
      ['VideoAnalyticsConfigurationToken', 'VideoAnalyticsConfig_1'],
      ['Rule', 'MyMotionDetectorRule'],
    ]);
    expect(descendant(second.body, 'Message', undefined)?.children[0]?.attrs.UtcTime).toMatch(
      /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/,
    );
  });

  it('honours a ConcreteSet topic filter', async () => {
    const { camera, client, subscribe } = await setup();
    const address = await subscribe(
      '<tev:Filter><wsnt:TopicExpression Dialect="http://www.onvif.org/ver10/tev/topicExpression/ConcreteSet">tns1:RuleEngine/LineDetector/Crossed|tns1:VideoSource//.</wsnt:TopicExpression></tev:Filter>',
    );
    camera.setMotion(true);
    camera.lineCrossed();
    camera.setFieldDetection(true);
    const topics = messages(await client.call(address, pull())).map((m) => `${m.topic} ${m.operation ?? ''}`.trim());
    expect(topics).toEqual([
      'tns1:VideoSource/MotionAlarm Initialized',
      'tns1:VideoSource/GlobalSceneChange/ImagingService Initialized',
      'tns1:VideoSource/MotionAlarm Changed',
      'tns1:RuleEngine/LineDetector/Crossed',
    ]);
  });

  it('refuses a filter it cannot honour with an explicit WS-BaseNotification fault', async () => {
    const { client, eventsUrl } = await setup();
    const filter = (text: string, dialect = 'http://www.onvif.org/ver10/tev/topicExpression/ConcreteSet') =>
      `<tev:CreatePullPointSubscription><tev:Filter><wsnt:TopicExpression Dialect="${dialect}">${text}</wsnt:TopicExpression></tev:Filter></tev:CreatePullPointSubscription>`;
    const cases: Array<[string, string]> = [
      [filter('tns1:Device/Trigger/Relay'), 'wsnt:TopicNotSupportedFault'],
      [filter('tns1:RuleEngine/*'), 'wsnt:InvalidTopicExpressionFault'],
      [filter('tns1:VideoSource', 'urn:example:xpath'), 'wsnt:TopicExpressionDialectUnknownFault'],
    ];
    for (const [request, subcode] of cases) {
      const response = await client.call(eventsUrl, request);
      expect(response.status).toBe(400);
      expect(faultSubcodes(response.body)).toEqual([subcode]);
    }
  });

  it('long-polls: a PullMessages with nothing queued waits and answers with the first event', async () => {
    const { camera, client, subscribe } = await setup();
    const address = await subscribe();
    await client.call(address, pull()); // drain the Initialized messages
    const pending = client.call(address, pull('PT1M'));
    await vi.waitFor(() => expect(camera.pendingPulls()).toBe(1));
    camera.lineCrossed();
    const response = await pending;
    expect(messages(response)).toEqual([{ topic: 'tns1:RuleEngine/LineDetector/Crossed', data: 'ObjectId=1' }]);
    expect(camera.pendingPulls()).toBe(0);
  });

  it('long-polls: a newer PullMessages answers the older one empty and takes over the wait', async () => {
    const { camera, client, subscribe } = await setup();
    const address = await subscribe();
    await client.call(address, pull());
    const older = client.call(address, pull('PT1M'));
    await vi.waitFor(() => expect(camera.pendingPulls()).toBe(1));
    const newer = client.call(address, pull('PT1M'));
    expect(messages(await older)).toEqual([]);
    await vi.waitFor(() => expect(camera.pendingPulls()).toBe(1));
    camera.setFieldDetection(true);
    expect(messages(await newer)).toEqual([
      { topic: 'tns1:RuleEngine/FieldDetector/ObjectsInside', operation: 'Changed', data: 'IsInside=true' },
    ]);
  });

  it('long-polls: with no event within Timeout it answers empty, with the current and termination times', async () => {
    const { client, subscribe } = await setup();
    const address = await subscribe();
    await client.call(address, pull());
    const response = await client.call(address, pull('PT0.2S'));
    expect(response.status).toBe(200);
    expect(messages(response)).toEqual([]);
    expect(textAt(response.body, 'CurrentTime')).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(textAt(response.body, 'TerminationTime')).toMatch(/Z$/);
  });

  it('honours MessageLimit and keeps the rest queued in order', async () => {
    const { camera, client, subscribe } = await setup();
    const address = await subscribe(
      '<tev:Filter><wsnt:TopicExpression Dialect="http://www.onvif.org/ver10/tev/topicExpression/ConcreteSet">tns1:RuleEngine/LineDetector/Crossed</wsnt:TopicExpression></tev:Filter>',
    );
    for (let i = 0; i < 5; i += 1) camera.lineCrossed();
    const first = await client.call(address, pull('PT0S', 2));
    const rest = await client.call(address, pull('PT0S', 10));
    expect(messages(first).map((m) => m.data)).toEqual(['ObjectId=1', 'ObjectId=2']);
    expect(messages(rest).map((m) => m.data)).toEqual(['ObjectId=3', 'ObjectId=4', 'ObjectId=5']);
  });

  it('refuses PullMessages without a valid Timeout or MessageLimit, stating the maxima', async () => {
    const { client, subscribe } = await setup();
    const address = await subscribe();
    const response = await client.call(address, pull('soon', 10));
    expect(faultSubcodes(response.body)).toEqual(['ter:InvalidArgVal']);
    expect(textAt(response.body, 'Detail', 'PullMessagesFaultResponse', 'MaxTimeout')).toBe('PT600S');
    const limit = await client.call(address, pull('PT1S', 0));
    expect(faultSubcodes(limit.body)).toEqual(['ter:InvalidArgVal']);
  });

  it('SetSynchronizationPoint re-sends the current state of every property as Initialized', async () => {
    const { camera, client, subscribe } = await setup();
    const address = await subscribe();
    await client.call(address, pull());
    camera.setTamper(true);
    await client.call(address, pull());
    const sync = await client.call(address, '<tev:SetSynchronizationPoint/>');
    expect(sync.body.name).toBe('SetSynchronizationPointResponse');
    const state = messages(await client.call(address, pull()));
    expect(state.every((m) => m.operation === 'Initialized')).toBe(true);
    expect(state.find((m) => m.topic.endsWith('ImagingService'))?.data).toBe('State=true');
  });

  it('Renew extends and Unsubscribe ends a subscription; later use gets ResourceUnknownFault', async () => {
    const { camera, client, subscribe } = await setup();
    const address = await subscribe('<tev:InitialTerminationTime>PT1M</tev:InitialTerminationTime>');
    const [before] = camera.subscriptions();
    const renewed = await client.call(
      address,
      '<wsnt:Renew><wsnt:TerminationTime>PT10M</wsnt:TerminationTime></wsnt:Renew>',
    );
    expect(renewed.body.name).toBe('RenewResponse');
    const [after] = camera.subscriptions();
    expect((after?.expiresAt ?? 0) - (before?.expiresAt ?? 0)).toBeGreaterThan(8 * 60_000);

    const gone = await client.call(address, '<wsnt:Unsubscribe/>');
    expect(gone.body.name).toBe('UnsubscribeResponse');
    expect(camera.subscriptions()).toEqual([]);
    const again = await client.call(address, pull());
    expect(again.status).toBe(400);
    expect(faultSubcodes(again.body)).toEqual(['wsrf-rw:ResourceUnknownFault']);
    expect(child(child(again.body, 'Detail'), 'ResourceUnknownFault')?.ns).toBe('http://docs.oasis-open.org/wsrf/r-2');
  });

  it('expires a subscription at its termination time (injected clock)', async () => {
    let now = Date.parse('2026-11-25T12:00:00Z');
    const { camera, client, subscribe } = await setup({ now: () => now });
    const address = await subscribe('<tev:InitialTerminationTime>PT2M</tev:InitialTerminationTime>');
    const created = camera.subscriptions()[0];
    expect(created?.expiresAt).toBe(now + 120_000);
    now += 119_000;
    expect((await client.call(address, pull())).status).toBe(200);
    now += 121_000; // past the termination time (a PullMessages keeps it alive only for its Timeout)
    const late = await client.call(address, pull());
    expect(faultSubcodes(late.body)).toEqual(['wsrf-rw:ResourceUnknownFault']);
    expect(camera.subscriptions()).toEqual([]);
  });

  it('accepts subscription requests sent to the event service with wsa:To naming the subscription', async () => {
    const { camera, client, eventsUrl, subscribe } = await setup();
    const address = await subscribe();
    camera.lineCrossed();
    const response = await client.call(eventsUrl, pull(), { headers: `<wsa:To>${address}</wsa:To>` });
    expect(messages(response).at(-1)?.topic).toBe('tns1:RuleEngine/LineDetector/Crossed');
  });
  it('refuses subscriptions beyond its slots until one is unsubscribed (SubscribeCreationFailedFault)', async () => {
    const { camera, client, eventsUrl, subscribe } = await setup({ maxSubscriptions: 2 });
    const first = await subscribe();
    await subscribe();
    const refused = await client.call(eventsUrl, '<tev:CreatePullPointSubscription/>');
    expect(refused.status).toBe(500);
    expect(child(child(refused.body, 'Detail'), 'SubscribeCreationFailedFault')).toBeDefined();
    expect(textAt(refused.body, 'Reason', 'Text')).toBe('Maximum number of subscriptions reached');
    expect((await client.call(first, '<wsnt:Unsubscribe/>')).body.name).toBe('UnsubscribeResponse');
    await subscribe();
    expect(camera.subscriptions()).toHaveLength(2);
  });

  it('carries cell motion in a State item when told to (firmware not writing IsMotion)', async () => {
    const { camera, client, subscribe } = await setup({ cellMotionItem: 'State' });
    const address = await subscribe();
    camera.setMotion(true);
    const pulled = messages(await client.call(address, pull()));
    expect(pulled).toContainEqual({
      topic: 'tns1:RuleEngine/CellMotionDetector/Motion',
      operation: 'Changed',
      data: 'State=true',
    });
  });
});
