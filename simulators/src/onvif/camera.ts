import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HttpDigestVerifier, UsernameTokenVerifier } from './auth.js';
import { deviceOperations } from './device-service.js';
import { DiscoveryResponder } from './discovery.js';
import { AnswerDropped, eventOperations, NOTIFY_ACTION, notifyBody } from './events-service.js';
import { endpointReferenceFor, serialNumberFor } from './identity.js';
import { findProfile, RULES } from './media-profiles.js';
import { mediaOperations } from './media-service.js';
import { media2Operations } from './media2-service.js';
import { type OnvifCameraOptions, type ResolvedCameraOptions, resolveCameraOptions } from './options.js';
import { NO_QUIRKS, type OnvifQuirks } from './quirks.js';
import type { ServiceContext, SoapCall, SoapHandler, SoapReply } from './service-context.js';
import { snapshotJpeg } from './snapshot.js';
import { envelope, faults, NS, SoapFault } from './soap.js';
import { type Subscription, SubscriptionStore } from './subscriptions.js';
import { formatEventTime } from './time.js';
import {
  type NotificationMessage,
  readTopicFilter,
  type TopicKey,
  VIDEO_ANALYTICS_CONFIGURATION_TOKEN,
  VIDEO_SOURCE_CONFIGURATION_TOKEN,
  VIDEO_SOURCE_TOKEN,
} from './topics.js';
import { child, parseXml, type XmlElement, XmlParseError } from './xml.js';

const OPERATIONS: Record<string, Record<string, SoapHandler>> = {
  [NS.tds]: deviceOperations,
  [NS.trt]: mediaOperations,
  [NS.tr2]: media2Operations,
  ...eventOperations,
};

/** Operations real cameras answer without credentials (so clients can learn the camera's clock first). */
const UNAUTHENTICATED = new Set([`${NS.tds} GetSystemDateAndTime`]);

/** Operations addressed to a subscription (its SubscriptionReference address). */
const SUBSCRIPTION_OPERATIONS = new Set(['PullMessages', 'SetSynchronizationPoint', 'Renew', 'Unsubscribe']);

const SOAP_PATHS = new Set([
  '/onvif/device_service',
  '/onvif/media_service',
  '/onvif/media2_service',
  '/onvif/event_service',
]);
const SUBSCRIPTION_PATH = /^\/onvif\/subscription\/([A-Za-z0-9-]+)$/;
const MAX_REQUEST_BYTES = 1 << 20;
const NOTIFY_TIMEOUT_MS = 5_000;

type PropertyKey = Exclude<TopicKey, 'lineCrossed'>;

/** A simulated ONVIF camera (Profile S/T subset): device, media, media2 and event services over real HTTP. */
export class OnvifCameraSimulator {
  readonly id: string;
  readonly endpointReference: string;

  private readonly options: ResolvedCameraOptions;
  private quirkSwitches: OnvifQuirks;
  private clockOffsetMs: number;
  private readonly now: () => number;
  private readonly store: SubscriptionStore;
  private readonly wsSecurity: UsernameTokenVerifier;
  private readonly digest: HttpDigestVerifier;
  private readonly discoveryResponder: DiscoveryResponder | undefined;
  private readonly properties = new Map<PropertyKey, boolean>([
    ['cellMotion', false],
    ['motionAlarm', false],
    ['tamper', false],
    ['fieldDetection', false],
  ]);
  private lineObjectId = 0;
  private server: Server | undefined;
  private boundPort = 0;
  private running = false;
  private up = false;
  private rebooting: Promise<void> | undefined;
  private failedNotifies = 0;
  private readonly requestCounts = new Map<string, number>();
  private readonly receivedCounts = new Map<string, number>();

