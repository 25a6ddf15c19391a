import { EventEmitter } from 'node:events';
import { hostname } from 'node:os';
import type { TerritoryLevel } from '@gridlink/protocol';
import type { Logger } from 'pino';
import { CategoryCatalogue, CategoryError } from '../categories/catalogue.js';
import type { LimitedStep } from '../categories/schema.js';
import type { Clock } from '../clock.js';
import type { Db, Queryable } from '../db/db.js';
import { type Message, message } from '../i18n/message.js';
import type { PlannedIncident, StepHook, StepPlan } from '../incidents/engine.js';
import {
  categoryLineage,
  type Incident,
  type IncidentEngine,
  IncidentError,
  type IncidentStep,
  type TransitionResult,
} from '../incidents/index.js';
import type { DeadlineChange } from '../incidents/records.js';
import type { IncidentTimeLimits, IncidentTimeStatus } from '../incidents/time-status.js';
import { type TimeContext, type TrafficLight, timeContext } from '../time-limits/index.js';
import { measuredSpan, type ResponseStatus, responseStatus } from './arrival.js';
import {
  breachOf,
  type ClockReading,
  clockLimit,
  everBreached,
  extensionOf,
  governingLimit,
  openClock,
  readClock,
  type StepClock,
  unsignedSince,
} from './clock.js';
import {
  ARRIVAL_MEASURE,
  DeadlineSettings,
  type DeadlineSettingsInput,
  EXTENSION_ACTIONS,
  PAUSED_STATES,
  RESTART_ACTIONS,
  type SupervisionLevel,
  supervisionRank,
} from './rules.js';

/** The time limit of an incident's open step, as the API shows it. */
export interface IncidentTimeLimit {
  step: LimitedStep;
  startedAt: Date;
  /** Null while suspended (the clock stands still). */
  deadline: Date | null;
  /** Red from the first breach of the step until the step is done, whatever the clock of a new level says. */
  light: ClockReading['light'];
  /** When the step's limit was first passed (the deadline breached), or null. */
  overdueSince: Date | null;
  used: number;
  paused: boolean;
}

const LOOP_CLOSED = new Set(['CLOSED', 'EVALUATED', 'ARCHIVED']);

/**
 * An open incident's light as read at some time, and when a running clock turns yellow and red
 * (null while suspended, once breached, or without a limit): the light at a later time follows
 * without reading the clock again ({@link lightAt}), until the incident takes a step.
 */
export interface LightSchedule {
  light: TrafficLight | null;
  yellowAt: Date | null;
  redAt: Date | null;
}

/** The light of a {@link LightSchedule} at `at` (not before the time it was read). */
export function lightAt(schedule: LightSchedule, at: Date): TrafficLight | null {
  if (schedule.light === null || schedule.light === 'red') return schedule.light;
  if (schedule.redAt !== null && at >= schedule.redAt) return 'red';
  if (schedule.yellowAt !== null && at >= schedule.yellowAt) return 'yellow';
  return schedule.light;
}

/** A category × severity × step limit as the catalogue gives it. */
type CatalogueLimit = Awaited<ReturnType<CategoryCatalogue['limitFor']>>;

/** A closed incident shows no light but its loop's outcome. */
const closedStatus = (incident: Incident, steps: readonly IncidentStep[]): IncidentTimeStatus => ({
  light: null,
  overdue_since: null,
  due_by: null,
  outcome: LOOP_CLOSED.has(incident.state) ? (everBreached(steps) ? 'late' : 'on_time') : null,
});

const openStatus = (limit: IncidentTimeLimit | null): IncidentTimeStatus => ({
  light: limit?.light ?? null,
  overdue_since: limit?.overdueSince ?? null,
  due_by: limit?.deadline ?? null,
  outcome: null,
});

