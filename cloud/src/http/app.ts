import type { CloudEvent } from '@gridlink/protocol';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import { DEFAULT_ATTACHMENT_MAX_BYTES } from '../attachments/media.js';
import { AttachmentStore } from '../attachments/store.js';
import { CategoryCatalogue } from '../categories/catalogue.js';
import type { Clock } from '../clock.js';
import type { Db } from '../db/db.js';
import type { Deadlines } from '../deadlines/index.js';
import { type DispatchRoutesContext, dispatchRoutes } from '../dispatch/routes.js';
import type { DownlinkQueue } from '../downlink/queue.js';
import type { GatewayRegistry } from '../gateways/registry.js';
import { message } from '../i18n/message.js';
import { languageOf } from '../i18n/render.js';
import { type IncidentStreams, incidentStreamRoutes } from '../incident-stream/index.js';
import type { IncidentEngine } from '../incidents/index.js';
import { KpiSettingsStore } from '../kpi/settings.js';
import { createPeople } from '../people/people.js';
import type { SessionStoreOptions } from '../people/sessions.js';
import { type WebPagesOptions, webPages } from '../web/pages.js';
import type { ClientCertificates } from './auth.js';
import { bodyParserProblem } from './body.js';
import { openApiDocument } from './openapi.js';
import { PROBLEM_CONTENT_TYPE, ProblemError } from './problems.js';
import { attachmentRoutes } from './routes/attachments.js';
import { catalogueRoutes } from './routes/catalogue.js';
import { categoryListRoutes } from './routes/category-list.js';
import { contactRoutes } from './routes/contacts.js';
import { deviceEventPolicyRoutes } from './routes/device-event-policies.js';
import { downlinkRoutes } from './routes/downlink.js';
import { eventRoutes } from './routes/events.js';
import { gatewayRoutes } from './routes/gateways.js';
import { heldAlertRoutes } from './routes/held-alerts.js';
import { incidentActionRoutes } from './routes/incident-actions.js';
import { incidentRoutes } from './routes/incidents.js';
import { kpiRoutes } from './routes/kpis.js';
import { peopleRoutes } from './routes/people.js';
import { sessionRoutes } from './routes/sessions.js';
import { settingsRoutes } from './routes/settings.js';
import { territoryAreaRoutes } from './routes/territory-areas.js';
import { territorySearchRoutes } from './routes/territory-search.js';
import { unitRobotRoutes } from './routes/unit-robots.js';

export interface AppContext {
  db: Db;
  clock: Clock;
  registry: GatewayRegistry;
  downlink: DownlinkQueue;
  adminToken: string;
  logger: Logger;
  version: string;
  /** How often a held long-poll looks for messages queued by another replica. */
  downlinkRecheckMs: number;
  /** Gateway client certificates on top of tokens (`http.tls.client_certificates`). */
  clientCertificates: ClientCertificates;
  incidents: IncidentEngine;
  /** Time limits: `GET /incidents/{id}` shows the open step's deadline and light. */
  deadlines?: Pick<Deadlines, 'lightOf' | 'statusOf'>;
  /** Live push and community robots (automatic dispatch); without it those routes are absent. */
  dispatch?: DispatchRoutesContext;
  /** The live incident streams (`GET /incidents/stream`); without it that route is absent. */
  incidentStreams?: IncidentStreams;
  /** Called with the events each batch stored, after the gateway has its answer. */
  onEventsStored?: (events: CloudEvent[]) => void;
  /** Largest file `POST /incidents/{id}/attachments` takes (`attachments.max_bytes`); default 10 MiB. */
  attachmentMaxBytes?: number;
  /** Login limits and, in tests, a wrapped password check (`auth.login` of the configuration). */
  login?: SessionStoreOptions;
  /**
   * Proxies whose `X-Forwarded-For` names the client (`http.trusted_proxies`, addresses or CIDRs);
   * from anyone else the header is ignored, so a client cannot choose the address it is limited by.
   */
  trustedProxies?: readonly string[];
  /** The web pages' map tiles (`web` of the configuration); without them maps draw areas only. */
  web?: WebPagesOptions;
  /** True once shutdown began: connections are not kept alive. */
  stopping(): boolean;
}

