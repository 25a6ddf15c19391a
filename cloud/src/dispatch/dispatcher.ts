import type { Logger } from 'pino';
import type { CategoryCatalogue } from '../categories/catalogue.js';
import type { Clock } from '../clock.js';
import type { Db } from '../db/db.js';
import type { EscalatedEvent } from '../deadlines/deadlines.js';
import { type Message, message } from '../i18n/message.js';
import {
  categoryLineage,
  type Incident,
  type IncidentEngine,
  IncidentError,
  type IncidentStep,
} from '../incidents/index.js';
import { incidentsAwaitingDispatch } from '../incidents/store.js';
import type { LivePush } from '../notify/live-push.js';
import type { Notification, NotificationChannel } from '../notify/notification.js';
import type { Notifier } from '../notify/notifier.js';
import { RobotChannel } from '../notify/robots.js';
import { SmsChannel, type SmsProvider } from '../notify/sms.js';
import type { RosterStore } from '../people/rosters.js';
import { dispatchedNotification, escalationNotification, operatorsNotification } from './messages.js';
import { chooseTarget, type DispatchTarget, operatorsOver, territoryOf } from './routing.js';
import type { DispatchSettings, DispatchStore, RobotOwner } from './store.js';

export const DISPATCH_ACTOR = 'cloud:dispatch';

/** How many incidents one sweep looks at, at most; the next sweep takes the rest. */
const SWEEP_LIMIT = 200;

export interface DispatcherOptions {
  db: Db;
  clock: Clock;
  logger: Logger;
  engine: IncidentEngine;
  catalogue: CategoryCatalogue;
  rosters: RosterStore;
  store: DispatchStore;
  notifier: Notifier;
  live: LivePush;
  /** SMS to assignees with a phone on file; without a provider no SMS goes out. */
  sms?: SmsProvider;
  /** How often the sweep looks for incidents the listener missed (a crash, another replica); default 5 s. */
  sweepMs?: number;
  /** Robot webhook timeout; default 5 s. */
  robotTimeoutMs?: number;
}

/** One decision of automatic dispatch (table `dispatch_decisions`). */
export interface DispatchDecision {
  incidentId: string;
  /** The incident's version when it was decided (the FILED one). */
  version: number;
  outcome: DispatchTarget['outcome'] | 'skipped';
  assignee: string | null;
  reason: string;
  recipients: string[];
  decidedAt: Date;
  doneAt: Date | null;
  /** `dispatched`, `notified`, or why the transition did not happen (the incident moved on). */
  result: string | null;
}

interface DecisionRow {
  incident_id: string;
  version: number;
  outcome: DispatchDecision['outcome'];
  assignee: string | null;
  reason: string;
  recipients: string[];
  decided_at: Date;
  done_at: Date | null;
  result: string | null;
}

const toDecision = (row: DecisionRow): DispatchDecision => ({
  incidentId: row.incident_id,
  version: Number(row.version),
  outcome: row.outcome,
  assignee: row.assignee,
  reason: row.reason,
  recipients: row.recipients,
  decidedAt: row.decided_at,
  doneAt: row.done_at,
  result: row.result,
});

/**
 * Automatic dispatch (docs/domain.md §3, FILED → DISPATCHED): a filed incident goes to the category's unit
 * serving the place, else the grid's on-duty worker, else it stays FILED and the operators over
 * its community are told. Urgent IoT incidents are accepted and filed first when the tenant's
 * policy says so. Every step is a transition as `system` with the request id
 * `dispatch:<incident>:<version>`, so a retry or a second replica finds its step taken and writes
 * nothing; the decision itself is one row per (incident, version), so replicas agree on it.
 *
 * It runs when the engine reports a committed change ({@link IncidentEngine.onChange}) and in a
 * sweep over the incidents table (FILED without a decision, urgent IoT not yet filed, decisions
 * not finished), which catches what a crash or another replica's engine left.
 */
export class Dispatcher {
  readonly store: DispatchStore;
  readonly live: LivePush;
  private readonly running = new Map<string, Promise<DispatchDecision | undefined>>();
  private unsubscribe?: () => void;
  private timer?: NodeJS.Timeout;
  private sweeping?: Promise<number>;
  private stopped = false;

  constructor(private readonly options: DispatcherOptions) {
    this.store = options.store;
    this.live = options.live;
  }