export interface SupervisedEvent {
  incident: Incident;
  step: IncidentStep;
  supervision: SupervisionLevel;
  /** `yellow`: the light turned yellow; `breach`: the limit was passed. */
  reason: 'yellow' | 'breach';
  limitedStep: LimitedStep;
}

export type EscalatedEvent =
  /** A breached limit moved the incident one level up (community → street → district). */
  | { kind: 'level'; incident: Incident; step: IncidentStep; level: TerritoryLevel; limitedStep: LimitedStep }
  /** A life-safety incident nobody signed for: tell the next link of the chain (community, then street). */
  | {
      kind: 'notification_chain';
      incident: Incident;
      step: IncidentStep;
      notify: TerritoryLevel;
      unsignedMinutes: number;
    };

export interface DeadlineEvents {
  supervised: [SupervisedEvent];
  escalated: [EscalatedEvent];
}

export interface DeadlinesOptions {
  clock: Clock;
  logger?: Logger;
  /** How often the sweep looks for due timers; default 5 s. */
  intervalMs?: number;
  /** How long a claimed timer is held before another replica may take it over; default 60 s. */
  leaseMs?: number;
  /** Names this replica on the timers it claims; default host:pid:random. */
  owner?: string;
  /** Settings used instead of the `deadline_settings` row (tests, single-tenant overrides). */
  settings?: DeadlineSettingsInput;
}

interface TimerRow {
  id: number;
  incident_id: string;
  step_seq: number;
  kind: string;
  limited_step: string;
  due_at: Date;
}

type Decision =
  | { do: 'cancel' }
  | { do: 'skip' }
  | { do: 'reschedule'; at: Date }
  | { do: 'act'; action: 'supervise' | 'overdue' | 'notifyUp'; data: Record<string, unknown> };

const ACTOR = 'cloud:deadlines';
const TIMER_REQUEST = /^timer:(\d+)$/;

/**
 * Time limits on incidents (docs/domain.md §4). Every step the engine writes passes through a hook, in its
 * transaction: the step gets the deadline of the clock now running (`incident_steps.deadline`) and
 * the light of the clock it ended or continued (`light`), and the incident's durable timers are
 * set (yellow, red, the unsigned chain). A sweep on each replica claims due timers one at a time
 * (FOR UPDATE SKIP LOCKED and a lease) and acts with the request id `timer:<id>`, so a timer writes
 * at most one step however many replicas race. Listeners hear `supervised` and `escalated`.
 */
/** The time-limit state as the incident pages show it; declared by the incidents, whose routes read it. */
export type { IncidentTimeStatus };

export class Deadlines extends EventEmitter<DeadlineEvents> implements IncidentTimeLimits {
  private readonly owner: string;
  private readonly detach: () => void;
  private readonly contexts = new Map<string, TimeContext>();
  /** What planning steps reads, kept for the rest of its transaction (the key: the transaction's handle). */
  private readonly readInTransaction = new WeakMap<
    Queryable,
    { settings: Promise<DeadlineSettings>; limits: Map<string, ReturnType<CategoryCatalogue['limitsFor']>> }
  >();
  private timer?: NodeJS.Timeout;
  private running?: Promise<number>;
  private again = false;
  private stopped = true;

  constructor(
    private readonly db: Db,
    private readonly engine: IncidentEngine,
    private readonly options: DeadlinesOptions,
  ) {
    super();
    this.owner = options.owner ?? `${hostname()}:${process.pid}:${Math.random().toString(36).slice(2, 8)}`;
    this.detach = engine.onPlan((plan) => this.plan(plan));
  }

  /** Seeds the category catalogue when it is empty (limits come from it), then sweeps every interval. */
  async start(): Promise<void> {
    const { rows } = await this.db.query('SELECT 1 FROM categories LIMIT 1');
    if (rows.length === 0) await new CategoryCatalogue(this.db).seed();
    this.stopped = false;
    this.timer = setInterval(() => this.notify(), this.options.intervalMs ?? 5000);
    this.timer.unref();
    this.notify();
  }

