import type { CloudEvent } from '@gridlink/protocol';
import express from 'express';
import type { Logger } from 'pino';
import { callbackPlugin } from './callback/plugin.js';
import { REPORTER_CONTACT_SOURCES, type ReporterContactSource } from './callback/reporter-contact.js';
import { cameraEvidencePlugin } from './camera-evidence/plugin.js';
import { categoriesPlugin } from './categories/plugin.js';
import type { Clock } from './clock.js';
import { coHandlingGrants } from './co-handling/access.js';
import { coHandlingPlugin } from './co-handling/plugin.js';
import type { CoHandlingStore } from './co-handling/store.js';
import { commandCentrePlugin } from './command-centre/plugin.js';
import { commissioningPlugin } from './commissioning/plugin.js';
import type { Db } from './db/db.js';
import type { Deadlines } from './deadlines/index.js';
import { devicesPlugin } from './devices/plugin.js';
import { eligibleAssignees } from './dispatch/eligibility.js';
import { dispatchPlugin } from './dispatch/plugin.js';
import type { DispatchRoutesContext } from './dispatch/routes.js';
import { downlinkPlugin } from './downlink/plugin.js';
import type { DownlinkQueue } from './downlink/queue.js';
import { fleetPlugin } from './fleet/plugin.js';
import type { ClientCertificates } from './gateways/auth.js';
import { gatewaysPlugin } from './gateways/plugin.js';
import type { GatewayRegistry } from './gateways/registry.js';
import { hotlinePlugin } from './hotline/plugin.js';
import { hotlineCallerContact } from './hotline/reporter-contact.js';
import { HotlineStore } from './hotline/store.js';
import { createApp } from './http/app.js';
import type { HttpPlugin } from './http/plugin.js';
import { incidentStreamPlugin } from './incident-stream/plugin.js';
import type { IncidentStreams } from './incident-stream/streams.js';
import type { AssigneeLister } from './incidents/action-routes.js';
import type { IncidentEngine } from './incidents/engine.js';
import type { IncidentGrants } from './incidents/grants.js';
import { incidentsPlugin } from './incidents/plugin.js';
import { intakePlugin } from './intake/plugin.js';
import { kpiPlugin } from './kpi/plugin.js';
import { mediationPlugin } from './mediation/plugin.js';
import { type CloudMetrics, statusClass } from './metrics/cloud-metrics.js';
import { metricsRoute } from './metrics/route.js';
import type { SmsProvider } from './notify/sms.js';
import { patrolPlugin } from './patrol/plugin.js';
import type { ApiTokenLimits } from './people/api-tokens.js';
import { createPeople, type People } from './people/people.js';
import { peoplePlugin } from './people/plugin.js';
import type { SessionStoreOptions } from './people/sessions.js';
import { propertyPlugin } from './property/plugin.js';
import { residentContactSeal } from './residents/context.js';
import type { ResidentLimits } from './residents/limits.js';
import { residentsPlugin } from './residents/plugin.js';
import { residentReporterContact } from './residents/reporter-contact.js';
import { ResidentStore } from './residents/store.js';
import { settingsPlugin } from './settings/plugin.js';
import { territoryPlugin } from './territory/plugin.js';
import type { WebPagesOptions } from './web/pages.js';
import { webPlugin } from './web/plugin.js';
import { worklogPlugin } from './worklog/plugin.js';

export interface AppContext {
  db: Db;
  clock: Clock;
  registry: GatewayRegistry;
  downlink: DownlinkQueue;
  adminToken: string;
  /**
   * Derives the keys personal data is sealed with at rest (`privacy.data_secret`, else the admin
   * token): the same on every replica.
   */
  dataSecret: string;
  logger: Logger;
  version: string;
  /** How often a held long-poll looks for messages queued by another replica. */
  downlinkRecheckMs: number;
  /** Gateway client certificates on top of tokens (`http.tls.client_certificates`). */
  clientCertificates: ClientCertificates;
  incidents: IncidentEngine;
  /** Time limits: `GET /incidents/{id}` shows the open step's deadline and light. */
  deadlines?: Deadlines;
  /** Co-handling (多部门联动): its routes, and the reads it grants co-handling and copied units. */
  coHandling?: CoHandlingStore;
  /** Live push and community robots (automatic dispatch); without it those routes are absent. */
  dispatch?: DispatchRoutesContext;
  /** The live incident streams (`GET /incidents/stream`); without it that route is absent. */
  incidentStreams?: IncidentStreams;
  /** Called with the events each batch stored, after the gateway has its answer. */
  onEventsStored?: (events: CloudEvent[]) => void;
  /** Largest file `POST /incidents/{id}/attachments` takes (`attachments.max_bytes`); default 10 MiB. */
  attachmentMaxBytes?: number;
  /** How long a fresh camera snapshot may take before it counts as failed (`attachments.snapshot_request_timeout_s`). */
  snapshotRequestTimeoutMs?: number;
  /** Login limits and, in tests, a wrapped password check (`auth.login` of the configuration). */
  login?: SessionStoreOptions;
  /** How long integrations' API tokens live (`auth.api_tokens`); default 365 days, at most 730. */
  apiTokens?: ApiTokenLimits;
  /**
   * Proxies whose `X-Forwarded-For` names the client (`http.trusted_proxies`, addresses or CIDRs);
   * from anyone else the header is ignored, so a client cannot choose the address it is limited by.
   */
  trustedProxies?: readonly string[];
  /** The web pages' map tiles (`web` of the configuration); without them maps draw areas only. */
  web?: WebPagesOptions;
  /** Sends residents' SMS codes and tracking codes; without one, residents report anonymously only. */
  sms?: SmsProvider;
  /** Limits of the residents' public endpoints; see the defaults. */
  residentLimits?: Partial<ResidentLimits>;
  /** Hosts an Open311 client's `media_url` may name (never fetched); none: every media_url is refused. */
  open311MediaHosts?: readonly string[];
  /** True once shutdown began: connections are not kept alive. */
  stopping(): boolean;
  /** Counted on every answer and served on `/metrics`; without it no `/metrics`. */
  metrics?: CloudMetrics;
  /** The bearer token `/metrics` wants (`http.metrics_token`); unset, `/metrics` refuses everyone. */
  metricsToken?: string | undefined;
}

