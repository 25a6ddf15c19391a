import { hostOf, requireApproved } from './camera-address.js';
import { formatCameraTime, secondsDuration } from './camera-time.js';
import { topicFilterXml } from './event-mapping.js';
import { type CameraTls, DigestSession, ResponseTooLargeError } from './http-transport.js';
import { type PullMessagesResult, parsePullMessages } from './notifications.js';
import {
  type DeviceInformation,
  type MediaProfile,
  NS,
  parseCapabilities,
  parseDeviceInformation,
  parseMediaUri,
  parseProfiles,
  parseRenew,
  parseServices,
  parseSubscriptionGrant,
  parseSystemDateAndTime,
  type ServiceAddresses,
  type SubscriptionGrant,
  type SubscriptionReference,
} from './responses.js';
import { type Endpoint, SoapClient } from './soap-client.js';
import { AuthenticationError, isAuthFault } from './soap-fault.js';
import { escapeXml } from './xml.js';

const WSNT = 'http://docs.oasis-open.org/wsn/b-2';
const ACTIONS = {
  getSystemDateAndTime: `${NS.device}/GetSystemDateAndTime`,
  getDeviceInformation: `${NS.device}/GetDeviceInformation`,
  getServices: `${NS.device}/GetServices`,
  getCapabilities: `${NS.device}/GetCapabilities`,
  createPullPoint: `${NS.events}/EventPortType/CreatePullPointSubscriptionRequest`,
  pullMessages: `${NS.events}/PullPointSubscription/PullMessagesRequest`,
  setSynchronizationPoint: `${NS.events}/PullPointSubscription/SetSynchronizationPointRequest`,
  subscribe: 'http://docs.oasis-open.org/wsn/bw-2/NotificationProducer/SubscribeRequest',
  renew: 'http://docs.oasis-open.org/wsn/bw-2/SubscriptionManager/RenewRequest',
  unsubscribe: 'http://docs.oasis-open.org/wsn/bw-2/SubscriptionManager/UnsubscribeRequest',
} as const;

export interface CameraCredentials {
  username: string;
  password: string;
}

/** How long to ask a subscription for: a duration in seconds, or (for firmware that misreads durations) an end time. */
export type TerminationRequest = { seconds: number } | { until: number };

export interface CameraClientOptions {
  deviceServiceUrl: string;
  credentials: CameraCredentials;
  /** Names the camera in refusals (its device id). */
  cameraId?: string;
  /**
   * The addresses of the camera's pinned host: every request (credentials included) goes there
   * only, and any service, snapshot or subscription address elsewhere is refused. The device
   * service address's host when not given.
   */
  approved?: ReadonlySet<string>;
  now: () => number;
  timeoutMs: number;
  /** The camera's HTTPS certificate check, for its services and snapshots alike. */
  tls?: CameraTls;
}

/**
 * The ONVIF operations Gridlink uses on one camera, over its own SOAP client: device, media
 * (Media2 when offered) and events. Holds the measured clock offset every authenticated call uses.
 */
export class CameraClient {
  /** Camera clock minus real clock (ms), from the last GetSystemDateAndTime. */
  clockOffsetMs = 0;
  services: ServiceAddresses = {};
  private readonly soap: SoapClient;
  private readonly snapshots: DigestSession;
  private readonly closed = new AbortController();
  private readonly approved: ReadonlySet<string>;

  constructor(private readonly options: CameraClientOptions) {
    this.approved = options.approved ?? new Set([hostOf(options.deviceServiceUrl) ?? '']);
    this.soap = new SoapClient({
      checkAddress: (url) => this.requireOnCamera(url, 'the address'),
      username: options.credentials.username,
      password: options.credentials.password,
      clockOffsetMs: () => this.clockOffsetMs,
      now: options.now,
      timeoutMs: options.timeoutMs,
      signal: this.closed.signal,
      ...(options.tls ? { tls: options.tls } : {}),
    });
    this.snapshots = new DigestSession(options.credentials);
  }