  constructor(options: OnvifCameraOptions) {
    this.options = resolveCameraOptions(options);
    this.id = this.options.id;
    this.endpointReference = endpointReferenceFor(this.id);
    this.quirkSwitches = { ...NO_QUIRKS, ...this.options.quirks };
    this.clockOffsetMs = this.options.clockOffsetMs;
    this.now = this.options.now ?? Date.now;
    const credentials = () => ({ username: this.options.username, password: this.options.password });
    this.wsSecurity = new UsernameTokenVerifier(credentials, () => this.cameraNow(), this.options.authWindowMs);
    this.digest = new HttpDigestVerifier(`ONVIF camera ${this.id}`, credentials, this.now);
    this.store = new SubscriptionStore({ now: this.now, notify: (s, m) => this.notify(s, m) });
    this.discoveryResponder =
      this.options.discovery === 'off'
        ? undefined
        : new DiscoveryResponder(
            {
              endpointReference: this.endpointReference,
              xaddrs: () => [this.deviceServiceUrl],
              scopes: () => this.scopes(),
            },
            {
              mode: this.options.discovery,
              host: this.options.host,
              port: this.options.discoveryPort,
              announceTo: this.options.announceTo,
            },
          );
  }

  // ---- lifecycle ------------------------------------------------------------------------------

  async start(): Promise<void> {
    if (this.running) throw new Error(`camera ${this.id} is already started`);
    await this.listen(this.options.port);
    try {
      await this.discoveryResponder?.start();
    } catch (error) {
      await this.closeHttp();
      throw new Error(`camera ${this.id}: cannot open its WS-Discovery UDP socket: ${(error as Error).message}`);
    }
    this.running = true;
    await this.discoveryResponder?.hello();
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    await this.rebooting?.catch(() => undefined);
    await this.discoveryResponder?.bye();
    this.store.clear();
    await this.closeHttp();
    await this.discoveryResponder?.stop();
  }

  /** HTTP goes down for `downMs`, then comes back on the same port and announces itself again (Hello). */
  async reboot(downMs = 1000): Promise<void> {
    if (!this.running) throw new Error(`camera ${this.id} is not running: start() it before reboot()`);
    if (this.rebooting) return this.rebooting;
    this.rebooting = (async () => {
      await this.closeHttp();
      if (this.quirkSwitches.loseSubscriptionsOnReboot) this.store.clear();
      await new Promise((resolve) => setTimeout(resolve, downMs));
      if (!this.running) return;
      await this.listen(this.boundPort);
      await this.discoveryResponder?.hello(true);
    })().finally(() => {
      this.rebooting = undefined;
    });
    return this.rebooting;
  }

  // ---- observable identity --------------------------------------------------------------------

  get deviceServiceUrl(): string {
    return `${this.baseUrl}/onvif/device_service`;
  }

  get discoveryPort(): number {
    return this.discoveryResponder?.port ?? 0;
  }

  /** Live subscriptions; `expiresAt` is on the real clock (ms), not the camera's. */
  subscriptions(): { id: string; kind: 'pullpoint' | 'push'; expiresAt: number }[] {
    return this.store.live().map(({ id, kind, expiresAt }) => ({ id, kind, expiresAt }));
  }

  /** PullMessages requests currently waiting for an event (long-polls). */
  pendingPulls(): number {
    return this.store.pendingPulls();
  }

  /** Notify deliveries raised and not yet answered by the consumer (or failed). */
  pendingNotifies(): number {
    return this.store.pendingNotifies();
  }

  /** How many authenticated requests for a SOAP operation (e.g. 'Renew') the camera has received. */
  requests(operation: string): number {
    return this.requestCounts.get(operation) ?? 0;
  }

  /** How many requests for a SOAP operation arrived, refused credentials included (a client retrying a wrong password). */
  received(operation: string): number {
    return this.receivedCounts.get(operation) ?? 0;
  }

  /** Push deliveries that failed (consumer down or answering with an error); the camera does not retry. */
  get notifyFailures(): number {
    return this.failedNotifies;
  }

  /** Another client (an NVR) takes a pull point for `lifetimeMs`, holding one of the camera's slots. */
  holdSubscriptionForOther(lifetimeMs: number): string {
    return this.store.create('pullpoint', readTopicFilter(undefined, ''), lifetimeMs).id;
  }