/** What every plugin may take: the context, the people (one instance: it holds the login throttle) and the rules features lend each other. */
export interface PluginContext extends AppContext {
  people: People;
  eligibleAssignees: AssigneeLister;
  /** Reads of incidents granted beyond the scope (co-handling units). */
  incidentGrants?: IncidentGrants;
  /** Where the callback queue finds a reporter's phone: each feature that seals one lends a source. */
  reporterContacts: readonly ReporterContactSource[];
}

/** The reporter's phone, wherever the report kept it: a user's contact, a resident's report, a hotline order. */
function reporterContacts(ctx: AppContext): readonly ReporterContactSource[] {
  const residents = new ResidentStore(ctx.db, ctx.clock, residentContactSeal(ctx.dataSecret));
  return [
    ...REPORTER_CONTACT_SOURCES,
    residentReporterContact(residents),
    hotlineCallerContact(new HotlineStore(ctx.db, ctx.clock, ctx.dataSecret)),
  ];
}

/**
 * The cloud's features over HTTP, in the order their routes are tried: a new feature is its folder
 * and one line here. Each plugin brings its routes and its part of `/openapi.json`.
 */
export const CLOUD_PLUGINS: readonly HttpPlugin<PluginContext>[] = [
  gatewaysPlugin,
  intakePlugin,
  downlinkPlugin,
  commissioningPlugin,
  peoplePlugin,
  dispatchPlugin,
  // Before the incidents', whose `/incidents/{id}` would take `stream` for an id.
  incidentStreamPlugin,
  // Before the incidents', so an incident's files include the camera snapshots that wait for it.
  cameraEvidencePlugin,
  // Before the incidents', so `/incidents/{id}/hotline…` is its own.
  hotlinePlugin,
  // Before the incidents', whose `/incidents/{id}` routes would otherwise see `co-handling` first.
  coHandlingPlugin,
  incidentsPlugin,
  callbackPlugin,
  kpiPlugin,
  commandCentrePlugin,
  settingsPlugin,
  categoriesPlugin,
  territoryPlugin,
  devicesPlugin,
  propertyPlugin,
  patrolPlugin,
  fleetPlugin,
  worklogPlugin,
  mediationPlugin,
  residentsPlugin,
  webPlugin,
];

/** The cloud's HTTP API and web pages, assembled from {@link CLOUD_PLUGINS}. */
export function createCloudApp(ctx: AppContext): express.Express {
  const people = createPeople(ctx.db, ctx.clock, {
    ...(ctx.login === undefined ? {} : { login: ctx.login }),
    ...(ctx.apiTokens === undefined ? {} : { apiTokens: ctx.apiTokens }),
  });
  const { metrics } = ctx;
  const ops =
    metrics === undefined
      ? {}
      : {
          onAnswer: (status: number) => metrics.httpResponses.inc({ class: statusClass(status) }),
          opsRoutes: express.Router().get('/metrics', metricsRoute(metrics.register, ctx.metricsToken)),
        };
  const incidentGrants = ctx.coHandling === undefined ? undefined : coHandlingGrants(ctx.coHandling);
  return createApp({ ...ctx, ...ops }, CLOUD_PLUGINS, {
    ...ctx,
    people,
    eligibleAssignees,
    reporterContacts: reporterContacts(ctx),
    ...(incidentGrants === undefined ? {} : { incidentGrants }),
  });
}
