import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { DownlinkMessage } from '@gridlink/protocol';
import type { Logger } from 'pino';
import { createCloudApp } from './app.js';
import { verdictRecorder } from './callback/verdicts.js';
import { linkCameraSnapshots } from './camera-evidence/link-alerts.js';
import { CameraEvidenceStore } from './camera-evidence/store.js';
import { CategoryCatalogue } from './categories/catalogue.js';
import { type Clock, systemClock } from './clock.js';
import { CoHandlingStore, CoTaskEscalation, coHandlingGate } from './co-handling/index.js';
import type { CoNotify } from './co-handling/notices.js';
import type { CloudConfig } from './config/schema.js';
import type { Db } from './db/db.js';
import { type Migration, migrate } from './db/migrate.js';
import { openDatabase } from './db/open.js';
import { Deadlines } from './deadlines/index.js';
import { DeviceProjection } from './devices/device-projection.js';
import {
  assigneeCheck,
  Dispatcher,
  DispatchStore,
  type NotificationStreamLimits,
  NotificationStreams,
} from './dispatch/index.js';
import { DownlinkHub } from './downlink/hub.js';
import { DownlinkQueue, type EnqueueResult } from './downlink/queue.js';
import { GatewayRegistry } from './gateways/registry.js';
import { HotlinePushWorker } from './hotline/outbox.js';
import { queueStepPush } from './hotline/push-hook.js';
import { HotlineStore } from './hotline/store.js';
import { IncidentChangeFeed, type IncidentStreamLimits, IncidentStreams } from './incident-stream/index.js';
import { IncidentEngine } from './incidents/index.js';
import { MaintenancePolicy } from './maintenance/policy.js';
import { MediationRetention } from './mediation/retention.js';
import { createCloudMetrics } from './metrics/cloud-metrics.js';
import { LivePush } from './notify/live-push.js';
import { Notifier } from './notify/notifier.js';
import type { SmsProvider } from './notify/sms.js';
import { WebhookPolicy } from './notify/webhook-policy.js';
import { PartitionJob } from './partitions/job.js';
import { PatrolRetentionJob } from './patrol/retention.js';
import { RosterStore } from './people/rosters.js';
import { SessionSignals } from './people/session-signals.js';
import type { PasswordCheck } from './people/sessions.js';
import { withInstalledPlace, withInstalledPlaces } from './projections/alert-place.js';
import { EventProjector } from './projections/projector.js';
import { CommunityAlertProjection } from './property/alert-projection.js';
import { ReadingsProjection } from './readings/readings-projection.js';
import type { ResidentLimits } from './residents/limits.js';
import { TerritoryStore } from './territory/store.js';
import { CLOUD_VERSION } from './version.js';
import { WorklogRetention } from './worklog/retention.js';

const ALERT_TYPES = ['cn.gridlink.alert.raised.v1', 'cn.gridlink.alert.updated.v1', 'cn.gridlink.alert.cleared.v1'];

export interface StartCloudOptions {
  /** The time used for tokens and records; tests move it to test grace periods. */
  clock?: Clock;
  /** Use this database instead of opening the configured one (it is closed by `stop()` all the same). */
  db?: Db;
  /**
   * The migrations this replica applies: all of `cloud/migrations` unless given. A rolling-upgrade
   * test gives fewer, to run a replica of the previous schema beside one of the latest.
   */
  migrations?: readonly Migration[];
  /** How often held long-polls re-check for messages queued by another replica; default 1000 ms. */
  downlinkRecheckMs?: number;
  /** How old stored events must be before the projections' sweep takes them; default 30 s. */
  projectionSettleMs?: number;
  /** How often the deadline timers are swept; default 5000 ms. */
  deadlineSweepMs?: number;
  /** SMS gateway for dispatch notifications and residents' codes; without one no SMS goes out. */
  smsProvider?: SmsProvider;
  /** Limits of the residents' public endpoints (tests lower them); see the defaults. */
  residentLimits?: Partial<ResidentLimits>;
  /** How often the maintenance policy sweeps the devices for faults; default 60 s. */
  maintenanceSweepMs?: number;
  /** How often automatic dispatch sweeps for incidents its listener missed; default 5000 ms. */
  dispatchSweepMs?: number;
  /** Heartbeat of the notification streams; default 25 s. */
  notificationHeartbeatMs?: number;
  /** Limits of the notification streams (per user, slow clients); see the defaults. */
  notificationStreamLimits?: Partial<NotificationStreamLimits>;
  /** Limits of the live incident streams (heartbeat, per user, slow clients, replay); see the defaults. */
  incidentStreamLimits?: Partial<IncidentStreamLimits>;
  /** Wraps the password check of logins (tests hold checks in flight with it). */
  passwordCheck?: PasswordCheck;
}

