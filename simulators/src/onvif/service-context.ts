import type { OnvifQuirks } from './quirks.js';
import type { SubscriptionStore } from './subscriptions.js';
import type { NotificationMessage } from './topics.js';
import type { XmlElement } from './xml.js';

export interface DeviceInformation {
  manufacturer: string;
  model: string;
  firmwareVersion: string;
  serialNumber: string;
  hardwareId: string;
}

/** What the SOAP services need from the camera they run on. */
export interface ServiceContext {
  readonly id: string;
  readonly information: DeviceInformation;
  readonly scopes: readonly string[];
  readonly pushSupported: boolean;
  /** Subscription slots, pull points and push together (unlimited when undefined). */
  readonly maxSubscriptions?: number;
  /** Fault Reason text refusing every push callback address (accepted when undefined). */
  readonly refusePushCallback?: string;
  readonly urls: {
    readonly device: string;
    readonly media: string;
    readonly media2: string;
    readonly events: string;
    snapshot(profileToken: string): string;
    stream(profileToken: string): string;
    subscription(id: string): string;
  };
  /** Real clock (ms). */
  now(): number;
  /** The camera's own clock (ms): real clock plus its offset. */
  cameraNow(): number;
  quirks(): OnvifQuirks;
  readonly subscriptions: SubscriptionStore;
  /** Current state of every property topic, as PropertyOperation="Initialized" messages. */
  initializedMessages(): NotificationMessage[];
  /** Restarts the camera after the response has been sent. */
  scheduleReboot(): void;
}

export interface SoapCall {
  /** The operation element (first child of env:Body). */
  operation: XmlElement;
  /** The subscription addressed by the request URL, for subscription-manager and pull-point operations. */
  subscriptionId?: string;
  /** Set when the HTTP client went away before the answer was ready (long-polls). */
  aborted: AbortSignal;
}

export interface SoapReply {
  body: string;
  /** WS-Addressing action of the response, written as a header as the recorded cameras do. */
  action?: string;
  /** Called when the reply could not be delivered (the connection was gone). */
  undelivered?: () => void;
}

export type SoapHandler = (call: SoapCall, context: ServiceContext) => SoapReply | Promise<SoapReply>;