  /** Stops the sweep (the hook keeps writing deadlines while the engine runs). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.running?.catch(() => 0);
  }

  /** Stops and no longer writes deadlines on the engine's steps. */
  async close(): Promise<void> {
    await this.stop();
    this.detach();
  }

  /** Runs a sweep now (or once more after the one running). */
  notify(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.sweep()
      .catch((err: unknown) => {
        this.options.logger?.error({ err }, 'deadline sweep failed; it retries');
        return 0;
      })
      .finally(() => {
        this.running = undefined;
        if (this.again) {
          this.again = false;
          this.notify();
        }
      });
  }

  /** Handles every timer due now, one claim at a time; resolves with how many were handled. */
  async sweep(): Promise<number> {
    let handled = 0;
    for (let timer = await this.claim(); timer !== undefined; timer = await this.claim()) {
      handled += 1;
      try {
        await this.fire(timer);
      } catch (err) {
        // Left claimed: another sweep retries once the lease is over.
        this.options.logger?.warn({ err, timer: timer.id }, 'timer not handled; retried after its lease');
        await this.db.query('UPDATE incident_timers SET last_error = $2 WHERE id = $1', [
          timer.id,
          (err as Error).message ?? String(err),
        ]);
      }
    }
    return handled;
  }

  /** The tenant's deadline settings: the options', else the stored row, else the defaults. */
  async settings(q: Queryable = this.db): Promise<DeadlineSettings> {
    if (this.options.settings !== undefined) return DeadlineSettings.parse(this.options.settings);
    const { rows } = await q.query<{ settings: unknown }>('SELECT settings FROM deadline_settings');
    return DeadlineSettings.parse(rows[0]?.settings ?? {});
  }

  /** Stores the tenant's settings (validated); deadlines written later use them. */
  async setSettings(input: DeadlineSettingsInput): Promise<DeadlineSettings> {
    const settings = DeadlineSettings.parse(input);
    await this.db.query(
      `INSERT INTO deadline_settings (id, settings, updated_at) VALUES (true, $1::jsonb, $2)
       ON CONFLICT (id) DO UPDATE SET settings = excluded.settings, updated_at = excluded.updated_at`,
      [JSON.stringify(settings), this.options.clock()],
    );
    return settings;
  }

  /**
   * The time limit of the incident's open step at `now`, from its step records: deadline (pushed by
   * suspensions, moved by extensions) and traffic light. Null when no limit runs (e.g. archived).
   */
  async lightOf(
    incident: Incident,
    steps: readonly IncidentStep[],
    now: Date = this.options.clock(),
  ): Promise<IncidentTimeLimit | null> {
    const settings = await this.settings();
    const catalogue = new CategoryCatalogue(this.db);
    return this.limitOf(incident, steps, now, settings, (step) =>
      catalogue.limitFor(incident.categoryCode, incident.severity, step),
    );
  }

  /** {@link lightOf} with the settings read and the catalogue's limit found by the caller. */
  private async limitOf(
    incident: Incident,
    steps: readonly IncidentStep[],
    now: Date,
    settings: DeadlineSettings,
    limitFor: (step: LimitedStep) => Promise<CatalogueLimit>,
  ): Promise<IncidentTimeLimit | null> {
    return (await this.readingOf(incident, steps, now, settings, limitFor))?.limit ?? null;
  }

  private async readingOf(
    incident: Incident,
    steps: readonly IncidentStep[],
    now: Date,
    settings: DeadlineSettings,
    limitFor: (step: LimitedStep) => Promise<CatalogueLimit>,
  ): Promise<{ limit: IncidentTimeLimit; reading: ClockReading; breached: boolean } | null> {
    const clock = openClock(steps);
    if (clock === undefined) return null;
    const reading = await this.readWith(incident, clock, now, settings, limitFor);
    if (reading === undefined) return null;
    const { step, startedAt, deadline, used, paused } = reading;
    const breach = breachOf(steps);
    const overdueSince = breach?.since ?? (reading.light === 'red' ? deadline : null);
    const light = breach !== undefined ? 'red' : reading.light;
    return {
      limit: { step, startedAt, deadline, light, overdueSince, used, paused },
      reading,
      breached: breach !== undefined,
    };
  }

