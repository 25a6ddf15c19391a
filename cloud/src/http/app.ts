import express, { type NextFunction, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import type { Queryable } from '../db/db.js';
import { message } from '../i18n/message.js';
import { languageOf } from '../i18n/render.js';
import { bodyParserProblem } from './body.js';
import { DomainError } from './domain-error.js';
import { openApiDocument } from './openapi.js';
import type { HttpPlugin } from './plugin.js';
import { PROBLEM_CONTENT_TYPE, ProblemError } from './problems.js';

/** What the app itself needs, whatever its plugins. */
export interface AppOptions {
  /** Asked `SELECT 1` by `/readyz`. */
  db: Queryable;
  logger: Logger;
  version: string;
  /**
   * Proxies whose `X-Forwarded-For` names the client (`http.trusted_proxies`, addresses or CIDRs);
   * from anyone else the header is ignored, so a client cannot choose the address it is limited by.
   */
  trustedProxies?: readonly string[];
  /** True once shutdown began: connections are not kept alive. */
  stopping(): boolean;
  /** Told the status of every answer (the cloud counts them for `/metrics`). */
  onAnswer?: (status: number) => void;
  /**
   * Operations routes beside `/healthz` and `/readyz` (the cloud's `/metrics`), ahead of the plugins'
   * and outside `/api/v1`; given by the caller, so that this kit depends on no feature.
   */
  opsRoutes?: express.Router;
}

/**
 * The HTTP API: `/healthz`, `/readyz`, `/metrics`, `/openapi.json`, then the plugins' routes in their order
 * (`/api/v1/…`, or the root for the web pages), each given `context`; every error a problem.
 */
export function createApp<Context>(
  ctx: AppOptions,
  plugins: readonly HttpPlugin<Context>[],
  context: Context,
): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('trust proxy', ctx.trustedProxies && ctx.trustedProxies.length > 0 ? [...ctx.trustedProxies] : false);
  const http = ctx.logger.child({ module: 'http' });

  app.use((req: Request, res: Response, next: NextFunction) => {
    const started = process.hrtime.bigint();
    res.set('cache-control', 'no-store');
    if (ctx.stopping()) res.set('connection', 'close');
    res.on('finish', () => {
      const record = {
        method: req.method,
        path: req.path,
        status: res.statusCode,
        ms: Number((process.hrtime.bigint() - started) / 1000n) / 1000,
      };
      ctx.onAnswer?.(res.statusCode);
      if (res.statusCode >= 500) http.warn(record, 'request failed');
      else http.debug(record, 'request');
    });
    next();
  });

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    if (ctx.stopping()) throw new ProblemError('GL_SHUTTING_DOWN', message('cloud.shutting_down'));
    try {
      await ctx.db.query('SELECT 1');
    } catch (err) {
      const problem = new ProblemError('GL_NOT_READY', message('database.not_answering'));
      problem.cause = err;
      throw problem;
    }
    res.json({ status: 'ready' });
  });
  if (ctx.opsRoutes) app.use(ctx.opsRoutes);
  const openapi = openApiDocument(ctx.version, plugins);
  app.get('/openapi.json', (_req, res) => {
    res.json(openapi);
  });

  const api = express.Router();
  const root = express.Router();
  for (const plugin of plugins) {
    const routes = plugin.routes(context);
    if (routes !== undefined) (plugin.mount === 'root' ? root : api).use(routes);
  }
  app.use('/api/v1', api);
  app.use(root);

  app.use((req: Request) => {
    throw new ProblemError(
      'GL_NOT_FOUND',
      message('route.unknown', { method: req.method, path: req.path, doc: '/openapi.json' }),
    );
  });

  // Express recognises an error handler by its four parameters.
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const problem =
      err instanceof ProblemError
        ? err
        : err instanceof DomainError
          ? refusal(err)
          : (bodyParserProblem(err) ?? internal(err));
    if (problem.code === 'GL_INTERNAL') http.error({ err, method: req.method, path: req.path }, 'request failed');
    else if (problem.cause !== undefined) {
      http.warn({ err: problem.cause, code: problem.code, method: req.method, path: req.path }, problem.detail);
    }
    if (res.headersSent) {
      res.destroy();
      return;
    }
    res
      .status(problem.toProblem().status)
      .set(problem.headers)
      .type(PROBLEM_CONTENT_TYPE)
      .send(JSON.stringify(problem.toProblem(req.originalUrl.split('?')[0], languageOf(req.get('accept-language')))));
  });

  return app;
}

/** A domain module's refusal as the problem it said it is: the one place these are translated. */
function refusal(err: DomainError): ProblemError {
  return new ProblemError(err.problem, err.said, err.errors);
}

function internal(err: unknown): ProblemError {
  const problem = new ProblemError('GL_INTERNAL', message('cloud.internal'));
  problem.cause = err;
  return problem;
}