  setQuirks(quirks: Partial<OnvifQuirks>): void {
    this.quirkSwitches = { ...this.quirkSwitches, ...quirks };
  }

  setClockOffset(ms: number): void {
    this.clockOffsetMs = ms;
  }

  // ---- events ---------------------------------------------------------------------------------

  setMotion(active: boolean): void {
    this.changeProperties([
      ['cellMotion', active],
      ['motionAlarm', active],
    ]);
  }

  setTamper(active: boolean): void {
    this.changeProperties([['tamper', active]]);
  }

  setFieldDetection(active: boolean): void {
    this.changeProperties([['fieldDetection', active]]);
  }

  lineCrossed(): void {
    this.lineObjectId += 1;
    this.publish([this.message('lineCrossed', String(this.lineObjectId))]);
  }

  private changeProperties(changes: Array<[PropertyKey, boolean]>): void {
    const changed = changes.filter(([key, value]) => this.properties.get(key) !== value);
    for (const [key, value] of changed) this.properties.set(key, value);
    if (changed.length > 0) this.publish(changed.map(([key, value]) => this.message(key, String(value), 'Changed')));
  }

  private publish(messages: NotificationMessage[]): void {
    // A camera that is off raises no events; its state is reported as Initialized once it is back.
    if (this.up) this.store.publish(messages);
  }

  private message(topic: TopicKey, value: string, operation?: 'Initialized' | 'Changed'): NotificationMessage {
    const ruleSource = (rule: string): Array<[string, string]> => [
      ['VideoSourceConfigurationToken', VIDEO_SOURCE_CONFIGURATION_TOKEN],
      ['VideoAnalyticsConfigurationToken', VIDEO_ANALYTICS_CONFIGURATION_TOKEN],
      ['Rule', rule],
    ];
    const videoSource: Array<[string, string]> = [['Source', VIDEO_SOURCE_TOKEN]];
    const shape: Record<TopicKey, { source: Array<[string, string]>; item: string }> = {
      cellMotion: { source: ruleSource(RULES.motion), item: this.options.cellMotionItem },
      motionAlarm: { source: videoSource, item: 'State' },
      tamper: { source: videoSource, item: 'State' },
      lineCrossed: { source: ruleSource(RULES.line), item: 'ObjectId' },
      fieldDetection: { source: ruleSource(RULES.field), item: 'IsInside' },
    };
    return {
      topic,
      utcTime: formatEventTime(this.cameraNow(), this.quirkSwitches.nonStandardTime),
      ...(operation ? { propertyOperation: operation } : {}),
      source: shape[topic].source,
      data: [[shape[topic].item, value]],
    };
  }

  private initializedMessages(): NotificationMessage[] {
    return [...this.properties].map(([key, value]) => this.message(key, String(value), 'Initialized'));
  }

  private async notify(subscription: Subscription, messages: NotificationMessage[]): Promise<void> {
    const consumer = subscription.consumer;
    if (!consumer) return;
    try {
      const response = await fetch(consumer, {
        method: 'POST',
        headers: { 'content-type': 'application/soap+xml; charset=utf-8' },
        body: envelope(notifyBody(this.subscriptionUrl(subscription.id), messages), NOTIFY_ACTION),
        signal: AbortSignal.timeout(NOTIFY_TIMEOUT_MS),
      });
      await response.arrayBuffer();
      if (!response.ok) throw new Error(`consumer answered HTTP ${response.status}`);
    } catch (error) {
      this.failedNotifies += 1;
      throw error;
    }
  }

  // ---- HTTP -----------------------------------------------------------------------------------

  private cameraNow(): number {
    return this.now() + this.clockOffsetMs;
  }

  private get urlHost(): string {
    const host = this.options.host;
    if (host === '0.0.0.0' || host === '::') return '127.0.0.1';
    return host.includes(':') ? `[${host}]` : host;
  }

  private get baseUrl(): string {
    if (this.boundPort === 0) throw new Error(`camera ${this.id} has no HTTP port yet: await start() first`);
    return `http://${this.urlHost}:${this.boundPort}`;
  }