  /**
   * The light of many open incidents and when it will change, for the screens that colour thousands
   * of them and read them again every minute: the settings are read once and each category ×
   * severity × step limit once, not once per incident; {@link lightAt} gives the light at a later
   * time without reading the clocks again, until the incident takes a step.
   */
  async lightSchedulesOf(
    incidents: readonly Incident[],
    stepsOf: ReadonlyMap<string, readonly IncidentStep[]>,
    now: Date = this.options.clock(),
  ): Promise<Map<string, LightSchedule>> {
    const settings = await this.settings();
    const catalogue = new CategoryCatalogue(this.db);
    const limits = new Map<string, Promise<CatalogueLimit>>();
    const schedules = new Map<string, LightSchedule>();
    for (const incident of incidents) {
      if (incident.closedAt !== null) {
        schedules.set(incident.id, { light: null, yellowAt: null, redAt: null });
        continue;
      }
      const read = await this.readingOf(incident, stepsOf.get(incident.id) ?? [], now, settings, (step) => {
        const key = `${incident.categoryCode} ${incident.severity} ${step}`;
        let found = limits.get(key);
        if (found === undefined) {
          found = catalogue.limitFor(incident.categoryCode, incident.severity, step);
          // A refusal is remembered like an answer: the same lookup would be refused again.
          found.catch(() => undefined);
          limits.set(key, found);
        }
        return found;
      });
      // Once breached it stays red until the step is done; a suspended clock stands still.
      const running = read !== null && !read.breached && !read.reading.paused;
      schedules.set(incident.id, {
        light: read?.limit.light ?? null,
        yellowAt: running ? read.reading.yellowAt : null,
        redAt: running ? read.reading.redAt : null,
      });
    }
    return schedules;
  }

  /** What the incident list and detail show of the time limits (see {@link IncidentTimeStatus}). */
  async statusOf(
    incident: Incident,
    steps: readonly IncidentStep[],
    now: Date = this.options.clock(),
  ): Promise<IncidentTimeStatus> {
    if (incident.closedAt !== null) return closedStatus(incident, steps);
    return openStatus(await this.lightOf(incident, steps, now));
  }

  /**
   * The arrival measure of the current round of work (到场时效, {@link ARRIVAL_MEASURE}): from the
   * dispatch to the assignee's `arrive`, against the catalogue's `arrive` limit; null before any
   * dispatch or when the catalogue sets no such limit.
   */
  async arrivalOf(
    incident: Incident,
    steps: readonly IncidentStep[],
    now: Date = this.options.clock(),
  ): Promise<ResponseStatus | null> {
    if (measuredSpan(steps, ARRIVAL_MEASURE) === undefined) return null;
    let base: Awaited<ReturnType<CategoryCatalogue['limitFor']>>;
    try {
      base = await new CategoryCatalogue(this.db).limitFor(
        incident.categoryCode,
        incident.severity,
        ARRIVAL_MEASURE.limitedStep,
      );
    } catch (err) {
      if (err instanceof CategoryError) return null;
      throw err;
    }
    const ctx = this.context(await this.settings());
    return responseStatus(steps, ARRIVAL_MEASURE, clockLimit(base, incident.urgent, []), ctx, now) ?? null;
  }

  private context(settings: DeadlineSettings): TimeContext {
    const key = JSON.stringify(settings.time);
    let ctx = this.contexts.get(key);
    if (ctx === undefined) {
      ctx = timeContext(settings.time);
      this.contexts.set(key, ctx);
    }
    return ctx;
  }