  /** Refuses (before anything is sent) an address off the camera's pinned host, naming camera and URL. */
  private requireOnCamera(url: string, what: string): void {
    requireApproved(this.options.cameraId ?? 'camera', url, what, this.approved);
  }

  /** Ends every request in flight (the PullMessages long-poll included); later calls fail at once. */
  close(): void {
    this.closed.abort();
  }

  get deviceServiceUrl(): string {
    return this.options.deviceServiceUrl;
  }

  /** Measures the camera's clock (unauthenticated, by the standard), halfway through the round trip. */
  async measureClock(): Promise<{ offsetMs: number; cameraUtc?: number }> {
    const ask = (anonymous: boolean) =>
      this.soap.call(
        this.options.deviceServiceUrl,
        ACTIONS.getSystemDateAndTime,
        `<tds:GetSystemDateAndTime xmlns:tds="${NS.device}"/>`,
        { anonymous },
      );
    let sent = this.options.now();
    let body: Awaited<ReturnType<typeof ask>>;
    try {
      body = await ask(true);
    } catch (error) {
      // Some firmware wants credentials even for the clock: ask again with them (HTTP Digest does
      // not depend on the clock; a UsernameToken with the last known offset may still pass).
      if (!isAuthFault(error)) throw error;
      sent = this.options.now();
      body = await ask(false);
    }
    const received = this.options.now();
    const { utc } = parseSystemDateAndTime(body);
    // The camera reports whole seconds: the offset is good to about half a second, well within
    // the few seconds cameras allow for UsernameToken's Created.
    if (utc !== undefined) this.clockOffsetMs = utc + 500 - Math.round((sent + received) / 2);
    return { offsetMs: this.clockOffsetMs, ...(utc !== undefined ? { cameraUtc: utc } : {}) };
  }

  /** An authenticated call: proves the credentials (a wrong password fails here, loudly). */
  async getDeviceInformation(): Promise<DeviceInformation> {
    const body = await this.soap.call(
      this.options.deviceServiceUrl,
      ACTIONS.getDeviceInformation,
      `<tds:GetDeviceInformation xmlns:tds="${NS.device}"/>`,
    );
    return parseDeviceInformation(body);
  }

  /**
   * GetServices, else GetCapabilities (older firmware faults on GetServices). A service named off
   * the camera's host is refused: the gateway would otherwise call any URL with its credentials.
   */
  async discoverServices(): Promise<ServiceAddresses> {
    this.services = {};
    try {
      const body = await this.soap.call(
        this.options.deviceServiceUrl,
        ACTIONS.getServices,
        `<tds:GetServices xmlns:tds="${NS.device}"><tds:IncludeCapability>true</tds:IncludeCapability></tds:GetServices>`,
      );
      this.services = parseServices(body);
    } catch (error) {
      if (error instanceof AuthenticationError) throw error;
      const body = await this.soap.call(
        this.options.deviceServiceUrl,
        ACTIONS.getCapabilities,
        `<tds:GetCapabilities xmlns:tds="${NS.device}"><tds:Category>All</tds:Category></tds:GetCapabilities>`,
      );
      this.services = parseCapabilities(body);
    }
    for (const name of ['device', 'media', 'media2', 'events'] as const) {
      const address = this.services[name];
      if (address !== undefined) this.requireOnCamera(address, `its ${name} service address`);
    }
    return this.services;
  }

  /** Set when Media2 failed on a camera that also offers Media (early Media2 firmware). */
  preferMedia1 = false;

  private mediaService(): { address: string; namespace: string } {
    if (this.services.media2 && !(this.preferMedia1 && this.services.media)) {
      return { address: this.services.media2, namespace: NS.media2 };
    }
    if (this.services.media) return { address: this.services.media, namespace: NS.media };
    throw new Error('the camera offers no media service (neither Media2 nor Media)');
  }

