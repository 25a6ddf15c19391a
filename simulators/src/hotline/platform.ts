import { createHmac, timingSafeEqual } from 'node:crypto';
import { appendFileSync } from 'node:fs';
import {
  HOTLINE_SIGNATURE_HEADER,
  HOTLINE_TIMESTAMP_HEADER,
  type HotlineOrder,
  type HotlinePush,
  type HotlineUpdate,
} from '@gridlink/protocol';
import {
  type EndpointAnswer,
  type EndpointListen,
  type EndpointRequest,
  SimulatedEndpoint,
} from '../integrations/http-endpoint.js';
import { pick, type Random, seededRandom } from '../random.js';

export interface HotlinePlatformOptions extends EndpointListen {
  /** The webhook secret the cloud signs with (known once the platform is registered: `useSecret`). */
  secret?: string;
  /** The platform's clock (Unix ms), which push timestamps must be near; default the system's. */
  now?: () => number;
  /** How far a push's timestamp may be from `now`; default 5 minutes. */
  toleranceMs?: number;
  /** Seed of the sample orders. */
  seed?: number;
  /** Appends every push and refusal as a JSON line here, for people to follow. */
  logFile?: string;
  /** Answers extension requests by itself: approved (`approve`) or refused. */
  extensions?: 'approve' | 'refuse' | 'manual';
}

/** The cloud the platform files into: its base URL and the platform account's API token. */
export interface HotlineCloud {
  url: string;
  token: string;
}

const SAMPLES = [
  { category_code: 'SZ-0301', content: '小区门口污水井冒水，臭味很大，已经两天没人处理。' },
  { category_code: 'SZ-0502', content: '楼下烧烤店油烟扰民，晚上十一点后仍在营业，请尽快处理。' },
  { category_code: 'GA-110-07', content: '110 转来：楼道内堆放大量纸箱杂物，堵塞消防通道，存在火灾隐患。' },
  { category_code: 'XF-0101', content: '信访件：反映小区电梯长期故障，物业不予维修，老人上下楼困难。' },
  { category_code: 'SZ-0999', content: '路灯不亮，晚上回家很不安全，联系电话13987654321。' },
] as const;
const NAMES = ['王建国', '李秀英', '张伟', '刘芳', '陈静', '杨磊'] as const;
const CHANNEL_OF = { SZ: 'hotline_12345', GA: 'transfer_110', XF: 'petition' } as const;

/**
 * A local stand-in for a hotline platform (12345 / 110 联动 / 信访): it receives the cloud's
 * push-backs on `POST /pushes`, refuses any whose signature or timestamp is wrong, records the
 * rest in arrival order, can play dead (`refuse(true)`), answers extension requests, and files
 * seeded sample orders into the cloud.
 */
export class HotlinePlatformSimulator extends SimulatedEndpoint {
  /** Pushes received with a valid signature, in arrival order (duplicates included, as a real receiver sees them). */
  readonly pushes: HotlinePush[] = [];
  /** Requests refused for their signature or timestamp. */
  readonly refusedSignatures: string[] = [];
  private secret: string | undefined;
  private refusing = false;
  private cloud: HotlineCloud | undefined;
  private readonly random: Random;
  private readonly now: () => number;

  constructor(private readonly options: HotlinePlatformOptions = {}) {
    super(options);
    this.secret = options.secret;
    this.random = seededRandom(options.seed ?? 12345);
    this.now = options.now ?? Date.now;
  }

  /** The address to register as the platform's webhook. */
  get webhookUrl(): string {
    return `${this.url}/pushes`;
  }

  useSecret(secret: string): void {
    this.secret = secret;
  }

  /** Files into `cloud` from now on (sample orders, extension answers). */
  connect(cloud: HotlineCloud): void {
    this.cloud = cloud;
  }

  /** While true, every push is answered 503: the platform is down. */
  refuse(down: boolean): void {
    this.refusing = down;
  }

  /** Pushes of `ticket`, in the order received. */
  pushesOf(ticket: string): HotlinePush[] {
    return this.pushes.filter((push) => push.ticket === ticket);
  }