  /** Reads a clock; undefined when the catalogue has no limit for its step. */
  private read(
    q: Queryable,
    incident: Incident,
    clock: StepClock,
    now: Date,
    settings: DeadlineSettings,
  ): Promise<ClockReading | undefined> {
    // Inside a step's transaction every query goes through it (PGlite has one connection).
    const catalogue = new CategoryCatalogue(q as Db);
    return this.readWith(incident, clock, now, settings, (step) =>
      catalogue.limitFor(incident.categoryCode, incident.severity, step),
    );
  }

  private async readWith(
    incident: PlannedIncident,
    clock: StepClock,
    now: Date,
    settings: DeadlineSettings,
    limitFor: (step: LimitedStep) => Promise<CatalogueLimit>,
  ): Promise<ClockReading | undefined> {
    let base: CatalogueLimit;
    try {
      base = await limitFor(clock.step);
    } catch (err) {
      if (err instanceof CategoryError) return undefined;
      throw err;
    }
    const ctx = this.context(settings);
    // The one place a clock's limit is chosen: the category's, or the incident's external deadline when stricter.
    const start = governingLimit(base, incident.urgent, clock, incident.externalDeadline, ctx);
    const limit = clockLimit(start, incident.urgent, clock.extensions);
    return readClock(clock, limit, now, ctx, settings.thresholds);
  }

  /** Which incidents run the unsigned chain: urgent ones, and those of the tenant's listed categories. */
  private isLifeSafety(incident: PlannedIncident, settings: DeadlineSettings): boolean {
    return (
      incident.urgent ||
      categoryLineage(incident.categoryCode).some((code) => settings.unsignedCategories.includes(code))
    );
  }

  /**
   * The planner: the step's deadline and light, set before it is written; once it is, the
   * incident's timers brought up to date.
   */
  private async plan({ tx, incident, step, earlier }: StepPlan): Promise<StepHook> {
    if (EXTENSION_ACTIONS.has(step.action) && extensionOf(step) === undefined)
      throw new IncidentError(
        'GL_INCIDENT_INVALID_INPUT',
        `action "${step.action}" needs data.extra: the limit added, e.g. { "value": 2, "unit": "working_days" }`,
      );
    // Read once per transaction: a batch of alerts plans many creation steps in one.
    let read = this.readInTransaction.get(tx);
    if (read === undefined) {
      read = { settings: this.settings(tx), limits: new Map() };
      this.readInTransaction.set(tx, read);
    }
    const settings = await read.settings;
    const steps = [...earlier, step];
    const [previous, clock] = [openClock(earlier), openClock(steps)];
    // The clock before the step and after it are read with their steps' limits, read at once.
    const limited = [previous?.step, clock?.step].filter((open) => open !== undefined);
    const key = JSON.stringify([incident.categoryCode, incident.severity, limited]);
    const limitFor = async (limitedStep: LimitedStep) => {
      let limits = read.limits.get(key);
      if (limits === undefined) {
        limits = new CategoryCatalogue(tx as Db).limitsFor(incident.categoryCode, incident.severity, limited);
        read.limits.set(key, limits);
      }
      return (await limits)(limitedStep);
    };
    const readAt = async (open: StepClock | undefined, at: Date) => {
      if (open === undefined) return undefined;
      try {
        return await this.readWith(incident, open, at, settings, limitFor);
      } catch (err) {
        if (!(err instanceof RangeError)) throw err;
        throw new IncidentError('GL_INCIDENT_INVALID_INPUT', `the extension does not fit the limit: ${err.message}`);
      }
    };
    const before = await readAt(previous, step.at);
    const now = await readAt(clock, step.at);
    step.deadline = now?.deadline ?? null;
    // The clock it ended or continued: red once its step was breached, even if a new level's clock runs.
    step.light = before === undefined ? null : breachOf(earlier) !== undefined ? 'red' : before.light;
    step.deadlineChange = deadlineChangeOf(step, earlier.at(-1), clock, now, before, incident);

    const wanted: Array<{ seq: number; kind: string; step: LimitedStep; due: Date }> = [];
    // A closed incident keeps its callback deadline but is neither supervised nor escalated.
    if (now?.yellowAt && now.redAt && incident.closedAt === null) {
      wanted.push({ seq: now.startSeq, kind: 'yellow', step: now.step, due: now.yellowAt });
      wanted.push({ seq: now.startSeq, kind: 'red', step: now.step, due: now.redAt });
    }
    const since = this.isLifeSafety(incident, settings) ? unsignedSince(steps) : undefined;
    if (since !== undefined)
      settings.unsignedChain.forEach((_, index) => {
        const minutes = (index + 1) * settings.unsignedMinutes;
        wanted.push({ seq: since.seq, kind: `chain:${index + 1}`, step: 'sign', due: plusMinutes(since.at, minutes) });
      });
    return (written) => this.writeTimers(written.tx, written.incident.id, step, wanted);
  }