export interface RunningCloud {
  /** `http://host:port`, the base of `/api/v1`. */
  url: string;
  port: number;
  db: Db;
  registry: GatewayRegistry;
  /** Grid incidents: the closed loop, and the incidents gateway alerts became. */
  incidents: IncidentEngine;
  /** Time limits: deadlines, lights, supervision and escalation; `on('escalated' | 'supervised', …)`. */
  deadlines: Deadlines;
  /** Co-handling (多部门联动): its store, and the sweep escalating overdue co-tasks (tests call `sweep()`). */
  coHandling: { store: CoHandlingStore; escalation: CoTaskEscalation };
  /** Automatic dispatch and its notifications (`dispatch.store`: robots, phones, tenant policy). */
  dispatch: Dispatcher;
  /** Incident changes as this replica hears them (from every replica), feeding `GET /incidents/stream`. */
  incidentChanges: IncidentChangeFeed;
  /** Queues a downlink message for a gateway (for other cloud modules); idempotent on the message id. */
  enqueueDownlink(gatewayId: string, message: DownlinkMessage): Promise<EnqueueResult>;
  /** Long-polls currently held open. */
  heldPolls(): number;
  /** Delivers hotline push-backs (`drain()` delivers what is due now; tests stop and restart it). */
  hotlinePush: HotlinePushWorker;
  /** Answers held polls, stops the HTTP server and closes the database. */
  stop(): Promise<void>;
}

/**
 * Starts the cloud from a validated configuration: opens the database, applies migrations (safe
 * with several replicas starting at once), then serves the HTTP API.
 */
