import { createHmac } from 'node:crypto';
import { setTimeout as wait } from 'node:timers/promises';
import { z } from 'zod';
import {
  counter,
  type EndpointAnswer,
  type EndpointListen,
  type EndpointRequest,
  parseBody,
  SimulatedEndpoint,
  sameSecret,
} from './http-endpoint.js';

/**
 * A stand-in for a vendor's access-control system (the server behind a community's door
 * controllers), which reports its doors to a configured webhook in its own shape — not Gridlink's:
 * door opened, door held open, card swiped. Each delivery is signed: `x-vendor-timestamp` and
 * `x-vendor-signature`, the hex HMAC-SHA256 of `<timestamp>.<body>` under the webhook's secret.
 *
 * Its management API (`x-api-key`) makes a door report something (`POST /api/v1/events`) and lists
 * the deliveries with their outcome (`GET /api/v1/deliveries`); in a test the methods do the same.
 */
export const VendorAccessEvent = z
  .object({
    eventId: z.string().min(1),
    eventType: z.enum(['DOOR_OPENED', 'DOOR_HELD_OPEN', 'CARD_SWIPE']),
    /** Local time with its offset, as the vendor's controllers keep it: `2026-12-06T22:14:05+08:00`. */
    occurTime: z.string().regex(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$/),
    deviceSn: z.string().min(1),
    doorNo: z.number().int().min(1),
    doorName: z.string(),
    /** DOOR_HELD_OPEN: how long the door has stood open. */
    heldSeconds: z.number().int().min(1).optional(),
    /** CARD_SWIPE: the card and whether the door let it in. */
    cardNo: z.string().min(1).optional(),
    result: z.enum(['GRANTED', 'DENIED']).optional(),
  })
  .strict();
export type VendorAccessEvent = z.infer<typeof VendorAccessEvent>;

/** What the management API takes to make a door report something. */
export const VendorEventRequest = z
  .object({
    eventType: VendorAccessEvent.shape.eventType,
    deviceSn: z.string().min(1),
    doorNo: z.number().int().min(1).default(1),
    heldSeconds: z.number().int().min(1).optional(),
    cardNo: z.string().min(1).optional(),
    granted: z.boolean().optional(),
  })
  .strict();
export type VendorEventRequest = z.input<typeof VendorEventRequest>;

export interface VendorDoor {
  deviceSn: string;
  doorNo: number;
  doorName: string;
}

export interface VendorWebhook {
  url: string;
  /** Signs each delivery (HMAC-SHA256). */
  secret: string;
  /** An `authorization` header the receiver asks for (e.g. HTTP basic auth), if any. */
  authorization?: string;
}

export interface WebhookDelivery {
  event: VendorAccessEvent;
  attempts: number;
  /** The receiver's HTTP status of the last attempt; undefined when it could not be reached. */
  status?: number;
  delivered: boolean;
  error?: string;
}

export interface VendorAccessOptions extends EndpointListen {
  /** The management API's key (`x-api-key`). */
  apiKey: string;
  doors: readonly VendorDoor[];
  webhook?: VendorWebhook;
  /** Attempts per event before the vendor gives up (its controllers keep no longer queue). */
  attempts?: number;
  retryDelayMs?: number;
  now?: () => Date;
}

/** `2026-12-06T22:14:05+08:00`: the vendor's controllers run on China time. */
export function chinaTime(at: Date): string {
  return `${new Date(at.getTime() + 8 * 3600_000).toISOString().slice(0, 19)}+08:00`;
}

export function signVendorBody(secret: string, timestamp: string, body: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
}

export class VendorAccessSimulator extends SimulatedEndpoint {
  readonly deliveries: WebhookDelivery[] = [];
  private readonly nextId = counter('EVT');
  private readonly now: () => Date;
  private webhook: VendorWebhook | undefined;

  constructor(private readonly options: VendorAccessOptions) {
    super(options);
    if (options.apiKey.length < 16) throw new Error('apiKey: expected at least 16 characters (generate one)');
    if (options.doors.length === 0) throw new Error('doors: expected at least one door');
    this.webhook = options.webhook;
    this.now = options.now ?? (() => new Date());
  }

  /** Points the vendor's webhook somewhere (the receiver may start after the vendor does). */
  setWebhook(webhook: VendorWebhook): void {
    this.webhook = webhook;
  }

  get doors(): readonly VendorDoor[] {
    return this.options.doors;
  }

  doorOpened(deviceSn: string, doorNo = 1): Promise<WebhookDelivery> {
    return this.report({ eventType: 'DOOR_OPENED', deviceSn, doorNo });
  }

