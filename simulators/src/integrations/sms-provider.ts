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
 * A stand-in for an SMS/HTTP notification provider, as family notifications use: `POST
 * /v1/messages` with the account's key as a bearer token sends a text to a phone number, answered
 * with the message id and the number of SMS segments it is billed as; `GET /v1/messages` (same key)
 * lists what it received, for tests and for a look during development.
 */
export const SmsSendRequest = z
  .object({
    /** Mainland mobile numbers, with or without +86, as providers in China take them. */
    to: z
      .string()
      .regex(/^(\+86)?1[3-9]\d{9}$/, 'expected a mainland mobile number such as +8613800138000 or 13800138000'),
    text: z.string().min(1).max(500),
    /** The sender's signature, e.g. 【幸福里社区】. */
    sign: z.string().min(1).max(20).optional(),
    /** The caller's own id for this message: the same reference is not sent twice. */
    reference: z.string().min(1).max(64).optional(),
  })
  .strict();
export type SmsSendRequest = z.infer<typeof SmsSendRequest>;

export interface SentSms extends SmsSendRequest {
  id: string;
  segments: number;
  received_at: string;
}

export interface SmsProviderOptions extends EndpointListen {
  /** The account's API key; requests must carry `authorization: Bearer <key>`. */
  apiKey: string;
  now?: () => Date;
}

/** Texts with any character outside GSM-7 go as UCS-2: 70 characters a segment, else 160. */
function segmentsOf(text: string): number {
  const wide = /[^\x20-\x7e\n\r]/.test(text);
  const single = wide ? 70 : 160;
  const multi = wide ? 67 : 153;
  return text.length <= single ? 1 : Math.ceil(text.length / multi);
}

export class SmsProviderSimulator extends SimulatedEndpoint {
  /** Every message accepted, oldest first. */
  readonly messages: SentSms[] = [];
  private readonly nextId = counter('sms');
  private readonly now: () => Date;

  constructor(private readonly options: SmsProviderOptions) {
    super(options);
    if (options.apiKey.length < 16) throw new Error('apiKey: expected at least 16 characters (generate one)');
    this.now = options.now ?? (() => new Date());
  }

  protected handle(request: EndpointRequest): EndpointAnswer {
    if (request.path !== '/v1/messages')
      return failure(404, 'not_found', `no route ${request.path}: send to POST /v1/messages`);
    const bearer = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1];
    if (!sameSecret(bearer, this.options.apiKey))
      return failure(401, 'unauthorized', 'authorization: expected "Bearer <api key>" with this account\'s key');
    if (request.method === 'GET') return { status: 200, body: { messages: this.messages } };
    if (request.method !== 'POST')
      return failure(405, 'method_not_allowed', `${request.method}: use POST to send, GET to list`);

    const parsed = parseBody(SmsSendRequest, request.text);
    if (!parsed.ok) return failure(400, 'invalid_request', parsed.problems.join('; '));
    const earlier = parsed.value.reference
      ? this.messages.find((message) => message.reference === parsed.value.reference)
      : undefined;
    // A retried request (same reference) is answered with the message already sent, not sent again.
    const message = earlier ?? {
      ...parsed.value,
      id: this.nextId(),
      segments: segmentsOf(parsed.value.text),
      received_at: this.now().toISOString(),
    };
    if (!earlier) this.messages.push(message);
    return {
      status: earlier ? 200 : 202,
      body: { id: message.id, status: 'queued', to: message.to, segments: message.segments },
    };
  }

  protected tooLarge(limit: number): EndpointAnswer {
    return failure(413, 'too_large', `body: more than ${limit} bytes; a text is at most 500 characters`);
  }
}

function failure(status: number, code: string, message: string): EndpointAnswer {
  return { status, body: { error: { code, message } } };
}