/** The HTTP API: `/api/v1/…`, `/healthz`, `/readyz`, `/openapi.json`; every error a problem. */
export function createApp(ctx: AppContext): express.Express {
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
  const openapi = openApiDocument(ctx.version);
  app.get('/openapi.json', (_req, res) => {
    res.json(openapi);
  });

  const api = express.Router();
  api.use(
    gatewayRoutes(ctx.registry, ctx.adminToken, ctx.logger.child({ module: 'gateways' }), ctx.clientCertificates),
  );
  api.use(
    eventRoutes(
      ctx.db,
      ctx.clock,
      ctx.registry,
      ctx.logger.child({ module: 'intake' }),
      ctx.clientCertificates,
      ctx.onEventsStored,
    ),
  );
  api.use(
    downlinkRoutes(ctx.downlink, ctx.registry, ctx.adminToken, ctx.logger.child({ module: 'downlink' }), {
      recheckMs: ctx.downlinkRecheckMs,
      clientCertificates: ctx.clientCertificates,
    }),
  );
  const people = createPeople(ctx.db, ctx.clock, ctx.login === undefined ? {} : { login: ctx.login });
  api.use(sessionRoutes(people, ctx.logger.child({ module: 'sessions' }), ctx.adminToken));
  api.use(peopleRoutes(people, ctx.adminToken, ctx.clock, ctx.logger.child({ module: 'people' })));
  if (ctx.dispatch) api.use(dispatchRoutes(people, ctx.dispatch));
  // Before the incident routes, whose session check would otherwise run twice for these.
  const attachments = new AttachmentStore(ctx.db, ctx.clock);
  api.use(
    attachmentRoutes(ctx.db, ctx.clock, people, ctx.incidents, attachments, {
      maxBytes: ctx.attachmentMaxBytes ?? DEFAULT_ATTACHMENT_MAX_BYTES,
      adminToken: ctx.adminToken,
    }),
  );
  if (ctx.incidentStreams) api.use(incidentStreamRoutes(people, ctx.incidentStreams));
  api.use(incidentRoutes(ctx.db, ctx.clock, people, ctx.incidents, attachments, ctx.deadlines));
  const kpiSettings = new KpiSettingsStore(ctx.db, ctx.clock);
  api.use(kpiRoutes(ctx.db, ctx.clock, people, () => kpiSettings.policy()));
  // Tenant data administrators edit: settings, the category catalogue, the device-event policy
  // table, contacts, units' robots.
  const catalogue = new CategoryCatalogue(ctx.db);
  const admin = { db: ctx.db, clock: ctx.clock, people, adminToken: ctx.adminToken, catalogue };
  api.use(settingsRoutes({ ...admin, ...(ctx.dispatch ? { dispatch: ctx.dispatch.store } : {}) }));
  api.use(catalogueRoutes(admin));
  api.use(deviceEventPolicyRoutes(admin));
  api.use(heldAlertRoutes(ctx.db, ctx.clock, people));
  api.use(contactRoutes(ctx.db, ctx.clock, people, ctx.adminToken));
  if (ctx.dispatch) api.use(unitRobotRoutes(people, ctx.adminToken, ctx.dispatch.store));
  // What the web pages read besides the routes above.
  api.use(incidentActionRoutes(ctx.db, ctx.clock, people, ctx.incidents, ctx.deadlines));
  api.use(categoryListRoutes(ctx.db, people));
  api.use(territoryAreaRoutes(ctx.db, ctx.clock, people));
  api.use(territorySearchRoutes(ctx.db, people));
  app.use('/api/v1', api);

  // The web pages (cloud/web), served by the cloud itself.
  app.use(webPages(ctx.logger.child({ module: 'web' }), ctx.web));

  app.use((req: Request) => {
    throw new ProblemError(
      'GL_NOT_FOUND',
      message('route.unknown', { method: req.method, path: req.path, doc: '/openapi.json' }),
    );
  });

  // Express recognises an error handler by its four parameters.
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const problem = err instanceof ProblemError ? err : (bodyParserProblem(err) ?? internal(err));
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

function internal(err: unknown): ProblemError {
  const problem = new ProblemError('GL_INTERNAL', message('cloud.internal'));
  problem.cause = err;
  return problem;
}
