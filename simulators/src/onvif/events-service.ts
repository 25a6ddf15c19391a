import type { ServiceContext, SoapCall, SoapHandler, SoapReply } from './service-context.js';
import { faults, NS, SoapFault, TOPIC_DIALECT_CONCRETE, TOPIC_DIALECT_CONCRETE_SET } from './soap.js';
import type { Subscription } from './subscriptions.js';
import { formatDuration, formatTime, formatTimeWithoutZone, parseDuration, parseTerminationTime } from './time.js';
import { type NotificationMessage, notificationMessageXml, readTopicFilter, topicSetXml } from './topics.js';
import { child, escapeXml } from './xml.js';

/** Event service: pull points (ONVIF), WS-BaseNotification push subscriptions and their manager. */

const EVENT_ACTION = 'http://www.onvif.org/ver10/events/wsdl';
const WSN_ACTION = 'http://docs.oasis-open.org/wsn/bw-2';

/** Lifetime when a subscription request gives no InitialTerminationTime (as the Hikvision capture shows). */
export const DEFAULT_SUBSCRIPTION_LIFETIME_MS = 60_000;
export const MAX_PULL_TIMEOUT_MS = 10 * 60_000;
export const MAX_PULL_MESSAGE_LIMIT = 1000;

/** Thrown when a long-poll was cancelled: the HTTP layer closes the connection instead of answering. */
export class AnswerDropped extends Error {}

function writeTime(context: ServiceContext, cameraMs: number): string {
  return context.quirks().nonStandardTime ? formatTimeWithoutZone(cameraMs) : formatTime(cameraMs);
}

function clockOffset(context: ServiceContext): number {
  return context.cameraNow() - context.now();
}

function timesXml(
  context: ServiceContext,
  subscription: Subscription,
  prefix: 'wsnt' | 'tev',
  order: 'current-first' | 'termination-first',
): string {
  const current = `<${prefix}:CurrentTime>${writeTime(context, context.cameraNow())}</${prefix}:CurrentTime>`;
  const termination = `<${prefix}:TerminationTime>${writeTime(context, subscription.expiresAt + clockOffset(context))}</${prefix}:TerminationTime>`;
  return order === 'current-first' ? current + termination : termination + current;
}

function lifetime(context: ServiceContext, text: string | undefined, field: string): number {
  if (text === undefined || text.trim() === '') return DEFAULT_SUBSCRIPTION_LIFETIME_MS;
  const ms = parseTerminationTime(text, context.cameraNow(), context.quirks().durationsMisread);
  if (ms === undefined || ms <= 0) {
    throw faults.notification(
      'Sender',
      field === 'TerminationTime' ? 'UnacceptableTerminationTimeFault' : 'UnacceptableInitialTerminationTimeFault',
      `${field} "${text}" must be a positive xs:duration (e.g. PT10M) or a future xs:dateTime`,
      formatTime(context.cameraNow()),
    );
  }
  return ms;
}

function refuseSecondSubscription(context: ServiceContext): void {
  const live = context.subscriptions.live().length;
  const full = context.maxSubscriptions !== undefined && live >= context.maxSubscriptions;
  if ((context.quirks().singleSubscription && live > 0) || full) {
    // Shape of the Axis capture: Receiver fault with wsnt:SubscribeCreationFailedFault in Detail.
    throw new SoapFault({
      code: 'Receiver',
      reason: 'Maximum number of subscriptions reached',
      detail: `<wsnt:SubscribeCreationFailedFault><wsrf-bf:Timestamp>${formatTime(context.cameraNow())}</wsrf-bf:Timestamp></wsnt:SubscribeCreationFailedFault>`,
    });
  }
}

function subscriptionOf(call: SoapCall, context: ServiceContext): Subscription {
  const subscription = call.subscriptionId === undefined ? undefined : context.subscriptions.get(call.subscriptionId);
  if (!subscription) {
    throw faults.resourceUnknown(
      call.subscriptionId === undefined
        ? 'no subscription is addressed: send this request to the SubscriptionReference address'
        : `subscription ${call.subscriptionId} does not exist (unsubscribed, expired or lost)`,
      formatTime(context.cameraNow()),
    );
  }
  return subscription;
}