  /** The incident's timers after a step: the one it fired marked, those no longer wanted cancelled, the wanted made or moved. */
  private async writeTimers(
    tx: Queryable,
    incidentId: string,
    step: Pick<IncidentStep, 'seq' | 'requestId' | 'at'>,
    wanted: ReadonlyArray<{ seq: number; kind: string; step: LimitedStep; due: Date }>,
  ): Promise<void> {
    const fired = TIMER_REQUEST.exec(step.requestId)?.[1];
    if (fired !== undefined)
      await tx.query(
        `UPDATE incident_timers SET fired_at = $3, outcome = 'fired', claimed_until = NULL
          WHERE id = $1 AND incident_id = $2 AND fired_at IS NULL`,
        [Number(fired), incidentId, step.at],
      );
    // A creation step's incident has no timers yet to cancel.
    if (step.seq > 1)
      await tx.query(
        `UPDATE incident_timers SET cancelled_at = $2
          WHERE incident_id = $1 AND fired_at IS NULL AND cancelled_at IS NULL
            AND NOT ((step_seq::text || ' ' || kind) = ANY($3::text[]))`,
        [incidentId, step.at, wanted.map((timer) => `${timer.seq} ${timer.kind}`)],
      );
    // The wanted timers made or moved in one statement, however many there are.
    if (wanted.length > 0)
      await tx.query(
        `INSERT INTO incident_timers (incident_id, district, step_seq, kind, limited_step, due_at, created_at)
         SELECT $1, (SELECT district FROM incidents WHERE id = $1), w.seq, w.kind, w.step, w.due, $2
           FROM unnest($3::integer[], $4::text[], $5::text[], $6::timestamptz[]) AS w(seq, kind, step, due)
         ON CONFLICT (incident_id, step_seq, kind) DO UPDATE SET due_at = excluded.due_at, cancelled_at = NULL
          WHERE incident_timers.fired_at IS NULL`,
        [
          incidentId,
          step.at,
          wanted.map((timer) => timer.seq),
          wanted.map((timer) => timer.kind),
          wanted.map((timer) => timer.step),
          wanted.map((timer) => timer.due),
        ],
      );
  }

  /** Takes the next due timer nobody holds, for a lease; undefined when none is due. */
  private async claim(): Promise<TimerRow | undefined> {
    if (this.stopped && this.timer !== undefined) return undefined;
    const now = this.options.clock();
    const { rows } = await this.db.query<TimerRow>(
      `UPDATE incident_timers SET claimed_until = $2, owner = $3, attempts = attempts + 1
        WHERE id = (SELECT id FROM incident_timers
                     WHERE fired_at IS NULL AND cancelled_at IS NULL AND due_at <= $1
                       AND (claimed_until IS NULL OR claimed_until <= $1)
                     ORDER BY due_at, id LIMIT 1 FOR UPDATE SKIP LOCKED)
          AND fired_at IS NULL AND cancelled_at IS NULL AND (claimed_until IS NULL OR claimed_until <= $1)
        RETURNING id, incident_id, step_seq, kind, limited_step, due_at`,
      [now, new Date(now.getTime() + (this.options.leaseMs ?? 60_000)), this.owner],
    );
    const row = rows[0];
    return row && { ...row, id: Number(row.id) };
  }