  start(): void {
    this.stopped = false;
    this.unsubscribe = this.options.engine.onChange(({ incident }) => {
      if (this.mayConcern(incident)) void this.consider(incident.id).catch(() => undefined);
    });
    this.timer = setInterval(() => {
      this.sweeping ??= this.sweep().finally(() => {
        this.sweeping = undefined;
      });
    }, this.options.sweepMs ?? 5000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    clearInterval(this.timer);
    await this.sweeping?.catch(() => 0);
    await Promise.allSettled([...this.running.values()]);
  }

  /** The decision taken for an incident at a version, if any. */
  async decision(incidentId: string, version: number): Promise<DispatchDecision | undefined> {
    const { rows } = await this.options.db.query<DecisionRow>(
      'SELECT * FROM dispatch_decisions WHERE incident_id = $1 AND version = $2',
      [incidentId, version],
    );
    return rows[0] && toDecision(rows[0]);
  }

  /**
   * Takes the incident as far as automatic dispatch goes now; resolves with its latest decision
   * (undefined when there never was one). Calls for one incident run one after
   * the other in this process; across processes the request ids and the decision row keep it single.
   */
  consider(incidentId: string): Promise<DispatchDecision | undefined> {
    const before = this.running.get(incidentId) ?? Promise.resolve(undefined);
    const next = before
      .catch(() => undefined)
      .then(() => this.run(incidentId))
      .catch((err: unknown) => {
        this.options.logger.error({ err, incident: incidentId }, 'automatic dispatch failed; the sweep retries');
        throw err;
      });
    this.running.set(incidentId, next);
    const forget = () => {
      if (this.running.get(incidentId) === next) this.running.delete(incidentId);
    };
    next.then(forget, forget);
    return next;
  }

  /** Everything the listener may have missed; resolves with how many incidents were looked at. */
  async sweep(): Promise<number> {
    if (this.stopped) return 0;
    try {
      const settings = await this.options.store.settings();
      // Decisions left half done, and incidents whose current version has no decision yet.
      const unfinished = await this.options.db.query<{ id: string }>(
        'SELECT DISTINCT incident_id AS id FROM dispatch_decisions WHERE done_at IS NULL LIMIT $1',
        [SWEEP_LIMIT],
      );
      const awaiting = await incidentsAwaitingDispatch(this.options.db, {
        fastTrackUrgentIot: settings.fastTrackUrgentIot,
        limit: SWEEP_LIMIT,
      });
      const ids = [...new Set([...unfinished.rows.map((row) => row.id), ...awaiting])].slice(0, SWEEP_LIMIT);
      for (const id of ids) {
        if (this.stopped) break;
        await this.consider(id).catch(() => undefined);
      }
      return ids.length;
    } catch (err) {
      this.options.logger.error({ err }, 'dispatch sweep failed; it retries');
      return 0;
    }
  }

  private mayConcern(incident: Incident): boolean {
    if (incident.closedAt !== null) return false;
    if (incident.state === 'FILED') return true;
    return (
      incident.source === 'iot' && incident.urgent && (incident.state === 'REPORTED' || incident.state === 'ACCEPTED')
    );
  }

  private async run(incidentId: string): Promise<DispatchDecision | undefined> {
    const { engine, db } = this.options;
    // Decisions a crash (or a failing database) left half done are finished first.
    const pending = await db.query<DecisionRow>(
      'SELECT * FROM dispatch_decisions WHERE incident_id = $1 AND done_at IS NULL ORDER BY version',
      [incidentId],
    );
    for (const row of pending.rows) {
      const incident = await engine.get(incidentId);
      if (incident !== undefined) await this.finish(incident, toDecision(row));
    }
    // accept, file, dispatch: at most three steps, each from the state the previous one left.
    for (let round = 0; round < 4; round++) {
      const incident = await engine.get(incidentId);
      if (incident === undefined) return undefined;
      if (incident.closedAt !== null) return this.latest(incidentId);
      const existing = await this.decision(incident.id, incident.version);
      if (existing !== undefined) return existing.doneAt === null ? this.finish(incident, existing) : existing;
      const settings = await this.options.store.settings();
      if (incident.state === 'REPORTED' || incident.state === 'ACCEPTED') {
        if (!settings.fastTrackUrgentIot || incident.source !== 'iot' || !incident.urgent)
          return this.latest(incidentId);
        const action = incident.state === 'REPORTED' ? 'accept' : 'file';
        const moved = await this.step(incident.id, incident.version, action, message('step.fast_track'));
        if (moved === 'refused') return this.latest(incidentId);
        continue;
      }
      if (incident.state !== 'FILED') return this.latest(incidentId);
      const decided = await this.decide(incident, settings);
      return decided.doneAt === null ? this.finish(incident, decided) : decided;
    }
    return this.latest(incidentId);
  }

  /** The incident's latest decision. */
  private async latest(incidentId: string): Promise<DispatchDecision | undefined> {
    const { rows } = await this.options.db.query<DecisionRow>(
      'SELECT * FROM dispatch_decisions WHERE incident_id = $1 ORDER BY version DESC LIMIT 1',
      [incidentId],
    );
    return rows[0] && toDecision(rows[0]);
  }

  /** One transition as `system`; a conflict means someone else moved the incident (look again). */
  private async step(
    incidentId: string,
    version: number,
    action: string,
    comment: Message,
    data?: Record<string, unknown>,
  ): Promise<{ step: IncidentStep; incident: Incident } | 'conflict' | 'refused'> {
    try {
      const result = await this.options.engine.transition({
        incidentId,
        action,
        requestId: `dispatch:${incidentId}:${version}`,
        expectedVersion: version,
        actor: DISPATCH_ACTOR,
        role: 'system',
        commentMessage: comment,
        ...(data === undefined ? {} : { data }),
      });
      return { step: result.step, incident: result.incident };
    } catch (err) {
      if (!(err instanceof IncidentError)) throw err;
      if (err.code === 'GL_INCIDENT_VERSION_CONFLICT' || err.code === 'GL_INCIDENT_REQUEST_REUSED') return 'conflict';
      // The tenant's state machine does not let the cloud do this: the operators do it by hand.
      this.options.logger.warn({ incident: incidentId, action, error: err.message }, 'automatic step refused');
      await this.record(
        incidentId,
        version,
        { outcome: 'skipped', assignee: null, reason: err.code, recipients: [] },
        'refused',
      );
      return 'refused';
    }
  }

  /** The decision for the incident's FILED version: the one already stored, else a new one. */
  private async decide(incident: Incident, settings: DispatchSettings): Promise<DispatchDecision> {
    const steps = await this.options.engine.steps(incident.id);
    // The step that left it FILED: records from a state to itself (the property's findings, 督办,
    // notices up the chain) say nothing about where the work came from, escalations excepted.
    const last = steps.findLast((step) => step.fromState !== step.toState || step.action === 'escalate');
    let target: Omit<DispatchDecision, 'incidentId' | 'version' | 'decidedAt' | 'doneAt' | 'result'>;
    if (!settings.autoDispatch)
      target = { outcome: 'skipped', assignee: null, reason: 'auto_dispatch_off', recipients: [] };
    else if (last?.action === 'escalate')
      // Escalations are the deadlines' business: the centre above decides.
      target = { outcome: 'skipped', assignee: null, reason: 'escalated', recipients: [] };
    else if (last?.action === 'recall')
      // The centre took the work back to decide again: automatic dispatch would undo that.
      target = { outcome: 'skipped', assignee: null, reason: 'recalled', recipients: [] };
    else {
      const chosen = await chooseTarget(
        { db: this.options.db, catalogue: this.options.catalogue, rosters: this.options.rosters },
        incident,
        this.options.clock(),
      );
      // 退件: the party it went to said "not ours"; sending it back to them would loop.
      const returned = last?.action === 'return' && chosen.outcome !== 'operators';
      target = returned
        ? { outcome: 'operators', assignee: null, reason: 'returned', recipients: await this.operators(incident) }
        : chosen.outcome === 'operators'
          ? { outcome: 'operators', assignee: null, reason: chosen.reason, recipients: chosen.recipients }
          : { outcome: chosen.outcome, assignee: chosen.assignee, reason: chosen.reason, recipients: [] };
    }
    return this.record(incident.id, incident.version, target, target.outcome === 'skipped' ? 'skipped' : null);
  }

  private async operators(incident: Incident): Promise<string[]> {
    return operatorsOver(this.options.db, incident.place.community ?? incident.place.grid?.slice(0, 12));
  }

  /** Stores the decision unless one exists (another replica's wins); returns the stored one. */
  private async record(
    incidentId: string,
    version: number,
    target: Pick<DispatchDecision, 'outcome' | 'assignee' | 'reason' | 'recipients'>,
    doneWith: string | null,
  ): Promise<DispatchDecision> {
    const now = this.options.clock();
    await this.options.db.query(
      `INSERT INTO dispatch_decisions
              (incident_id, district, version, outcome, assignee, reason, recipients, decided_at, done_at, result)
       VALUES ($1, (SELECT district FROM incidents WHERE id = $1), $2, $3, $4, $5, $6::jsonb, $7, $8, $9) ON CONFLICT (incident_id, version) DO NOTHING`,
      [
        incidentId,
        version,
        target.outcome,
        target.assignee,
        target.reason,
        JSON.stringify(target.recipients),
        now,
        doneWith === null ? null : now,
        doneWith,
      ],
    );
    return (await this.decision(incidentId, version)) as DispatchDecision;
  }

  /** Carries a decision out: the dispatch transition, then the notifications; then marks it done. */
  private async finish(incident: Incident, decision: DispatchDecision): Promise<DispatchDecision> {
    let result: string;
    if (decision.outcome === 'disposal_unit' || decision.outcome === 'grid_worker') {
      const moved = await this.step(
        decision.incidentId,
        decision.version,
        'dispatch',
        // `unit_type gas_company`: the reason's code, then what it names.
        message('step.auto_dispatch', { reason: decision.reason.split(' ')[0] }),
        {
          assignee: decision.assignee,
          assignee_kind: decision.outcome,
          reason: decision.reason,
        },
      );
      if (moved === 'conflict' || moved === 'refused') {
        result = moved === 'conflict' ? 'superseded' : 'refused';
      } else {
        await this.notifyDispatched(moved.incident, moved.step.version, decision);
        result = 'dispatched';
      }
    } else if (decision.outcome === 'operators') {
      await this.notifyOperators(incident, decision);
      result = 'notified';
    } else result = 'skipped';
    await this.options.db.query(
      'UPDATE dispatch_decisions SET done_at = $3, result = $4 WHERE incident_id = $1 AND version = $2 AND done_at IS NULL',
      [decision.incidentId, decision.version, this.options.clock(), result],
    );
    return (await this.decision(decision.incidentId, decision.version)) as DispatchDecision;
  }

  private async notifyDispatched(incident: Incident, version: number, decision: DispatchDecision): Promise<void> {
    const assignee = decision.assignee as string;
    const channels: NotificationChannel[] = [this.options.live];
    let userIds: string[];
    let to: { kind: 'you' } | { kind: 'unit'; unit: string };
    if (decision.outcome === 'disposal_unit') {
      userIds = await this.unitUsers(assignee);
      to = { kind: 'unit', unit: assignee };
      channels.push(...(await this.robotChannels({ kind: 'disposal_unit', id: assignee })));
    } else {
      userIds = [assignee];
      to = { kind: 'you' };
      if (this.options.sms) channels.push(new SmsChannel(this.options.sms, (id) => this.options.store.phoneOf(id)));
    }
    if (await this.alertsCommunity(incident)) channels.push(...(await this.communityRobots(incident)));
    await this.send(incident, dispatchedNotification(incident, version, to, userIds, this.options.clock()), channels);
  }

  /**
   * Tells the next link of the chain when the deadlines module escalates (docs/domain.md §4): a
   * life-safety incident nobody signed for goes to the grid chief and the community's operators,
   * then the street's; a breached limit tells the operators of the level it moved to. Live push,
   * SMS and the community's robot groups; each key once.
   */
  async notifyEscalation(event: EscalatedEvent): Promise<void> {
    const { incident } = event;
    // A drill exercises the gateway-to-worker path, not the chain above it: the street's and the
    // district's centres are never told of one.
    if (incident.drill) {
      this.options.logger.info({ incident: incident.id, kind: event.kind }, 'a drill is not escalated to anyone');
      return;
    }
    const level = event.kind === 'level' ? event.level : event.notify;
    const code = territoryOf(incident);
    const digits: Record<string, number> = { district: 6, street: 9, community: 12, grid: 15 };
    const over = code?.slice(0, digits[level] ?? code.length);
    const userIds = new Set(await operatorsOver(this.options.db, over));
    // An incident never waits on a level nobody staffs: without a centre at (or above) that level,
    // the highest centre over the incident is told, whose operators may dispatch it (an operator
    // acts on everything inside its centre's territory, whatever the level); never an administrator,
    // who configures and cannot act on incidents.
    if (userIds.size === 0 && code !== undefined) {
      // The highest centre below the level (street, then community), the one closest to it.
      for (let length = (over?.length ?? code.length) + 3; length <= code.length && userIds.size === 0; length += 3)
        for (const id of await operatorsOver(this.options.db, code.slice(0, length))) userIds.add(id);
      this.options.logger.warn(
        { incident: incident.id, level, told: [...userIds] },
        'no centre staffs the level the incident went to; the nearest centre is told',
      );
    }
    if (event.kind === 'notification_chain' && level === 'community' && incident.place.grid) {
      const { rows } = await this.options.db.query<{ user_id: string }>(
        "SELECT user_id FROM grid_members WHERE grid_code = $1 AND position = 'grid_chief'",
        [incident.place.grid],
      );
      for (const row of rows) userIds.add(row.user_id);
    }
    const channels: NotificationChannel[] = [this.options.live, ...(await this.communityRobots(incident))];
    if (this.options.sms) channels.push(new SmsChannel(this.options.sms, (id) => this.options.store.phoneOf(id)));
    const reason =
      event.kind === 'notification_chain'
        ? { kind: 'unsigned' as const, level, minutes: event.unsignedMinutes }
        : { kind: 'overdue' as const, level, stepSeq: event.step.seq };
    await this.send(
      incident,
      escalationNotification(incident, reason, [...userIds].sort(), this.options.clock()),
      channels,
    );
  }

  private async notifyOperators(incident: Incident, decision: DispatchDecision): Promise<void> {
    const channels: NotificationChannel[] = [this.options.live];
    if (this.options.sms) channels.push(new SmsChannel(this.options.sms, (id) => this.options.store.phoneOf(id)));
    if (await this.alertsCommunity(incident)) channels.push(...(await this.communityRobots(incident)));
    const notification = operatorsNotification(
      incident,
      decision.version,
      decision.reason,
      decision.recipients,
      this.options.clock(),
    );
    if (decision.recipients.length === 0)
      this.options.logger.warn({ incident: incident.id, reason: decision.reason }, 'no operator over the incident');
    await this.send(incident, notification, channels);
  }

  /**
   * A drill's notices stay in the app (live push to the people on it): no SMS, no robot group, no
   * one outside is ever told of an exercise as if it were real.
   */
  private async send(incident: Incident, notification: Notification, channels: NotificationChannel[]): Promise<void> {
    const outward = incident.drill ? channels.filter((channel) => channel === this.options.live) : channels;
    const outcome = await this.options.notifier.notify(notification, outward);
    this.options.logger.info({ incident: notification.incidentId, key: notification.key, outcome }, 'notified');
  }

  /** Urgent, critical, or of a life-safety category (tenant data): the community's groups hear of it. */
  private async alertsCommunity(incident: Incident): Promise<boolean> {
    if (incident.urgent || incident.severity === 'critical') return true;
    const { lifeSafetyCategories } = await this.options.store.settings();
    return categoryLineage(incident.categoryCode).some((code) => lifeSafetyCategories.includes(code));
  }

  private async communityRobots(incident: Incident): Promise<NotificationChannel[]> {
    const community = incident.place.community ?? incident.place.grid?.slice(0, 12);
    return community === undefined ? [] : this.robotChannels({ kind: 'community', id: community });
  }

  private async robotChannels(owner: RobotOwner): Promise<NotificationChannel[]> {
    const robots = await this.options.store.robots(owner);
    return robots.map(
      (robot) =>
        new RobotChannel({
          name: `robot:${owner.kind}:${owner.id}:${robot.name}`,
          kind: robot.kind,
          webhook: robot.webhook,
          policy: this.options.store.webhookPolicy,
          ...(robot.secret === null ? {} : { secret: robot.secret }),
          ...(this.options.robotTimeoutMs === undefined ? {} : { timeoutMs: this.options.robotTimeoutMs }),
        }),
    );
  }

  private async unitUsers(unitId: string): Promise<string[]> {
    const { rows } = await this.options.db.query<{ user_id: string }>(
      `SELECT r.user_id FROM role_assignments r JOIN users u ON u.id = r.user_id
        WHERE r.role = 'disposal_unit' AND r.scope = $1 AND u.active ORDER BY r.user_id`,
      [unitId],
    );
    return rows.map((row) => row.user_id);
  }
}