  private subscriptionUrl(id: string): string {
    return `${this.baseUrl}/onvif/subscription/${id}`;
  }

  private scopes(): string[] {
    return [
      'onvif://www.onvif.org/type/video_encoder',
      'onvif://www.onvif.org/type/Network_Video_Transmitter',
      'onvif://www.onvif.org/Profile/Streaming',
      'onvif://www.onvif.org/Profile/T',
      `onvif://www.onvif.org/hardware/${encodeURIComponent(this.options.model)}`,
      `onvif://www.onvif.org/name/${this.id}`,
      'onvif://www.onvif.org/location/country/china',
    ];
  }

  private context(): ServiceContext {
    const base = this.baseUrl;
    return {
      id: this.id,
      information: {
        manufacturer: this.options.manufacturer,
        model: this.options.model,
        firmwareVersion: this.options.firmwareVersion,
        serialNumber: this.options.serialNumber ?? serialNumberFor(this.id),
        hardwareId: this.options.model,
      },
      scopes: this.scopes(),
      pushSupported: this.options.push,
      ...(this.options.maxSubscriptions !== undefined ? { maxSubscriptions: this.options.maxSubscriptions } : {}),
      ...(this.options.refusePushCallback ? { refusePushCallback: this.options.refusePushCallback } : {}),
      urls: {
        device: `${base}/onvif/device_service`,
        media: `${base}/onvif/media_service`,
        media2: `${base}/onvif/media2_service`,
        events: `${base}/onvif/event_service`,
        snapshot: (token) => `${base}/onvif/snapshot?profile=${encodeURIComponent(token)}`,
        stream: (token) => `rtsp://${this.urlHost}:${this.options.rtspPort}/onvif/${this.id}/${token}`,
        subscription: (id) => this.subscriptionUrl(id),
      },
      now: this.now,
      cameraNow: () => this.cameraNow(),
      quirks: () => this.quirkSwitches,
      subscriptions: this.store,
      initializedMessages: () => this.initializedMessages(),
      scheduleReboot: () => {
        setTimeout(() => void this.reboot().catch(() => undefined), 50);
      },
    };
  }