  async getProfiles(): Promise<MediaProfile[]> {
    const { address, namespace } = this.mediaService();
    const body =
      namespace === NS.media2
        ? `<tr2:GetProfiles xmlns:tr2="${NS.media2}"><tr2:Type>All</tr2:Type></tr2:GetProfiles>`
        : `<trt:GetProfiles xmlns:trt="${NS.media}"/>`;
    return parseProfiles(await this.soap.call(address, `${namespace}/GetProfiles`, body));
  }

  async getStreamUri(profileToken: string): Promise<string> {
    const { address, namespace } = this.mediaService();
    const token = escapeXml(profileToken);
    const body =
      namespace === NS.media2
        ? `<tr2:GetStreamUri xmlns:tr2="${NS.media2}"><tr2:Protocol>RTSP</tr2:Protocol><tr2:ProfileToken>${token}</tr2:ProfileToken></tr2:GetStreamUri>`
        : `<trt:GetStreamUri xmlns:trt="${NS.media}" xmlns:tt="http://www.onvif.org/ver10/schema"><trt:StreamSetup><tt:Stream>RTP-Unicast</tt:Stream><tt:Transport><tt:Protocol>RTSP</tt:Protocol></tt:Transport></trt:StreamSetup><trt:ProfileToken>${token}</trt:ProfileToken></trt:GetStreamUri>`;
    const uri = parseMediaUri(await this.soap.call(address, `${namespace}/GetStreamUri`, body), 'GetStreamUri');
    this.requireOnCamera(uri, 'the stream URI');
    return uri;
  }

  async getSnapshotUri(profileToken: string): Promise<string> {
    const { address, namespace } = this.mediaService();
    const prefix = namespace === NS.media2 ? 'tr2' : 'trt';
    const body = `<${prefix}:GetSnapshotUri xmlns:${prefix}="${namespace}"><${prefix}:ProfileToken>${escapeXml(profileToken)}</${prefix}:ProfileToken></${prefix}:GetSnapshotUri>`;
    const uri = parseMediaUri(await this.soap.call(address, `${namespace}/GetSnapshotUri`, body), 'GetSnapshotUri');
    this.requireOnCamera(uri, 'the snapshot URI');
    return uri;
  }

  /** A subscription whose manager address is off the camera's host is never called. */
  private onCamera(grant: SubscriptionGrant): SubscriptionGrant {
    this.requireOnCamera(grant.reference.address, 'the subscription address');
    return grant;
  }

  private termination(request: TerminationRequest, element: string): string {
    const value =
      'seconds' in request
        ? secondsDuration(request.seconds)
        : formatCameraTime(request.until + this.clockOffsetMs).replace(/\.\d{3}Z$/, 'Z');
    return `<${element}>${value}</${element}>`;
  }

  private eventsAddress(): string {
    return this.services.events ?? this.options.deviceServiceUrl;
  }

  async createPullPoint(termination: TerminationRequest, filtered: boolean): Promise<SubscriptionGrant> {
    const { body, raw } = await this.soapRaw(
      this.eventsAddress(),
      ACTIONS.createPullPoint,
      `<tev:CreatePullPointSubscription xmlns:tev="${NS.events}" xmlns:wsnt="${WSNT}">` +
        (filtered ? topicFilterXml() : '') +
        this.termination(termination, 'tev:InitialTerminationTime') +
        '</tev:CreatePullPointSubscription>',
    );
    return this.onCamera(parseSubscriptionGrant(body, raw, 'CreatePullPointSubscription'));
  }

  async subscribe(consumerUrl: string, termination: TerminationRequest, filtered: boolean): Promise<SubscriptionGrant> {
    const { body, raw } = await this.soapRaw(
      this.eventsAddress(),
      ACTIONS.subscribe,
      `<wsnt:Subscribe xmlns:wsnt="${WSNT}"><wsnt:ConsumerReference><wsa:Address>${escapeXml(consumerUrl)}</wsa:Address></wsnt:ConsumerReference>` +
        (filtered ? topicFilterXml() : '') +
        this.termination(termination, 'wsnt:InitialTerminationTime') +
        '</wsnt:Subscribe>',
    );
    return this.onCamera(parseSubscriptionGrant(body, raw, 'Subscribe'));
  }