  doorHeldOpen(deviceSn: string, heldSeconds: number, doorNo = 1): Promise<WebhookDelivery> {
    return this.report({ eventType: 'DOOR_HELD_OPEN', deviceSn, doorNo, heldSeconds });
  }

  cardSwipe(deviceSn: string, cardNo: string, granted: boolean, doorNo = 1): Promise<WebhookDelivery> {
    return this.report({ eventType: 'CARD_SWIPE', deviceSn, doorNo, cardNo, granted });
  }

  /** A door reports something: the event goes to the webhook, and the outcome is recorded. */
  async report(request: VendorEventRequest): Promise<WebhookDelivery> {
    const wanted = VendorEventRequest.parse(request);
    const door = this.doorOf(wanted.deviceSn, wanted.doorNo);
    if (!door)
      throw new Error(
        `deviceSn/doorNo: no door ${wanted.deviceSn} #${wanted.doorNo}; the doors are ${this.options.doors.map((d) => `${d.deviceSn} #${d.doorNo}`).join(', ')}`,
      );
    if (wanted.eventType === 'DOOR_HELD_OPEN' && wanted.heldSeconds === undefined)
      throw new Error('heldSeconds: required for DOOR_HELD_OPEN (how long the door has stood open)');
    if (wanted.eventType === 'CARD_SWIPE' && (wanted.cardNo === undefined || wanted.granted === undefined))
      throw new Error('cardNo and granted: required for CARD_SWIPE (which card, and whether the door let it in)');
    const event: VendorAccessEvent = {
      eventId: this.nextId(),
      eventType: wanted.eventType,
      occurTime: chinaTime(this.now()),
      ...door,
      ...(wanted.eventType === 'DOOR_HELD_OPEN' ? { heldSeconds: wanted.heldSeconds } : {}),
      ...(wanted.eventType === 'CARD_SWIPE'
        ? { cardNo: wanted.cardNo, result: wanted.granted ? ('GRANTED' as const) : ('DENIED' as const) }
        : {}),
    };
    const delivery = await this.deliver(event);
    this.deliveries.push(delivery);
    return delivery;
  }

  protected async handle(request: EndpointRequest): Promise<EndpointAnswer> {
    const route = `${request.method} ${request.path}`;
    if (route !== 'POST /api/v1/events' && route !== 'GET /api/v1/deliveries')
      return failure(404, `no route ${route}: POST /api/v1/events or GET /api/v1/deliveries`);
    const key = request.headers['x-api-key'];
    if (!sameSecret(typeof key === 'string' ? key : undefined, this.options.apiKey))
      return failure(401, "x-api-key: missing or not this system's management key");
    if (route === 'GET /api/v1/deliveries') return { status: 200, body: { code: 0, deliveries: this.deliveries } };
    const parsed = parseBody(VendorEventRequest, request.text);
    if (!parsed.ok) return failure(400, parsed.problems.join('; '));
    try {
      return { status: 200, body: { code: 0, delivery: await this.report(parsed.value) } };
    } catch (err) {
      return failure(400, (err as Error).message);
    }
  }

  protected tooLarge(limit: number): EndpointAnswer {
    return failure(413, `body: more than ${limit} bytes`);
  }

  private doorOf(deviceSn: string, doorNo: number): VendorDoor | undefined {
    return this.options.doors.find((door) => door.deviceSn === deviceSn && door.doorNo === doorNo);
  }

  private async deliver(event: VendorAccessEvent): Promise<WebhookDelivery> {
    const webhook = this.webhook;
    if (!webhook) return { event, attempts: 0, delivered: false, error: 'webhook: not configured' };
    const body = JSON.stringify(event);
    const attempts = this.options.attempts ?? 3;
    let outcome: WebhookDelivery = { event, attempts: 0, delivered: false };
    for (let attempt = 1; attempt <= attempts; attempt++) {
      if (attempt > 1) await wait((this.options.retryDelayMs ?? 1000) * (attempt - 1));
      const timestamp = String(Math.floor(this.now().getTime() / 1000));
      try {
        const response = await fetch(webhook.url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'x-vendor-timestamp': timestamp,
            'x-vendor-signature': signVendorBody(webhook.secret, timestamp, body),
            ...(webhook.authorization ? { authorization: webhook.authorization } : {}),
          },
          body,
          signal: AbortSignal.timeout(5000),
        });
        await response.arrayBuffer();
        outcome = { event, attempts: attempt, status: response.status, delivered: response.ok };
        // A refusal (4xx) will not change by sending again; a server error (5xx) may.
        if (response.ok || response.status < 500) return outcome;
      } catch (err) {
        outcome = { event, attempts: attempt, delivered: false, error: (err as Error).message };
      }
    }
    return outcome;
  }
}

function failure(status: number, message: string): EndpointAnswer {
  return { status, body: { code: status, message } };
}
