import { z } from 'zod';
import {
  type EndpointAnswer,
  type EndpointListen,
  type EndpointRequest,
  parseBody,
  SimulatedEndpoint,
  sameSecret,
} from './http-endpoint.js';

/**
 * A local stand-in for a WeCom (企业微信) group robot: `POST /cgi-bin/webhook/send?key=…` with the
 * robot's text and markdown messages, answered as the robot answers, always HTTP 200 with an
 * `errcode` (0 and `ok` when posted). The error codes are WeCom's global ones.
 */
const mentions = z.array(z.string().min(1)).max(100).optional();
export const WecomRobotMessage = z.discriminatedUnion('msgtype', [
  z.object({
    msgtype: z.literal('text'),
    text: z.object({
      content: z.string(),
      /** WeCom user ids to mention; `@all` mentions everyone. */
      mentioned_list: mentions,
      mentioned_mobile_list: mentions,
    }),
  }),
  z.object({
    msgtype: z.literal('markdown'),
    markdown: z.object({ content: z.string() }),
  }),
]);
export type WecomRobotMessage = z.infer<typeof WecomRobotMessage>;

export interface PostedWecomMessage {
  message: WecomRobotMessage;
  received_at: string;
}

export interface WecomRobotOptions extends EndpointListen {
  /** The robot's webhook key (the `key` of its webhook URL). */
  key: string;
  now?: () => Date;
}

/** What the robot takes at most, in UTF-8 bytes. */
const MAX_CONTENT_BYTES = { text: 2048, markdown: 4096 } as const;

const answer = (errcode: number, errmsg: string): EndpointAnswer => ({ status: 200, body: { errcode, errmsg } });

export class WecomRobotSimulator extends SimulatedEndpoint {
  readonly posted: PostedWecomMessage[] = [];
  private readonly now: () => Date;

  constructor(private readonly options: WecomRobotOptions) {
    super(options);
    if (options.key.length < 16) throw new Error('key: expected at least 16 characters (generate one)');
    this.now = options.now ?? (() => new Date());
  }

  /** The robot's webhook URL, as WeCom shows it when the robot is added to a group. */
  get webhookUrl(): string {
    return `${this.url}/cgi-bin/webhook/send?key=${encodeURIComponent(this.options.key)}`;
  }

  protected handle(request: EndpointRequest): EndpointAnswer {
    if (request.path !== '/cgi-bin/webhook/send' || request.method !== 'POST')
      return { status: 404, body: { errcode: 404, errmsg: `${request.method} ${request.path}: not found` } };
    if (!sameSecret(request.query.get('key') ?? undefined, this.options.key))
      return answer(93000, "invalid webhook url, hint: the key in the URL is not this robot's");

    const type = (() => {
      try {
        return (JSON.parse(request.text) as { msgtype?: unknown })?.msgtype;
      } catch {
        return undefined;
      }
    })();
    if (type !== undefined && type !== 'text' && type !== 'markdown')
      return answer(
        40008,
        `invalid message type, hint: msgtype ${JSON.stringify(type)}; this robot takes text or markdown`,
      );
    const parsed = parseBody(WecomRobotMessage, request.text);
    if (!parsed.ok) return answer(40035, `invalid parameter, hint: ${parsed.problems.join('; ')}`);
    const message = parsed.value;
    const content = message.msgtype === 'text' ? message.text.content : message.markdown.content;
    if (content.trim() === '') return answer(44004, `empty content, hint: ${message.msgtype}.content is empty`);
    const limit = MAX_CONTENT_BYTES[message.msgtype];
    if (Buffer.byteLength(content, 'utf8') > limit)
      return answer(
        45002,
        `content size out of limit, hint: ${message.msgtype}.content is ${Buffer.byteLength(content, 'utf8')} bytes, at most ${limit}`,
      );
    this.posted.push({ message, received_at: this.now().toISOString() });
    return answer(0, 'ok');
  }

  protected tooLarge(limit: number): EndpointAnswer {
    return answer(45002, `content size out of limit, hint: the body is more than ${limit} bytes`);
  }
}