  /** `count` realistic orders (seeded), in `territory`, tickets numbered from `first`. */
  sampleOrders(count: number, territory: string, first = 1): HotlineOrder[] {
    return Array.from({ length: count }, (_, i) => {
      const sample = pick(this.random, SAMPLES);
      const prefix = sample.category_code.slice(0, 2) as keyof typeof CHANNEL_OF;
      const phone = `13${Math.floor(this.random() * 10)}${String(Math.floor(this.random() * 1e8)).padStart(8, '0')}`;
      return {
        ticket: `${prefix}-20261206-${String(first + i).padStart(6, '0')}`,
        channel: CHANNEL_OF[prefix],
        caller: { name: pick(this.random, NAMES), phone },
        content: sample.content,
        category_code: sample.category_code,
        territory_code: territory,
        address: `${pick(this.random, ['幸福里', '和平苑', '东湖花园'])}${1 + Math.floor(this.random() * 12)}栋`,
      };
    });
  }

  /** Files an order into the cloud; the cloud's status and answer. */
  sendOrder(order: HotlineOrder): Promise<{ status: number; body: Record<string, unknown> }> {
    return this.call('POST', '/api/v1/hotline/orders', order);
  }

  sendUpdate(ticket: string, update: HotlineUpdate): Promise<{ status: number; body: Record<string, unknown> }> {
    return this.call('POST', `/api/v1/hotline/orders/${encodeURIComponent(ticket)}/updates`, update);
  }

  answerExtension(
    ticket: string,
    answer: { approved: boolean; deadline?: string; comment?: string },
  ): Promise<{ status: number; body: Record<string, unknown> }> {
    return this.call('POST', `/api/v1/hotline/orders/${encodeURIComponent(ticket)}/extension-answer`, answer);
  }

  private async call(method: string, path: string, body: unknown) {
    if (this.cloud === undefined) throw new Error('connect() the simulator to a cloud first');
    const response = await fetch(`${this.cloud.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${this.cloud.token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  protected async handle(request: EndpointRequest): Promise<EndpointAnswer> {
    if (request.method !== 'POST' || request.path !== '/pushes') return { status: 404, body: { error: 'not found' } };
    if (this.refusing) return { status: 503, body: { error: 'platform down' } };
    const refusal = this.signatureRefusal(request);
    if (refusal !== undefined) {
      this.refusedSignatures.push(refusal);
      this.log({ refused: refusal });
      return { status: 401, body: { error: refusal } };
    }
    const push = JSON.parse(request.text) as HotlinePush;
    this.pushes.push(push);
    this.log({ push });
    if (push.kind === 'extension_request' && (this.options.extensions ?? 'manual') !== 'manual') {
      const approved = this.options.extensions === 'approve';
      // Answered after the push is acknowledged, as a real platform's reviewer would.
      setImmediate(() => {
        this.answerExtension(push.ticket, { approved, comment: approved ? '同意延期' : '不同意延期' }).catch(() => {});
      });
    }
    return { status: 200, body: { ok: true } };
  }

  private signatureRefusal(request: EndpointRequest): string | undefined {
    if (this.secret === undefined) return 'no secret configured';
    const timestamp = request.headers[HOTLINE_TIMESTAMP_HEADER];
    const signature = request.headers[HOTLINE_SIGNATURE_HEADER];
    if (typeof timestamp !== 'string' || typeof signature !== 'string') return 'signature headers missing';
    const skew = Math.abs(this.now() - Number(timestamp) * 1000);
    if (!Number.isFinite(skew) || skew > (this.options.toleranceMs ?? 300_000)) return 'timestamp too far from now';
    const expected = Buffer.from(
      createHmac('sha256', this.secret).update(`${timestamp}.${request.text}`).digest('hex'),
      'utf8',
    );
    const given = Buffer.from(signature, 'utf8');
    return expected.length === given.length && timingSafeEqual(expected, given) ? undefined : 'signature mismatch';
  }

  private log(entry: Record<string, unknown>): void {
    if (this.options.logFile !== undefined)
      appendFileSync(this.options.logFile, `${JSON.stringify({ at: new Date(this.now()).toISOString(), ...entry })}\n`);
  }

  protected tooLarge(limit: number): EndpointAnswer {
    return { status: 413, body: { error: `body above ${limit} bytes` } };
  }
}
