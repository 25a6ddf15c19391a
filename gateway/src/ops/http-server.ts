import { timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

export interface OpsServerOptions {
  host: string;
  port: number;
  metrics: Registry;
  /** Required on /metrics when set (always set when listening beyond loopback; see config). */
  metricsToken?: string | undefined;
  /** Readiness: null when ready, else what is not ready yet. */
  notReady(): string | null;
  /** HTTPS with these PEM files. */
  tls?: { certFile: string; keyFile: string } | undefined;
  /** Routes of other modules (the installer console), tried first; each says whether it answered. */
  routes?: Array<(req: IncomingMessage, res: ServerResponse) => Promise<boolean>>;
}

function problem(status: number, code: string, title: string, detail: string) {
  return JSON.stringify({ type: `urn:gridlink:problem:${code}`, title, status, detail, code });
}

function tokenMatches(header: string | undefined, token: string): boolean {
  const presented = Buffer.from(header?.startsWith('Bearer ') ? header.slice(7) : '');
  const expected = Buffer.from(token);
  return presented.length === expected.length && timingSafeEqual(presented, expected);
}

/**
 * The operations endpoints: `/healthz` (the process answers), `/readyz` (broker listening, stores
 * open) and Prometheus `/metrics`. Errors are RFC 9457 problem details.
 */
export async function startOpsServer(options: OpsServerOptions): Promise<{ port: number; close(): Promise<void> }> {
  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const send = (status: number, type: string, body: string) => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' }).end(body);
    };
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return send(
        405,
        'application/problem+json',
        problem(405, 'GL_METHOD_NOT_ALLOWED', 'Method not allowed', 'use GET'),
      );
    }
    if (path === '/healthz') return send(200, 'application/json', '{"status":"ok"}');
    if (path === '/readyz') {
      const reason = options.notReady();
      return reason === null
        ? send(200, 'application/json', '{"status":"ready"}')
        : send(503, 'application/problem+json', problem(503, 'GL_NOT_READY', 'Not ready', reason));
    }
    if (path === '/metrics') {
      if (options.metricsToken && !tokenMatches(req.headers.authorization, options.metricsToken)) {
        res.setHeader('www-authenticate', 'Bearer');
        return send(
          401,
          'application/problem+json',
          problem(401, 'GL_UNAUTHENTICATED', 'Unauthenticated', 'send Authorization: Bearer <http.metrics_token>'),
        );
      }
      options.metrics.metrics().then(
        (text) => send(200, options.metrics.contentType, text),
        (err: Error) =>
          send(500, 'application/problem+json', problem(500, 'GL_METRICS_FAILED', 'Metrics failed', err.message)),
      );
      return;
    }
    send(
      404,
      'application/problem+json',
      problem(404, 'GL_NOT_FOUND', 'Not found', `no route ${path}; try /, /healthz, /readyz or /metrics`),
    );
  };
  const route = async (req: IncomingMessage, res: ServerResponse) => {
    for (const extra of options.routes ?? []) if (await extra(req, res)) return;
    handle(req, res);
  };
  const listener = (req: IncomingMessage, res: ServerResponse) => {
    route(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500).end();
      else res.destroy();
    });
  };
  const server: Server = options.tls
    ? createTlsServer({ cert: readFileSync(options.tls.certFile), key: readFileSync(options.tls.keyFile) }, listener)
    : createServer(listener);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Open event streams would hold the close forever.
        server.closeAllConnections();
      }),
  };
}
