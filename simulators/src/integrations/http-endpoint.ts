import { createHash, timingSafeEqual } from 'node:crypto';
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { formatIssues } from '@gridlink/protocol';
import type { z } from 'zod';

/**
 * The HTTP plumbing the simulated third-party endpoints share: a real server on a port (0 picks a
 * free one), request bodies read with a size limit, and answers as JSON. Each endpoint decides its
 * own routes, authentication and error shapes, as the real product it stands in for does.
 */
export interface EndpointListen {
  /** 127.0.0.1 by default: the simulators are for this machine. */
  host?: string;
  /** 0 (the default) picks a free port. */
  port?: number;
}

export interface EndpointRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** The body as received (UTF-8). */
  text: string;
}

export interface EndpointAnswer {
  status: number;
  body: unknown;
}

/** Bodies above this are refused before they are read whole: no simulated product takes more. */
const MAX_BODY_BYTES = 64 * 1024;

export abstract class SimulatedEndpoint {
  private server: Server | undefined;
  private boundPort = 0;

  constructor(private readonly listenOn: EndpointListen = {}) {}

  /** The base URL, e.g. `http://127.0.0.1:41234` (after `start()`). */
  get url(): string {
    if (!this.server) throw new Error(`${this.constructor.name} is not started: call start() first`);
    return `http://${this.listenOn.host ?? '127.0.0.1'}:${this.boundPort}`;
  }

  get port(): number {
    return this.boundPort;
  }

  async start(): Promise<this> {
    if (this.server) return this;
    const server = createServer((req, res) => void this.serve(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.listenOn.port ?? 0, this.listenOn.host ?? '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.boundPort = (server.address() as AddressInfo).port;
    this.server = server;
    return this;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  protected abstract handle(request: EndpointRequest): Promise<EndpointAnswer> | EndpointAnswer;

  /** What to answer when the body is too large, in the product's own error shape. */
  protected abstract tooLarge(limit: number): EndpointAnswer;

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const answer = (reply: EndpointAnswer) => {
      res.writeHead(reply.status, { 'content-type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify(reply.body));
    };
    try {
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of req as AsyncIterable<Buffer>) {
        size += chunk.length;
        if (size > MAX_BODY_BYTES) {
          res.setHeader('connection', 'close');
          answer(this.tooLarge(MAX_BODY_BYTES));
          req.destroy();
          return;
        }
        chunks.push(chunk);
      }
      const url = new URL(req.url ?? '/', 'http://endpoint');
      answer(
        await this.handle({
          method: req.method ?? 'GET',
          path: url.pathname,
          query: url.searchParams,
          headers: req.headers,
          text: Buffer.concat(chunks).toString('utf8'),
        }),
      );
    } catch (err) {
      answer({ status: 500, body: { error: (err as Error).message } });
    }
  }
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; problems: string[] };

/** Parses a JSON body against its schema; problems are one line each, naming the field. */
export function parseBody<S extends z.ZodType>(schema: S, text: string): Parsed<z.infer<S>> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    return {
      ok: false,
      problems: [`body: not JSON (${(err as Error).message}); send a JSON object with content-type application/json`],
    };
  }
  const parsed = schema.safeParse(json);
  if (parsed.success) return { ok: true, value: parsed.data };
  return { ok: false, problems: formatIssues(parsed.error.issues, { schema }) };
}

/** Compares a secret received with the one expected without telling by timing how much matched. */
export function sameSecret(received: string | undefined, expected: string): boolean {
  if (received === undefined) return false;
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(received), digest(expected));
}

/** Numbered ids (`sms-000001`): the same run gives the same ids, so tests can name them. */
export function counter(prefix: string): () => string {
  let n = 0;
  return () => `${prefix}-${String(++n).padStart(6, '0')}`;
}