  /** Decides what a claimed timer does now and does it; retried when the incident moved meanwhile. */
  private async fire(timer: TimerRow): Promise<void> {
    for (let attempt = 0; ; attempt += 1) {
      const now = this.options.clock();
      const incident = await this.engine.get(timer.incident_id);
      const steps = incident ? await this.engine.steps(incident.id) : [];
      const settings = await this.settings();
      const decision = incident ? await this.decide(timer, incident, steps, now, settings) : { do: 'cancel' as const };
      if (decision.do === 'cancel' || decision.do === 'skip') {
        await this.db.query(
          `UPDATE incident_timers SET ${decision.do === 'cancel' ? 'cancelled_at' : 'fired_at'} = $3,
                  outcome = $4, claimed_until = NULL
            WHERE id = $1 AND owner = $2 AND fired_at IS NULL`,
          [timer.id, this.owner, now, decision.do === 'cancel' ? 'stale' : 'skipped'],
        );
        return;
      }
      if (decision.do === 'reschedule') {
        await this.db.query(
          'UPDATE incident_timers SET due_at = $3, claimed_until = NULL WHERE id = $1 AND owner = $2 AND fired_at IS NULL',
          [timer.id, this.owner, decision.at],
        );
        return;
      }
      let result: TransitionResult;
      try {
        result = await this.engine.transition({
          incidentId: timer.incident_id,
          action: decision.action,
          requestId: `timer:${timer.id}`,
          expectedVersion: (incident as Incident).version,
          actor: ACTOR,
          role: 'system',
          commentMessage: commentOf(decision, timer),
          data: decision.data,
        });
      } catch (err) {
        // Another step came first: decide again on the incident as it is now.
        if (err instanceof IncidentError && err.code === 'GL_INCIDENT_VERSION_CONFLICT' && attempt < 5) continue;
        throw err;
      }
      await this.db.query(
        `UPDATE incident_timers SET fired_at = COALESCE(fired_at, $2), outcome = COALESCE(outcome, 'fired'),
                claimed_until = NULL WHERE id = $1`,
        [timer.id, now],
      );
      if (!result.repeated) this.announce(decision, result, timer, settings);
      return;
    }
  }

  private async decide(
    timer: TimerRow,
    incident: Incident,
    steps: readonly IncidentStep[],
    now: Date,
    settings: DeadlineSettings,
  ): Promise<Decision> {
    if (timer.kind.startsWith('chain:')) {
      const link = Number(timer.kind.slice('chain:'.length));
      const notify = settings.unsignedChain[link - 1];
      const since = unsignedSince(steps);
      if (!this.isLifeSafety(incident, settings) || since?.seq !== timer.step_seq || notify === undefined)
        return { do: 'cancel' };
      return {
        do: 'act',
        action: 'notifyUp',
        data: { notify, link, unsigned_minutes: link * settings.unsignedMinutes, unsigned_since: since.at },
      };
    }
    const clock = openClock(steps);
    if (clock === undefined || clock.startSeq !== timer.step_seq || incident.closedAt !== null) return { do: 'cancel' };
    const reading = await this.read(this.db, incident, clock, now, settings);
    if (reading === undefined || reading.paused) return { do: 'cancel' };
    const current = supervisionRank(incident.supervision);
    const about = { step: reading.step, deadline: reading.deadline, used: Math.round(reading.used * 1000) / 1000 };
    if (timer.kind === 'yellow') {
      if (reading.light === 'green')
        return reading.yellowAt ? { do: 'reschedule', at: reading.yellowAt } : { do: 'cancel' };
      const target = settings.yellowSupervision;
      if (current >= supervisionRank(target)) return { do: 'skip' };
      return { do: 'act', action: 'supervise', data: { supervision: target, reason: 'yellow', ...about } };
    }
    if (reading.light !== 'red') return reading.redAt ? { do: 'reschedule', at: reading.redAt } : { do: 'cancel' };
    const breach = settings.breachSupervision;
    const supervision = current >= supervisionRank(breach) ? incident.supervision : breach;
    if (incident.level !== 'district')
      return {
        do: 'act',
        action: 'overdue',
        data: { supervision, reason: 'breach', from_level: incident.level, ...about },
      };
    // At the top level there is nobody above: red card only.
    if (current >= supervisionRank(breach)) return { do: 'skip' };
    return { do: 'act', action: 'supervise', data: { supervision, reason: 'breach', ...about } };
  }

