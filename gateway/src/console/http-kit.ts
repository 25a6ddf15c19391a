import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ConsoleSession } from './sessions.js';

/** A request the installer can fix: answered 400 with this text. */
export class BadRequest extends Error {}

export function problem(res: ServerResponse, status: number, code: string, detail: string): void {
  res
    .writeHead(status, { 'content-type': 'application/problem+json', 'cache-control': 'no-store' })
    .end(JSON.stringify({ type: `urn:gridlink:problem:${code}`, title: code, status, detail, code }));
}

export function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res
    .writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers })
    .end(JSON.stringify(body));
}

const DEFAULT_BODY_BYTES = 16 * 1024;

/** The request's body as raw bytes, refused past `limit` (a CSV import sends more than a form). */
export async function readBody(req: IncomingMessage, limit = DEFAULT_BODY_BYTES): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new BadRequest(`the request body is over ${Math.round(limit / 1024)} KiB`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

export async function readJson(req: IncomingMessage, limit = DEFAULT_BODY_BYTES): Promise<Record<string, unknown>> {
  const raw = await readBody(req, limit);
  if (raw.length === 0) return {};
  try {
    const body = JSON.parse(raw.toString('utf8')) as unknown;
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new Error('not an object');
    return body as Record<string, unknown>;
  } catch {
    throw new BadRequest('the request body is not a JSON object');
  }
}

/** What a console route is handed: the request, the signed-in session and the audit trail. */
export interface RouteContext {
  req: IncomingMessage;
  res: ServerResponse;
  session: ConsoleSession;
  address: string;
  /** The path's captured parts, URI-decoded. */
  params: string[];
  /** The query string's values. */
  query: URLSearchParams;
  /** Records an installer's action in the gateway's audit log (who, what, when) and on open pages. */
  audit(action: string, target?: string, detail?: string): void;
}

export interface ConsoleRoute {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  pattern: RegExp;
  /** Changes something: installers only, refused to observers on the server. */
  change: boolean;
  handle(ctx: RouteContext): Promise<void> | void;
}

/** A refusal with its own status and code (404 for a camera that is not configured, 409, 503…). */
export class ConsoleProblem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    detail: string,
  ) {
    super(detail);
  }
}