const getEventProperties: SoapHandler = () => ({
  action: `${EVENT_ACTION}/EventPortType/GetEventPropertiesResponse`,
  body:
    '<tev:GetEventPropertiesResponse>' +
    '<tev:TopicNamespaceLocation>http://www.onvif.org/onvif/ver10/topics/topicns.xml</tev:TopicNamespaceLocation>' +
    `<wsnt:FixedTopicSet>true</wsnt:FixedTopicSet>${topicSetXml()}` +
    `<wsnt:TopicExpressionDialect>${TOPIC_DIALECT_CONCRETE_SET}</wsnt:TopicExpressionDialect>` +
    `<wsnt:TopicExpressionDialect>${TOPIC_DIALECT_CONCRETE}</wsnt:TopicExpressionDialect>` +
    '<tev:MessageContentFilterDialect>http://www.onvif.org/ver10/tev/messageContentFilter/ItemFilter</tev:MessageContentFilterDialect>' +
    '<tev:MessageContentSchemaLocation>http://www.onvif.org/onvif/ver10/schema/onvif.xsd</tev:MessageContentSchemaLocation>' +
    '</tev:GetEventPropertiesResponse>',
});

const getServiceCapabilities: SoapHandler = (_call, context) => ({
  action: `${EVENT_ACTION}/EventPortType/GetServiceCapabilitiesResponse`,
  body: `<tev:GetServiceCapabilitiesResponse><tev:Capabilities WSSubscriptionPolicySupport="false" WSPullPointSupport="true" WSPausableSubscriptionManagerInterfaceSupport="false" MaxNotificationProducers="${context.pushSupported ? 10 : 0}" MaxPullPoints="10" PersistentNotificationStorage="false"/></tev:GetServiceCapabilitiesResponse>`,
});

const createPullPointSubscription: SoapHandler = ({ operation }, context) => {
  const filter = readTopicFilter(child(operation, 'Filter'), formatTime(context.cameraNow()));
  const lifetimeMs = lifetime(context, child(operation, 'InitialTerminationTime')?.text, 'InitialTerminationTime');
  refuseSecondSubscription(context);
  const subscription = context.subscriptions.create('pullpoint', filter, lifetimeMs);
  // A new subscriber first learns the current state of every property it selected.
  context.subscriptions.deliver(subscription, context.initializedMessages());
  return {
    action: `${EVENT_ACTION}/EventPortType/CreatePullPointSubscriptionResponse`,
    body:
      '<tev:CreatePullPointSubscriptionResponse>' +
      `<tev:SubscriptionReference><wsa:Address>${escapeXml(context.urls.subscription(subscription.id))}</wsa:Address></tev:SubscriptionReference>` +
      `${timesXml(context, subscription, 'wsnt', 'current-first')}</tev:CreatePullPointSubscriptionResponse>`,
  };
};

function pullFault(reason: string): SoapFault {
  return new SoapFault({
    code: 'Sender',
    subcodes: ['ter:InvalidArgVal'],
    reason,
    detail: `<tev:PullMessagesFaultResponse><tev:MaxTimeout>${formatDuration(MAX_PULL_TIMEOUT_MS)}</tev:MaxTimeout><tev:MaxMessageLimit>${MAX_PULL_MESSAGE_LIMIT}</tev:MaxMessageLimit></tev:PullMessagesFaultResponse>`,
  });
}

const pullMessages: SoapHandler = async (call, context) => {
  const subscription = subscriptionOf(call, context);
  if (subscription.kind !== 'pullpoint')
    throw faults.actionNotSupported('PullMessages needs a pull-point subscription');
  const timeoutText = child(call.operation, 'Timeout')?.text ?? '';
  const timeoutMs = parseDuration(timeoutText);
  if (timeoutMs === undefined || timeoutMs < 0 || timeoutMs > MAX_PULL_TIMEOUT_MS) {
    throw pullFault(
      `Timeout "${timeoutText}" must be an xs:duration of at most ${formatDuration(MAX_PULL_TIMEOUT_MS)}`,
    );
  }
  const limitText = child(call.operation, 'MessageLimit')?.text ?? '';
  const limit = Number(limitText);
  if (!/^\d+$/.test(limitText) || limit < 1 || limit > MAX_PULL_MESSAGE_LIMIT) {
    throw pullFault(`MessageLimit "${limitText}" must be an integer from 1 to ${MAX_PULL_MESSAGE_LIMIT}`);
  }
  // ONVIF Core 9.1.1: after a PullMessages response the pull point stays alive for at least its Timeout.
  subscription.expiresAt = Math.max(subscription.expiresAt, context.now() + timeoutMs);
  const onAbort = () => subscription.waiter?.cancel();
  call.aborted.addEventListener('abort', onAbort, { once: true });
  const messages = await context.subscriptions.pull(subscription, timeoutMs, limit);
  call.aborted.removeEventListener('abort', onAbort);
  if (messages === undefined) throw new AnswerDropped('long-poll cancelled');
  subscription.expiresAt = Math.max(subscription.expiresAt, context.now() + timeoutMs);
  return {
    action: `${EVENT_ACTION}/PullPointSubscription/PullMessagesResponse`,
    body: `<tev:PullMessagesResponse>${timesXml(context, subscription, 'tev', 'current-first')}${messages
      .map((message) => notificationMessageXml(message))
      .join('')}</tev:PullMessagesResponse>`,
    undelivered: () => context.subscriptions.requeue(subscription, messages),
  };
};