  async pullMessages(reference: SubscriptionReference, timeoutS: number, limit: number): Promise<PullMessagesResult> {
    const body = await this.soap.call(
      endpoint(reference),
      ACTIONS.pullMessages,
      `<tev:PullMessages xmlns:tev="${NS.events}"><tev:Timeout>${secondsDuration(timeoutS)}</tev:Timeout><tev:MessageLimit>${limit}</tev:MessageLimit></tev:PullMessages>`,
      // The camera holds the request up to the timeout: allow that plus the usual answer time.
      { timeoutMs: timeoutS * 1000 + this.options.timeoutMs },
    );
    return parsePullMessages(body);
  }

  async renew(reference: SubscriptionReference, termination: TerminationRequest) {
    const body = await this.soap.call(
      endpoint(reference),
      ACTIONS.renew,
      `<wsnt:Renew xmlns:wsnt="${WSNT}">${this.termination(termination, 'wsnt:TerminationTime')}</wsnt:Renew>`,
    );
    return parseRenew(body);
  }

  /** Ends the gateway's own subscription (never another client's: only its reference is known here). */
  async unsubscribe(reference: SubscriptionReference, timeoutMs = this.options.timeoutMs): Promise<void> {
    await this.soap.call(endpoint(reference), ACTIONS.unsubscribe, `<wsnt:Unsubscribe xmlns:wsnt="${WSNT}"/>`, {
      timeoutMs,
    });
  }

  /** The events service address (the device service when the camera names none). */
  get eventsServiceUrl(): string {
    return this.eventsAddress();
  }

  async setSynchronizationPoint(reference: SubscriptionReference): Promise<void> {
    await this.soap.call(
      endpoint(reference),
      ACTIONS.setSynchronizationPoint,
      `<tev:SetSynchronizationPoint xmlns:tev="${NS.events}"/>`,
    );
  }

  /** A JPEG from the snapshot URI (HTTP Digest with the same credentials), at most maxBytes. */
  async fetchSnapshot(uri: string, maxBytes: number, timeoutMs = this.options.timeoutMs): Promise<Buffer> {
    this.requireOnCamera(uri, 'the snapshot URI');
    const response = await this.snapshots.request(uri, {
      method: 'GET',
      timeoutMs,
      maxBytes,
      signal: this.closed.signal,
      ...(this.options.tls ? { tls: this.options.tls } : {}),
    });
    if (response.status === 401 || response.status === 403) {
      throw new AuthenticationError(
        `snapshot ${new URL(uri).pathname} refused the credentials (HTTP ${response.status})`,
        response.status,
      );
    }
    if (response.status !== 200) throw new Error(`snapshot answered HTTP ${response.status}`);
    const type = String(response.headers['content-type'] ?? '');
    if (!type.startsWith('image/jpeg') && !isJpeg(response.body)) {
      throw new Error(`snapshot answered ${type || 'no content type'}, not a JPEG`);
    }
    if (response.body.length > maxBytes) throw new ResponseTooLargeError(`snapshot over ${maxBytes} bytes`);
    return response.body;
  }

  private async soapRaw(address: string, action: string, body: string) {
    // The subscription reference parameters are opaque XML: keep the raw answer to cut them out.
    let raw = '';
    const parsed = await this.soap.call(address, action, body, {
      onRaw: (text: string) => {
        raw = text;
      },
    });
    return { body: parsed, raw };
  }
}

function endpoint(reference: SubscriptionReference): Endpoint {
  return {
    address: reference.address,
    ...(reference.referenceParameters ? { referenceParameters: reference.referenceParameters } : {}),
  };
}

function isJpeg(body: Buffer): boolean {
  return body.length > 3 && body[0] === 0xff && body[1] === 0xd8 && body[2] === 0xff;
}