  private async listen(port: number): Promise<void> {
    const server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        // Reaching here means a bug in the simulator; answer with a Receiver fault rather than hang.
        if (!res.headersSent) this.writeFault(res, new SoapFault({ code: 'Receiver', reason: String(error) }));
      });
    });
    server.keepAliveTimeout = 5_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, this.options.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    this.boundPort = (server.address() as AddressInfo).port;
    this.up = true;
  }

  private async closeHttp(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    this.up = false;
    if (!server) return;
    this.store.cancelWaiters();
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://camera');
    if (req.method === 'GET' && url.pathname === '/onvif/snapshot') return this.serveSnapshot(req, res, url);
    const subscriptionId = SUBSCRIPTION_PATH.exec(url.pathname)?.[1];
    if (!SOAP_PATHS.has(url.pathname) && subscriptionId === undefined) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end(`no ONVIF service at ${url.pathname}\n`);
      return;
    }
    if (req.method !== 'POST') {
      res
        .writeHead(405, { allow: 'POST', 'content-type': 'text/plain; charset=utf-8' })
        .end('SOAP services take POST\n');
      return;
    }
    const aborted = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) aborted.abort();
    });
    let reply: SoapReply;
    try {
      const { envelope: request, operation } = parseSoapRequest(await readBody(req));
      const key = `${operation.ns} ${operation.name}`;
      this.receivedCounts.set(operation.name, (this.receivedCounts.get(operation.name) ?? 0) + 1);
      if (!UNAUTHENTICATED.has(key)) this.authenticate(req, request);
      this.requestCounts.set(operation.name, (this.requestCounts.get(operation.name) ?? 0) + 1);
      const handler = OPERATIONS[operation.ns]?.[operation.name];
      if (!handler) {
        throw faults.actionNotSupported(
          `operation ${operation.name} (${operation.ns || 'no namespace'}) is not supported`,
        );
      }
      const call: SoapCall = { operation, aborted: aborted.signal };
      const addressed = subscriptionId ?? subscriptionIdFromTo(request);
      if (SUBSCRIPTION_OPERATIONS.has(operation.name) && addressed !== undefined) call.subscriptionId = addressed;
      reply = await handler(call, this.context());
    } catch (error) {
      if (error instanceof AnswerDropped) {
        res.destroy();
        return;
      }
      if (error instanceof SoapFault) return this.writeFault(res, error);
      throw error;
    }
    if (res.destroyed || aborted.signal.aborted) {
      reply.undelivered?.();
      return;
    }
    res
      .writeHead(200, { 'content-type': 'application/soap+xml; charset=utf-8' })
      .end(envelope(reply.body, reply.action));
  }

  private authenticate(req: IncomingMessage, request: XmlElement): void {
    const authorization = req.headers.authorization;
    if (authorization !== undefined) {
      const result = this.digest.verify(authorization, req.method ?? 'POST', req.url ?? '/');
      if (result.ok) return;
      throw faults.notAuthorized(
        'Sender not authorized',
        { 'www-authenticate': this.digest.challenge(result.stale) },
        401,
      );
    }
    const security = child(child(request, 'Header', NS.env), 'Security', NS.wsse);
    if (security) {
      const result = this.wsSecurity.verify(security);
      if (result.ok) return;
      throw faults.notAuthorized(`Sender not authorized: ${result.reason}`);
    }
    throw faults.notAuthorized('Sender not authorized', { 'www-authenticate': this.digest.challenge() }, 401);
  }

  private writeFault(res: ServerResponse, fault: SoapFault): void {
    if (res.destroyed) return;
    res
      .writeHead(fault.httpStatus, { 'content-type': 'application/soap+xml; charset=utf-8', ...fault.headers })
      .end(fault.toXml());
  }

  private serveSnapshot(req: IncomingMessage, res: ServerResponse, url: URL): void {
    const authorization = req.headers.authorization;
    const result = authorization
      ? this.digest.verify(authorization, 'GET', req.url ?? '/')
      : { ok: false as const, stale: false };
    if (!result.ok) {
      res
        .writeHead(401, {
          'www-authenticate': this.digest.challenge(result.stale ?? false),
          'content-type': 'text/plain; charset=utf-8',
        })
        .end('Unauthorized\n');
      return;
    }
    const token = url.searchParams.get('profile') ?? 'Profile_1';
    if (!findProfile(token)) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end(`no profile ${token}\n`);
      return;
    }
    const image = snapshotJpeg(this.id, token, this.cameraNow());
    res.writeHead(200, { 'content-type': 'image/jpeg', 'content-length': image.length, 'cache-control': 'no-store' });
    res.end(image);
  }
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_REQUEST_BYTES) throw faults.invalidArgs(`request larger than ${MAX_REQUEST_BYTES} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** A SOAP 1.2 request's envelope and its operation element (the first child of env:Body). */
function parseSoapRequest(text: string): { envelope: XmlElement; operation: XmlElement } {
  let root: XmlElement;
  try {
    root = parseXml(text);
  } catch (error) {
    if (error instanceof XmlParseError) throw faults.wellFormed(error.message);
    throw error;
  }
  if (root.name !== 'Envelope' || root.ns !== NS.env) {
    throw faults.wellFormed(
      `expected a SOAP 1.2 env:Envelope (${NS.env}), got ${root.name} in ${root.ns || 'no namespace'}`,
    );
  }
  const operation = child(root, 'Body', NS.env)?.children[0];
  if (!operation) throw faults.wellFormed('env:Body holds no operation');
  return { envelope: root, operation };
}

/** Clients that send subscription operations to the event service name the subscription in wsa:To. */
function subscriptionIdFromTo(request: XmlElement): string | undefined {
  const to = child(child(request, 'Header', NS.env), 'To', NS.wsa)?.text;
  if (!to) return undefined;
  try {
    return SUBSCRIPTION_PATH.exec(new URL(to).pathname)?.[1];
  } catch {
    return undefined;
  }
}