  private announce(
    decision: Extract<Decision, { do: 'act' }>,
    { incident, step }: TransitionResult,
    timer: TimerRow,
    settings: DeadlineSettings,
  ): void {
    const limitedStep = timer.limited_step as LimitedStep;
    try {
      if (decision.action === 'notifyUp') {
        const link = Number(decision.data.link);
        this.emit('escalated', {
          kind: 'notification_chain',
          incident,
          step,
          notify: decision.data.notify as TerritoryLevel,
          unsignedMinutes: link * settings.unsignedMinutes,
        });
        return;
      }
      const reason = decision.data.reason as SupervisedEvent['reason'];
      this.emit('supervised', { incident, step, supervision: incident.supervision, reason, limitedStep });
      if (decision.action === 'overdue')
        this.emit('escalated', { kind: 'level', incident, step, level: incident.level, limitedStep });
    } catch (err) {
      this.options.logger?.error({ err, incident: incident.id }, 'a deadline listener failed');
    }
  }
}

/** Why the step's deadline differs from the one the step before carried; null when it does not. */
function deadlineChangeOf(
  step: Omit<IncidentStep, 'incidentId'>,
  previous: IncidentStep | undefined,
  clock: StepClock | undefined,
  now: ClockReading | undefined,
  before: ClockReading | undefined,
  incident: PlannedIncident,
): DeadlineChange | null {
  const from = previous?.deadline ?? null;
  const to = step.deadline;
  if ((from?.getTime() ?? null) === (to?.getTime() ?? null)) return null;
  const change = { from: from?.toISOString() ?? null, to: to?.toISOString() ?? null };
  if (now === undefined || clock === undefined) return { ...change, reason: 'ended', step: before?.step ?? null };
  if (now.paused) return { ...change, reason: 'paused', step: now.step };
  if (clock.startSeq === step.seq) {
    if (RESTART_ACTIONS.has(step.action))
      return { ...change, reason: 'restarted', step: now.step, level: incident.level };
    return { ...change, reason: 'started', step: now.step };
  }
  if (EXTENSION_ACTIONS.has(step.action)) return { ...change, reason: 'extended', step: now.step };
  if (step.fromState !== null && PAUSED_STATES.has(step.fromState))
    return { ...change, reason: 'resumed', step: now.step };
  return { ...change, reason: 'recomputed', step: now.step };
}

function plusMinutes(at: Date, minutes: number): Date {
  return new Date(at.getTime() + minutes * 60_000);
}

function commentOf(decision: Extract<Decision, { do: 'act' }>, timer: TimerRow): Message {
  if (decision.action === 'notifyUp')
    return message('step.unsigned_up', { minutes: decision.data.unsigned_minutes, level: decision.data.notify });
  if (decision.action === 'overdue') return message('step.overdue', { step: timer.limited_step });
  return message(decision.data.reason === 'yellow' ? 'step.yellow' : 'step.breach', {
    step: timer.limited_step,
    supervision: decision.data.supervision,
  });
}