export async function startCloud(
  config: CloudConfig,
  logger: Logger,
  options: StartCloudOptions = {},
): Promise<RunningCloud> {
  const clock = options.clock ?? systemClock;
  const db = options.db ?? (await openDatabase(config, logger));
  const log = logger.child({ module: 'cloud' });
  let stopping = false;
  const hub = new DownlinkHub();
  let server: Server | undefined;
  let stopProjections: () => Promise<void> = async () => {};
  let stopDeadlines: () => Promise<void> = async () => {};
  let stopDispatch: () => Promise<void> = async () => {};
  let stopIncidentStreams: () => Promise<void> = async () => {};
  let stopSessionSignals: () => Promise<void> = async () => {};
  let stopHotline: () => Promise<void> = async () => {};
  let stopCoHandling: () => Promise<void> = async () => {};
  // Set once the notifier exists (it is made after the engine and its guards).
  let coNotices: CoNotify = async () => {};

  try {
    const { applied } = await migrate(db, options.migrations);
    if (applied.length > 0) log.info({ applied }, 'database migrated');

    const registry = new GatewayRegistry(db, clock, config.auth.token_grace_s);
    const downlink = new DownlinkQueue(db, clock, hub);
    const incidents = new IncidentEngine(db, clock);
    // A person's dispatch goes only to a unit or grid worker eligible for the category and place.
    incidents.onStep(assigneeCheck());
    // Every callback step's verdict (satisfaction, solved, channel) checked and kept in callback_verdicts.
    incidents.onStep(verdictRecorder());
    // Time limits (docs/domain.md §4): deadlines written with each step, durable timers swept on every replica.
    const deadlines = new Deadlines(db, incidents, {
      clock,
      logger: logger.child({ module: 'deadlines' }),
      ...(options.deadlineSweepMs === undefined ? {} : { intervalMs: options.deadlineSweepMs }),
    });
    await deadlines.start();
    stopDeadlines = () => deadlines.stop();
    // Co-handling (docs/domain.md §3): the lead's gate on the step into HANDLED.
    const coHandling = new CoHandlingStore(db, clock, (notification) => coNotices(notification));
    incidents.onGuard(coHandlingGate(coHandling));
    const territory = new TerritoryStore(db);
    // Gateway alerts become grid incidents: at once as they arrive, and by a sweep of the stored
    // events that catches up after a restart or when another replica took the request.
    const cameraEvidence = new CameraEvidenceStore(db, clock);
    const alertsToIncidents = new EventProjector(db, {
      name: 'incidents-from-alerts',
      types: ALERT_TYPES,
      handle: async ({ event }) => {
        await incidents.fromAlert(await withInstalledPlace(territory, event), { drill: event.drill === true });
      },
      // A batch in one transaction: a few statements for many alerts. A drill's alerts are their
      // own batch: an exercise never joins a real incident, nor a real alert a drill's.
      handleBatch: async (stored) => {
        for (const drill of [false, true]) {
          const events = stored.map(({ event }) => event).filter((event) => (event.drill === true) === drill);
          if (events.length > 0) await incidents.fromAlerts(await withInstalledPlaces(db, events), { drill });
        }
      },
      logger: logger.child({ module: 'incidents' }),
      clock,
      ...(options.projectionSettleMs === undefined ? {} : { settleMs: options.projectionSettleMs }),
    });
    alertsToIncidents.start();
    // Devices as their gateways report them (inventory, availability, health), the same way.
    const devices = new DeviceProjection(db, {
      clock,
      logger: logger.child({ module: 'devices' }),
      healthRetentionDays: config.devices.health_retention_days,
      ...(options.projectionSettleMs === undefined ? {} : { settleMs: options.projectionSettleMs }),
    });
    devices.start();
    // The devices' readings, summarised per window, for the device page charts.
    const readings = new ReadingsProjection(db, {
      clock,
      logger: logger.child({ module: 'readings' }),
      retentionDays: config.devices.readings_retention_days,
      ...(options.projectionSettleMs === undefined ? {} : { settleMs: options.projectionSettleMs }),
    });
    readings.start();
    // Every gateway alert is kept for the community's property, alert_only ones included.
    const communityAlerts = new CommunityAlertProjection(db, {
      clock,
      logger: logger.child({ module: 'property' }),
      ...(options.projectionSettleMs === undefined ? {} : { settleMs: options.projectionSettleMs }),
    });
    communityAlerts.start();
    // Device faults and silent gateways become maintenance tickets for the property.
    const maintenance = new MaintenancePolicy(db, incidents, {
      clock,
      logger: logger.child({ module: 'maintenance' }),
      ...(options.maintenanceSweepMs === undefined ? {} : { sweepMs: options.maintenanceSweepMs }),
    });
    maintenance.start();
    // Patrol positions older than the tenant's retention are deleted (privacy).
    const patrolRetention = new PatrolRetentionJob(db, clock, logger.child({ module: 'patrol' }));
    patrolRetention.start();
    // Work-log entries past the tenant's retention are pruned, hourly.
    const worklogRetention = new WorklogRetention(db, clock, logger.child({ module: 'worklog' }));
    worklogRetention.start();
    // Mediation parties' personal data is erased once their case has been closed past the retention.
    const mediationRetention = new MediationRetention(db, clock, logger.child({ module: 'mediation' }));
    mediationRetention.start();
    // The history tables' monthly partitions: the coming months made ahead, months past retention dropped.
    const partitions = new PartitionJob(db, clock, logger.child({ module: 'partitions' }), {
      monthsAhead: config.partitions.months_ahead,
      retentionMonths: config.partitions.retention_months,
      healthRetentionDays: config.devices.health_retention_days,
      readingsRetentionDays: config.devices.readings_retention_days,
    });
    partitions.start();
    stopProjections = async () => {
      await partitions.stop();
      await mediationRetention.stop();
      await patrolRetention.stop();
      await worklogRetention.stop();
      await maintenance.stop();
      await alertsToIncidents.stop();
      await devices.stop();
      await readings.stop();
      await communityAlerts.stop();
    };
    // Filed incidents go to their unit, grid worker or operators; the people concerned are told.
    // Streams held open end at once when their user's sessions or roles change, on any replica.
    const sessionSignals = new SessionSignals(db, logger.child({ module: 'sessions' }));
    await sessionSignals.start();
    stopSessionSignals = () => sessionSignals.stop();
    const live = new LivePush();
    const streams = new NotificationStreams(
      live,
      {
        ...options.notificationStreamLimits,
        ...(options.notificationHeartbeatMs === undefined ? {} : { heartbeatMs: options.notificationHeartbeatMs }),
      },
      sessionSignals,
    );
    const notifier = new Notifier(db, clock, logger.child({ module: 'notify' }));
    // Units named on an incident are told through the live push (their task list shows it too).
    coNotices = async (notification) => {
      await notifier.notify(notification, [live]);
    };
    const dispatch = new Dispatcher({
      db,
      clock,
      logger: logger.child({ module: 'dispatch' }),
      engine: incidents,
      catalogue: new CategoryCatalogue(db),
      rosters: new RosterStore(db, clock),
      store: new DispatchStore(db, clock, new WebhookPolicy(config.robots.allowed_hosts)),
      notifier: notifier,
      live,
      ...(options.smsProvider === undefined ? {} : { sms: options.smsProvider }),
      ...(options.dispatchSweepMs === undefined ? {} : { sweepMs: options.dispatchSweepMs }),
    });
    dispatch.start();
    // A co-handling unit letting its task's deadline pass is escalated to the centre, as overdue steps are.
    const coEscalation = new CoTaskEscalation(db, {
      clock,
      logger: logger.child({ module: 'co-handling' }),
      notify: async (notification) => {
        await notifier.notify(notification, [live]);
      },
      ...(options.deadlineSweepMs === undefined ? {} : { intervalMs: options.deadlineSweepMs }),
    });
    coEscalation.start();
    stopCoHandling = () => coEscalation.stop();
    // Escalations of the time limits reach people: the grid chief and the centres up the chain.
    deadlines.on('escalated', (event) => {
      dispatch.notifyEscalation(event).catch((err: unknown) => log.error({ err }, 'escalation notice failed'));
    });
    stopDispatch = async () => {
      streams.close();
      await dispatch.stop();
    };
    // Live incident lists: one listening connection per replica hears every replica's changes.
    const incidentChanges = new IncidentChangeFeed({ db, clock, logger: logger.child({ module: 'incident-stream' }) });
    await incidentChanges.start();
    const incidentStreams = new IncidentStreams(
      db,
      incidentChanges,
      logger.child({ module: 'incident-stream' }),
      options.incidentStreamLimits,
      sessionSignals,
    );
    stopIncidentStreams = async () => {
      incidentStreams.close();
      await incidentChanges.stop();
    };
    // Hotline push-backs: queued in each step's transaction, delivered in order per order.
    const hotlineStore = new HotlineStore(db, clock, config.privacy.data_secret ?? config.auth.admin_token);
    incidents.onStep(queueStepPush);
    const hotlinePush = new HotlinePushWorker({
      db,
      clock,
      store: hotlineStore,
      logger: logger.child({ module: 'hotline' }),
    });
    await hotlinePush.start();
    stopHotline = () => hotlinePush.stop();
    // Read at scrape time: the database's answer, the timers running late, the polls held.
    const metrics = createCloudMetrics({ db, clock, heldPolls: () => hub.held });
    const app = createCloudApp({
      metrics,
      metricsToken: config.http.metrics_token,
      db,
      clock,
      registry,
      downlink,
      adminToken: config.auth.admin_token,
      dataSecret: config.privacy.data_secret ?? config.auth.admin_token,
      logger,
      version: CLOUD_VERSION,
      downlinkRecheckMs: options.downlinkRecheckMs ?? 1000,
      clientCertificates: config.http.tls.client_certificates,
      attachmentMaxBytes: config.attachments.max_bytes,
      snapshotRequestTimeoutMs: config.attachments.snapshot_request_timeout_s * 1000,
      trustedProxies: config.http.trusted_proxies,
      ...(options.smsProvider === undefined ? {} : { sms: options.smsProvider }),
      ...(options.residentLimits === undefined ? {} : { residentLimits: options.residentLimits }),
      web: {
        ...(config.web.map_tile_url ? { mapTileUrl: config.web.map_tile_url } : {}),
        mapAttribution: config.web.map_attribution,
      },
      apiTokens: { defaultDays: config.auth.api_tokens.default_days, maxDays: config.auth.api_tokens.max_days },
      login: {
        limits: {
          perAddressBurst: config.auth.login.per_address_burst,
          perAddressPerMinute: config.auth.login.per_address_per_minute,
          concurrentChecks: config.auth.login.concurrent_checks,
          queuedChecks: config.auth.login.queued_checks,
        },
        ...(options.passwordCheck === undefined ? {} : { passwordCheck: options.passwordCheck }),
      },
      incidents,
      deadlines,
      coHandling,
      dispatch: { store: dispatch.store, streams, clock },
      incidentStreams,
      onEventsStored: (events) => {
        // A camera snapshot that overtook its alert joins the incident as soon as the alert made it.
        void alertsToIncidents.handleNew(events).then(() => linkCameraSnapshots(cameraEvidence, events));
        void devices.handleNew(events);
        void readings.handleNew(events);
        void communityAlerts.handleNew(events);
      },
      stopping: () => stopping,
    });
    const tls = config.http.tls;
    // Client certificates are requested but checked per route (auth.ts), so a wrong one gets a
    // problem document naming the mismatch instead of a failed handshake.
    const listening: Server = tls.enabled
      ? createTlsServer(
          {
            cert: readFileSync(tls.cert_file as string),
            key: readFileSync(tls.key_file as string),
            ...(tls.ca_file ? { ca: readFileSync(tls.ca_file) } : {}),
            requestCert: tls.client_certificates !== 'off',
            rejectUnauthorized: false,
          },
          app,
        )
      : createServer(app);
    server = listening;
    // Held polls last up to 30 s; the default 5 s keep-alive and request timeouts are too short for them.
    listening.keepAliveTimeout = 65_000;
    listening.requestTimeout = 120_000;
    await new Promise<void>((resolve, reject) => {
      listening.once('error', reject);
      listening.listen(config.http.port, config.http.host, () => {
        listening.off('error', reject);
        resolve();
      });
    });
    const { port } = listening.address() as AddressInfo;
    const host = config.http.host.includes(':') ? `[${config.http.host}]` : config.http.host;
    const url = `${tls.enabled ? 'https' : 'http'}://${host === '0.0.0.0' ? '127.0.0.1' : host === '[::]' ? '[::1]' : host}:${port}`;
    log.info({ url, backend: db.backend, version: CLOUD_VERSION }, 'cloud listening');

    let stopped: Promise<void> | undefined;
    return {
      url,
      port,
      db,
      registry,
      incidents,
      deadlines,
      coHandling: { store: coHandling, escalation: coEscalation },
      dispatch,
      incidentChanges,
      hotlinePush,
      enqueueDownlink: (gatewayId, message) => downlink.enqueue(gatewayId, message),
      heldPolls: () => hub.held,
      stop() {
        stopped ??= (async () => {
          stopping = true;
          hub.close();
          await stopProjections();
          await stopDeadlines();
          await stopHotline();
          await stopCoHandling();
          await stopDispatch();
          await stopIncidentStreams();
          await stopSessionSignals();
          await closeServer(listening);
          await db.close().catch((err: unknown) => log.warn({ err }, 'closing the database failed'));
          log.info('cloud stopped');
        })();
        return stopped;
      },
    };
  } catch (err) {
    await stopProjections();
    await stopDeadlines();
    await stopHotline();
    await stopCoHandling();
    await stopDispatch();
    await stopIncidentStreams();
    await stopSessionSignals();
    if (server?.listening) await closeServer(server);
    await db.close().catch(() => {});
    throw err;
  }
}

/**
 * Stops accepting, lets answering requests finish (held polls were just answered), then cuts the
 * rest. Connections turn idle as their last response goes out, so idle ones are closed repeatedly.
 */
async function closeServer(server: Server): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  const idle = setInterval(() => server.closeIdleConnections(), 25);
  const timer = setTimeout(() => server.closeAllConnections(), 2000);
  await closed;
  clearInterval(idle);
  clearTimeout(timer);
}