const setSynchronizationPoint: SoapHandler = (call, context) => {
  const subscription = subscriptionOf(call, context);
  context.subscriptions.deliver(subscription, context.initializedMessages());
  return {
    action: `${EVENT_ACTION}/PullPointSubscription/SetSynchronizationPointResponse`,
    body: '<tev:SetSynchronizationPointResponse/>',
  };
};

const renew: SoapHandler = (call, context) => {
  const subscription = subscriptionOf(call, context);
  if (context.quirks().renewRejected) {
    throw faults.notification(
      'Receiver',
      'UnacceptableTerminationTimeFault',
      'Renew is not supported by this firmware: create a new subscription',
      formatTime(context.cameraNow()),
    );
  }
  const text = child(call.operation, 'TerminationTime', NS.wsnt)?.text;
  if (text === undefined) throw faults.invalidArgVal('Renew needs wsnt:TerminationTime (e.g. PT10M)');
  subscription.expiresAt = context.now() + lifetime(context, text, 'TerminationTime');
  return {
    action: `${WSN_ACTION}/SubscriptionManager/RenewResponse`,
    body: `<wsnt:RenewResponse>${timesXml(context, subscription, 'wsnt', 'termination-first')}</wsnt:RenewResponse>`,
  };
};

const unsubscribe: SoapHandler = (call, context) => {
  const subscription = subscriptionOf(call, context);
  context.subscriptions.remove(subscription.id);
  return { action: `${WSN_ACTION}/SubscriptionManager/UnsubscribeResponse`, body: '<wsnt:UnsubscribeResponse/>' };
};

const subscribe: SoapHandler = ({ operation }, context): SoapReply => {
  if (!context.pushSupported) {
    throw faults.actionNotSupported(
      'this camera does not support WS-BaseNotification Subscribe: use CreatePullPointSubscription',
    );
  }
  const consumer = child(child(operation, 'ConsumerReference', NS.wsnt), 'Address', NS.wsa)?.text ?? '';
  let consumerUrl: URL | undefined;
  try {
    consumerUrl = new URL(consumer);
  } catch {
    consumerUrl = undefined;
  }
  if (!consumerUrl || !['http:', 'https:'].includes(consumerUrl.protocol)) {
    throw faults.invalidArgVal(`ConsumerReference/Address "${consumer}" must be an http(s) URL of the Notify endpoint`);
  }
  if (context.refusePushCallback) {
    // As firmware that checks the callback: a generic subcode, the explanation only in the Reason text.
    throw new SoapFault({
      code: 'Sender',
      subcodes: ['ter:InvalidArgVal'],
      reason: context.refusePushCallback,
      detail: '<env:Text>Invalid argument</env:Text>',
    });
  }
  const filter = readTopicFilter(child(operation, 'Filter', NS.wsnt), formatTime(context.cameraNow()));
  const lifetimeMs = lifetime(
    context,
    child(operation, 'InitialTerminationTime', NS.wsnt)?.text,
    'InitialTerminationTime',
  );
  refuseSecondSubscription(context);
  const subscription = context.subscriptions.create('push', filter, lifetimeMs, consumerUrl.href);
  context.subscriptions.deliver(subscription, context.initializedMessages());
  return {
    action: `${WSN_ACTION}/NotificationProducer/SubscribeResponse`,
    body:
      '<wsnt:SubscribeResponse>' +
      `<wsnt:SubscriptionReference><wsa:Address>${escapeXml(context.urls.subscription(subscription.id))}</wsa:Address></wsnt:SubscriptionReference>` +
      `${timesXml(context, subscription, 'wsnt', 'current-first')}</wsnt:SubscribeResponse>`,
  };
};

/** Operations of the event service endpoint, by namespace then local name. */
export const eventOperations: Record<string, Record<string, SoapHandler>> = {
  [NS.tev]: {
    GetEventProperties: getEventProperties,
    GetServiceCapabilities: getServiceCapabilities,
    CreatePullPointSubscription: createPullPointSubscription,
    PullMessages: pullMessages,
    SetSynchronizationPoint: setSynchronizationPoint,
  },
  [NS.wsnt]: { Subscribe: subscribe, Renew: renew, Unsubscribe: unsubscribe },
};

/** The body of the wsnt:Notify a push subscription POSTs to its consumer. */
export function notifyBody(subscriptionAddress: string, messages: NotificationMessage[]): string {
  return `<wsnt:Notify>${messages.map((message) => notificationMessageXml(message, subscriptionAddress)).join('')}</wsnt:Notify>`;
}

export const NOTIFY_ACTION = `${WSN_ACTION}/NotificationConsumer/Notify`;
