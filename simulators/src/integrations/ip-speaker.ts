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
 * A stand-in for a networked IP public-address speaker with an HTTP broadcast API, as a community's
 * voice broadcast uses: `POST /api/v1/broadcast` (HTTP basic auth) speaks a text in a zone at a
 * volume; `GET /api/v1/broadcasts` lists what it spoke; `GET /api/v1/status` names its zones.
 */
export const SpeakerBroadcastRequest = z
  .object({
    /** Spoken by the speaker's text-to-speech. */
    text: z.string().min(1).max(300),
    /** 0–100 %. */
    volume: z.number().int().min(0).max(100).default(60),
    zone: z.string().min(1),
    /** How many times the text is spoken. */
    repeat: z.number().int().min(1).max(5).default(1),
  })
  .strict();
export type SpeakerBroadcastRequest = z.input<typeof SpeakerBroadcastRequest>;

export interface SpokenBroadcast extends z.infer<typeof SpeakerBroadcastRequest> {
  id: string;
  received_at: string;
}

export interface IpSpeakerOptions extends EndpointListen {
  username: string;
  password: string;
  /** The zones wired to this speaker controller, e.g. `b3-u2-lobby`. */
  zones: readonly string[];
  now?: () => Date;
}

export class IpSpeakerSimulator extends SimulatedEndpoint {
  readonly broadcasts: SpokenBroadcast[] = [];
  private readonly nextId = counter('bc');
  private readonly now: () => Date;

  constructor(private readonly options: IpSpeakerOptions) {
    super(options);
    if (options.password.length < 12) throw new Error('password: expected at least 12 characters (generate one)');
    if (options.zones.length === 0) throw new Error('zones: expected at least one zone');
    this.now = options.now ?? (() => new Date());
  }

  protected handle(request: EndpointRequest): EndpointAnswer {
    const route = `${request.method} ${request.path}`;
    if (!['POST /api/v1/broadcast', 'GET /api/v1/broadcasts', 'GET /api/v1/status'].includes(route))
      return failure(404, `no route ${route}: POST /api/v1/broadcast, GET /api/v1/broadcasts or GET /api/v1/status`);
    if (!this.authenticated(request.headers.authorization))
      return failure(401, "authorization: expected HTTP basic auth with the speaker's username and password");
    if (route === 'GET /api/v1/status')
      return { status: 200, body: { result: 'ok', online: true, zones: this.options.zones } };
    if (route === 'GET /api/v1/broadcasts') return { status: 200, body: { result: 'ok', broadcasts: this.broadcasts } };

    const parsed = parseBody(SpeakerBroadcastRequest, request.text);
    if (!parsed.ok) return failure(400, parsed.problems.join('; '));
    if (!this.options.zones.includes(parsed.value.zone))
      return failure(
        400,
        `zone: no zone ${JSON.stringify(parsed.value.zone)} on this speaker; its zones are ${this.options.zones.join(', ')}`,
      );
    const broadcast: SpokenBroadcast = { ...parsed.value, id: this.nextId(), received_at: this.now().toISOString() };
    this.broadcasts.push(broadcast);
    // Text-to-speech of Chinese runs at about four characters a second.
    const seconds = Math.ceil((broadcast.text.length / 4) * broadcast.repeat);
    return { status: 200, body: { result: 'ok', broadcast_id: broadcast.id, zone: broadcast.zone, seconds } };
  }

  protected tooLarge(limit: number): EndpointAnswer {
    return failure(413, `body: more than ${limit} bytes; a text is at most 300 characters`);
  }

  private authenticated(header: string | undefined): boolean {
    const encoded = /^Basic (.+)$/.exec(header ?? '')?.[1];
    if (!encoded) return false;
    const decoded = Buffer.from(encoded, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return false;
    // Both compared, always, so the answer takes as long whichever is wrong.
    const userOk = sameSecret(decoded.slice(0, colon), this.options.username);
    const passwordOk = sameSecret(decoded.slice(colon + 1), this.options.password);
    return userOk && passwordOk;
  }
}

function failure(status: number, message: string): EndpointAnswer {
  return { status, body: { result: 'error', message } };
}
