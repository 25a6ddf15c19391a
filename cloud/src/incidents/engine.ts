import {
  type AlertPayload,
  CATEGORY_SEEDS,
  type CloudEvent,
  type Place,
  type Severity,
  Supervision,
  type TerritoryLevel,
} from '@gridlink/protocol';
import type { Clock } from '../clock.js';
import type { Db, Queryable } from '../db/db.js';
import { retryDeadlocks } from '../db/locks.js';
import { DomainError } from '../http/domain-error.js';
import type { Message } from '../i18n/message.js';
import { categoryLineage } from './device-event-policy.js';
import { IncidentError } from './errors.js';
import { type AlertIntakeContext, type AlertOutcome, intakeAlerts, parseAlerts } from './from-alert.js';
import { type HeldAlertFilter, type HeldAlertPage, readHeldAlerts } from './held-alerts.js';

export type { AlertOutcome } from './from-alert.js';

import { nextIncidentId } from './incident-id.js';
import { parseInput, ReportInput, TransitionInput } from './inputs.js';
import { distanceTo, parseFix, placePosition } from './position.js';
import {
  type Attachment,
  type EvidenceRow,
  type Incident,
  type IncidentEvidence,
  type IncidentRow,
  type IncidentStep,
  toEvidence,
  toIncident,
} from './records.js';
import { incidentOfAlert, linkReportedAlert, lockReport } from './report-alert.js';
import type { IncidentRole } from './roles.js';
import { separationRefusal } from './separation.js';
import { type IncidentSettings, IncidentSettingsStore, policiesOf } from './settings.js';
import {
  DEFAULT_POLICIES,
  type IncidentPolicies,
  roleMayTake,
  rulesFrom,
  STATE_MACHINE,
  type StateMachine,
  type TransitionRule,
} from './state-machine.js';
import {
  addMergedOccurrences,
  draftStep,
  findReportedIncident,
  type IncidentChanges,
  insertIncident,
  insertStep,
  type NewIncident,
  type NewStep,
  readFirstStep,
  readIncidentRow,
  readStepOfRequest,
  readSteps,
  type StepLimit,
  type StepRequest,
  updateIncidentWithStep,
} from './store.js';

export interface IncidentEngineOptions {
  /** The state machine; the domain's table unless a tenant changed it. */
  machine?: StateMachine;
  /**
   * Fixed policies for the machine's `when` conditions instead of the stored incident settings
   * (tests that walk each variant of a rule). A running cloud gives none: the engine reads the
   * tenant's `incident_settings` row for every transition whose rule depends on them, so an
   * administrator's edit counts from the next one on.
   */
  policies?: Partial<IncidentPolicies>;
}

/** A step just written, inside its transaction (`tx`); the incident as the step left it. */
export interface StepWritten {
  tx: Queryable;
  incident: Incident;
  step: IncidentStep;
  rule: TransitionRule;
}

/**
 * Runs after each step is written, in the step's transaction (use `tx`, never another connection):
 * what it writes commits with the step, and a throw refuses the step (throw an IncidentError).
 */
export type StepHook = (written: StepWritten) => Promise<void>;

/** What a step's time limit depends on of its incident, as the step will leave it. */
export type PlannedIncident = Pick<
  Incident,
  'categoryCode' | 'severity' | 'urgent' | 'externalDeadline' | 'level' | 'closedAt'
>;

/** A step about to be written, as {@link StepPlanner}s see it: nothing of it is written yet. */
export interface StepPlan {
  tx: Queryable;
  incident: PlannedIncident;
  /** The step as it will be written (its incident may not be numbered yet); a planner fills its time limit. */
  step: Omit<IncidentStep, 'incidentId'>;
  /** The incident's steps before it, in order (none for a creation). */
  earlier: readonly IncidentStep[];
  rule: TransitionRule;
}

/**
 * Consulted before a step is written, in its transaction, once every check has passed: it only reads
 * (a throw, an IncidentError, refuses the step with nothing written) and fills the step's time limit
 * (deadline, light, deadlineChange), so the step is written whole in one statement. It returns what
 * it writes once the step is written, if anything: that runs before the step hooks.
 */
export type StepPlanner = (plan: StepPlan) => Promise<StepHook | undefined>;

/** What the planners made of a step: its time limit, and what they write once it is written. */
export interface PlannedStep {
  limit?: StepLimit;
  after: StepHook[];
}

/** A transition about to be taken by a person or the cloud, as {@link TransitionGuard}s see it. */
export interface TransitionCheck {
  tx: Queryable;
  /** The incident before the step (its row is locked). */
  incident: Incident;
  rule: TransitionRule;
  actor: string;
  role: IncidentRole;
}

/**
 * Consulted before a transition's step is written, in its transaction: a throw (a DomainError)
 * refuses the step and nothing is written. Another module's condition on a step, e.g. co-handling's
 * gate: the lead cannot report handled while a co-handling unit's task is open.
 */
export type TransitionGuard = (check: TransitionCheck) => Promise<void>;

export interface TransitionResult {
  /** The incident as it is now. */
  incident: Incident;
  /** The step this request wrote (the first time it was made). */
  step: IncidentStep;
  /** True when the request id had been used already: nothing was written. */
  repeated: boolean;
}

/** A committed change of an incident, as {@link IncidentEngine.onChange} listeners receive it. */
export interface IncidentChange {
  incident: Incident;
  /** The step written, when the change wrote one (alerts joining an incident write none). */
  step?: IncidentStep;
  /** True when the request had been made before: nothing was written this time. */
  repeated: boolean;
}

export type IncidentListener = (change: IncidentChange) => void;

const LEVELS: readonly TerritoryLevel[] = ['grid', 'community', 'street', 'district'];

/** The columns of an incident's place that a reported or alerted place fills (null where it is silent). */
function placeColumns(place: Partial<Place> | undefined) {
  return {
    community: place?.community ?? null,
    grid: place?.grid ?? null,
    building: place?.building ?? null,
    unit: place?.unit ?? null,
    floor: place?.floor ?? null,
    room: place?.room ?? null,
  };
}

/**
 * The closed loop of docs/domain.md §3. Every change is a step of the state machine, written with the
 * incident's new state in one transaction; steps are append-only and idempotent on request id.
 */
export class IncidentEngine {
  private readonly machine: StateMachine;
  private readonly fixedPolicies: Partial<IncidentPolicies> | undefined;
  private readonly settingsStore: IncidentSettingsStore;
  private readonly stepHooks: StepHook[] = [];
  private readonly planners: StepPlanner[] = [];
  private readonly guards: TransitionGuard[] = [];
  private readonly listeners = new Set<IncidentListener>();
  private readonly alertIntake: AlertIntakeContext;

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    options: IncidentEngineOptions = {},
  ) {
    this.machine = options.machine ?? STATE_MACHINE;
    this.fixedPolicies = options.policies;
    this.settingsStore = new IncidentSettingsStore(db, clock);
    this.alertIntake = {
      clock,
      // Read in the batch's transaction: an edit of the window counts from the next batch on.
      dedupWindowMs: async (tx) => (await this.settingsStore.get(tx)).dedup_window_seconds * 1000,
      // The creation rule has no `when`: it is the same under every policy.
      creation: rulesFrom(this.machine, null, DEFAULT_POLICIES)[0] as TransitionRule,
      planCreation: (tx, incident, step) => this.plan(tx, incident, step, async () => [], this.alertIntake.creation),
      afterStep: (tx, incident, step, rule, planned) => this.afterStep({ tx, incident, step, rule }, planned),
      followUp: async (tx, incidentId, action, requestId, commentMessage) => {
        const row = (await this.row(tx, incidentId, true)) as IncidentRow;
        const request: StepRequest = { action, requestId, actor: 'cloud', role: 'system', commentMessage };
        const rule = this.ruleFor(row, action, 'system', await this.policiesFor(row.state, action, tx));
        return (await this.apply(tx, row, rule, request)).incident;
      },
    };
  }

  /**
   * Calls `listener` after each transition, report or alert intake of this engine has committed
   * (other modules react to changes, e.g. automatic dispatch); returns the unsubscribe. Listeners
   * run synchronously and must not throw; what they start runs on its own. Not durable: a module
   * that must not miss a change also sweeps the tables.
   */
  onChange(listener: IncidentListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Adds a hook run after every step (time limits write deadlines and timers); returns its removal. */
  onStep(hook: StepHook): () => void {
    this.stepHooks.push(hook);
    return () => {
      const at = this.stepHooks.indexOf(hook);
      if (at >= 0) this.stepHooks.splice(at, 1);
    };
  }

  /** Adds a planner consulted before every step is written (time limits fill its deadline); returns its removal. */
  onPlan(planner: StepPlanner): () => void {
    this.planners.push(planner);
    return () => {
      const at = this.planners.indexOf(planner);
      if (at >= 0) this.planners.splice(at, 1);
    };
  }

  /** Adds a guard consulted before every transition (not creations); returns its removal. */
  onGuard(guard: TransitionGuard): () => void {
    this.guards.push(guard);
    return () => {
      const at = this.guards.indexOf(guard);
      if (at >= 0) this.guards.splice(at, 1);
    };
  }

  /** The tenant's incident settings in force (the stored row; GET|PUT /settings/incidents). */
  settings(): Promise<IncidentSettings> {
    return this.settingsStore.get();
  }

  /** The policies the state machine's `when` conditions read now: the fixed ones, else the stored settings. */
  async policies(q: Queryable = this.db): Promise<IncidentPolicies> {
    const stored = this.fixedPolicies === undefined ? policiesOf(await this.settingsStore.get(q)) : DEFAULT_POLICIES;
    return { ...stored, ...this.fixedPolicies };
  }

  /**
   * The policies that decide who may take `action` from `state`: read (in `q`) only when a rule of
   * that state and action has a `when`, so most steps cost no read of the settings. Other rules of
   * the state may differ from the stored policies: ask {@link policies} to list them all.
   */
  async policiesFor(state: string, action: string, q: Queryable = this.db): Promise<IncidentPolicies> {
    const conditional = this.machine.some(
      (rule) => rule.from === state && rule.action === action && rule.when !== undefined,
    );
    return conditional ? this.policies(q) : { ...DEFAULT_POLICIES, ...this.fixedPolicies };
  }

  /**
   * Asks the planners about a step before it is written; `earlier` reads the incident's steps before
   * it, only when a planner is there to need them.
   */
  private async plan(
    tx: Queryable,
    incident: PlannedIncident,
    step: Omit<NewStep, 'incidentId'>,
    earlier: () => Promise<IncidentStep[]>,
    rule: TransitionRule,
  ): Promise<PlannedStep> {
    if (this.planners.length === 0) return { after: [] };
    const before = await earlier();
    const draft = draftStep(step, (before.at(-1)?.seq ?? 0) + 1);
    const after: StepHook[] = [];
    for (const planner of this.planners) {
      const then = await planner({ tx, incident, step: draft, earlier: before, rule });
      if (then !== undefined) after.push(then);
    }
    return { limit: { deadline: draft.deadline, light: draft.light, deadlineChange: draft.deadlineChange }, after };
  }

  private async afterStep(written: StepWritten, planned: PlannedStep): Promise<void> {
    for (const hook of [...planned.after, ...this.stepHooks]) await hook(written);
  }

  async get(id: string): Promise<Incident | undefined> {
    const row = await this.row(this.db, id, false);
    return row && toIncident(row);
  }

  /** The incident's step records, in order. */
  steps(id: string): Promise<IncidentStep[]> {
    return readSteps(this.db, id);
  }

  /** Evidence learnt after intake, in the order it was recorded. */
  async evidence(id: string): Promise<IncidentEvidence[]> {
    const { rows } = await this.db.query<EvidenceRow>(
      'SELECT * FROM incident_evidence WHERE incident_id = $1 ORDER BY id',
      [id],
    );
    return rows.map(toEvidence);
  }

  /** Takes one action on an incident, or refuses with an {@link IncidentError} and writes nothing. */
  transition(input: TransitionInput): Promise<TransitionResult> {
    return this.announce(this.transitionOnce(input));
  }

  private async transitionOnce(input: TransitionInput): Promise<TransitionResult> {
    const request = parseInput(TransitionInput, input, 'transition');
    return this.db.transaction(async (tx) => {
      // The row lock serialises steps of one incident; everything below sees the latest of it.
      const row = await this.row(tx, request.incidentId, true);
      if (row === undefined)
        throw new IncidentError('GL_INCIDENT_NOT_FOUND', `incident ${request.incidentId} does not exist`, {
          incidentId: request.incidentId,
        });
      // A request taken again is answered with its step. Rather than look for that step before every
      // transition (a round trip each), the write refuses to write a request's step twice, and the
      // step is looked for only when the write or a check before it refuses (a refusal is thrown by
      // the engine, not by the database: the transaction can still read).
      let wrote = false;
      try {
        if (request.expectedVersion !== undefined && request.expectedVersion !== row.version)
          throw new IncidentError(
            'GL_INCIDENT_VERSION_CONFLICT',
            `incident ${row.id} changed meanwhile: it is at version ${row.version} in state ${row.state}, not at the expected version ${request.expectedVersion}; reload it and decide again`,
            { version: row.version, state: row.state, expectedVersion: request.expectedVersion },
          );
        const rule = this.ruleFor(
          row,
          request.action,
          request.role,
          await this.policiesFor(row.state, request.action, tx),
        );
        const refusal = await this.separation(tx, toIncident(row), rule, request.actor);
        if (refusal !== undefined) throw refusal;
        for (const guard of this.guards)
          await guard({ tx, incident: toIncident(row), rule, actor: request.actor, role: request.role });
        const { incident, step } = await this.apply(tx, row, rule, request, () => {
          wrote = true;
        });
        return { incident, step, repeated: false };
      } catch (err) {
        // Past the write, a refusal (a hook's) is the step's own; a database error ended the transaction.
        if (wrote || !(err instanceof DomainError)) throw err;
        return this.repeatedOr(err, tx, row, request);
      }
    });
  }

  /** The answer to a request that already wrote its step on the incident, else `refusal` thrown. */
  private async repeatedOr(
    refusal: DomainError,
    tx: Queryable,
    row: IncidentRow,
    request: TransitionInput,
  ): Promise<TransitionResult> {
    const done = await readStepOfRequest(tx, row.id, request.requestId, row.created_at);
    if (done === undefined) throw refusal;
    if (done.action !== request.action)
      throw new IncidentError(
        'GL_INCIDENT_REQUEST_REUSED',
        `request ${request.requestId} was already used for "${done.action}" on incident ${row.id}, not "${request.action}"`,
        { requestId: request.requestId, action: done.action },
      );
    return { incident: toIncident(row), step: done, repeated: true };
  }

  /**
   * Whether separation of duties (docs/domain.md §3) lets `actor` take `action` on the incident now:
   * false when they handled the current round of work and the step must be someone else's.
   */
  async separationAllows(incident: Incident, action: string, actor: string): Promise<boolean> {
    const rule = this.machine.find(
      (candidate) => candidate.from === incident.state && candidate.action === action && candidate.separateFrom,
    );
    return rule === undefined || (await this.separation(this.db, incident, rule, actor)) === undefined;
  }

  private async separation(q: Queryable, incident: Incident, rule: TransitionRule, actor: string) {
    if ((rule.separateFrom ?? []).length === 0) return undefined;
    const steps = await readSteps(q, incident.id, incident.createdAt);
    return separationRefusal(incident, rule, actor, steps, () => this.settingsStore.get(q));
  }

  /** Manual intake ("一口受理": hotline, 110 transfer, petition, patrol…): a REPORTED incident. */
  report(input: ReportInput): Promise<TransitionResult> {
    return this.announce(this.reportOnce(input));
  }

  private async reportOnce(input: ReportInput): Promise<TransitionResult> {
    const request = parseInput(ReportInput, input, 'report');
    // The request id is the reporter's own idempotency key: kept per actor, so one reporter's id
    // neither returns nor pre-empts another's report.
    const intakeRequestId = `report:${JSON.stringify([request.actor, request.requestId])}`;
    return this.db.transaction(async (tx) => {
      await lockReport(tx, intakeRequestId, request.alert);
      const found =
        (await findReportedIncident(tx, {
          intakeRequestId,
          // Reports stored before the key named its actor.
          legacyRequestId: `report:${request.requestId}`,
          actor: request.actor,
        })) ??
        // The alert it is about already has its incident (its uplink came first, or another report):
        // answered as a repeat, so the caller files no second incident for one event.
        (request.alert ? await incidentOfAlert(tx, request.alert) : undefined);
      if (found !== undefined)
        return { incident: toIncident(found), step: await readFirstStep(tx, found.id), repeated: true };
      const severity = request.severity ?? defaultSeverity(request.category);
      const place = request.place ?? {};
      const created = await this.create(
        tx,
        {
          intakeRequestId,
          categoryCode: request.category,
          severity,
          urgent: request.urgent ?? severity === 'critical',
          level: request.level ?? 'community',
          source: request.source,
          drill: request.drill ?? false,
          ...placeColumns(place),
          deviceId: request.deviceId ?? null,
          gatewayId: null,
          address: request.address ?? null,
          alertId: null,
          dedupKey: null,
          occurredAt: request.occurredAt ?? this.clock(),
          title: request.title,
          description: request.description ?? null,
          position: request.position
            ? { lon: request.position.lon, lat: request.position.lat, accuracyM: request.position.accuracyM ?? null }
            : null,
          externalDeadline: request.externalDeadline ?? null,
        },
        request,
      );
      if (request.alert) await linkReportedAlert(tx, request.alert, created.incident.id, this.clock());
      return { ...created, repeated: false };
    });
  }

  /**
   * An incident the cloud itself opens as `system` inside the caller's transaction, under the
   * caller's lock (a maintenance ticket, docs/domain.md §7): the creation rule, its step and the step
   * hooks, committed with what the caller writes. The listeners are not told.
   */
  openAsSystem(
    tx: Queryable,
    fields: Omit<NewIncident, 'id' | 'state' | 'createdAt'>,
    request: { requestId: string; actor: string; commentMessage?: Message; data?: Record<string, unknown> },
  ): Promise<{ incident: Incident; step: IncidentStep }> {
    return this.create(tx, fields, { ...request, role: 'system' });
  }

  /**
   * A gateway alert CloudEvent. Raised or updated: the incident of that alert id, else the open
   * incident of the same place × category within the dedup window, else a new one, as the
   * device-event policy says (`drill` marks alerts of an exercise). Cleared: evidence only; the
   * loop still needs its check.
   */
  async fromAlert(event: CloudEvent, options: { drill?: boolean } = {}): Promise<AlertOutcome> {
    return (await this.fromAlerts([event], options))[0] as AlertOutcome;
  }

  /**
   * Several alerts in one transaction, each with the outcome it would have had on its own in this
   * order (the projector hands over what it read or what one intake request stored). Validation
   * comes first: one malformed event refuses the batch and nothing is written.
   */
  async fromAlerts(events: readonly CloudEvent[], options: { drill?: boolean } = {}): Promise<AlertOutcome[]> {
    const parsed = parseAlerts(events);
    if (parsed.every((item) => item.type === 'other'))
      return parsed.map(() => ({ outcome: 'ignored', reason: 'not_an_alert' }));
    const outcomes = await retryDeadlocks(() =>
      this.db.transaction((tx) => intakeAlerts(tx, this.alertIntake, parsed, options.drill ?? false)),
    );
    for (const outcome of outcomes)
      if ('incident' in outcome) this.tell({ incident: outcome.incident, repeated: false });
    return outcomes;
  }

  /** Alerts held below their policy's repeat threshold (docs/domain.md §7), newest first, a page at a time. */
  heldAlerts(filter: HeldAlertFilter = {}): Promise<HeldAlertPage> {
    return readHeldAlerts(this.db, filter);
  }

  /** Tells the listeners about a committed change (not about refusals or ignored alerts). */
  private async announce<T extends object>(work: Promise<T>): Promise<T> {
    const result = (await work) as T & { incident?: Incident; step?: IncidentStep; repeated?: boolean };
    if (result.incident === undefined) return result;
    this.tell({
      incident: result.incident,
      ...(result.step === undefined ? {} : { step: result.step }),
      repeated: result.repeated ?? false,
    });
    return result;
  }

  private tell(change: IncidentChange): void {
    for (const listener of this.listeners) {
      try {
        listener(change);
      } catch {
        // A listener's failure is its own: the change is committed.
      }
    }
  }

  /** The rule for `action` from the incident's state that `role` may take, or a typed refusal. */
  private ruleFor(row: IncidentRow, action: string, role: IncidentRole, policies: IncidentPolicies): TransitionRule {
    // A drill's own steps (endDrill) are not there at all on a real incident.
    const rules = rulesFrom(this.machine, row.state as TransitionRule['from'], policies).filter(
      (candidate) => row.drill || !candidate.drillOnly,
    );
    const rule = rules.find((candidate) => candidate.action === action);
    if (rule === undefined) {
      const allowed = [...new Set(rules.map((candidate) => candidate.action))];
      throw new IncidentError(
        'GL_INCIDENT_ACTION_NOT_ALLOWED',
        `action "${action}" is not allowed on incident ${row.id} in state ${row.state}; allowed actions: ${allowed.length === 0 ? 'none (the state is final)' : allowed.join(', ')}`,
        { state: row.state, action, allowed },
      );
    }
    if (!rule.roles.includes(role))
      throw new IncidentError(
        'GL_INCIDENT_ROLE_NOT_ALLOWED',
        `role ${role} may not take action "${action}" in state ${row.state}; roles allowed: ${rule.roles.join(', ')}`,
        { state: row.state, action, role, allowed: rule.roles },
      );
    if (!roleMayTake(rule, role, row))
      throw new IncidentError(
        'GL_INCIDENT_ROLE_NOT_ALLOWED',
        `role ${role} may take action "${action}" only on routine incidents; incident ${row.id} is urgent or critical`,
        {
          state: row.state,
          action,
          role,
          allowed: rule.roles.filter((r) => !(rule.routineOnly ?? []).includes(r)),
          reason: 'routine_only',
        },
      );
    return rule;
  }

  /**
   * Applies a rule's effects, writes its step and the incident's new state (the row is locked);
   * `written` is called once they are, before the step's hooks run.
   */
  private async apply(
    tx: Queryable,
    row: IncidentRow,
    rule: TransitionRule,
    asked: StepRequest,
    written?: () => void,
  ): Promise<{ incident: Incident; step: IncidentStep }> {
    const now = this.clock();
    const request: StepRequest = rule.positionRequired
      ? { ...asked, data: await this.withFix(tx, row, asked.data ?? {}, now) }
      : asked;
    const attachments = request.attachments ?? [];
    const data = request.data ?? {};
    checkAttachments(rule, attachments);
    if (rule.commentRequired && (request.comment ?? '').trim() === '')
      throw new IncidentError('GL_INCIDENT_INVALID_INPUT', `action "${rule.action}" needs a comment: the reason`, {
        need: 'reason',
        action: rule.action,
        pointer: '/comment',
        detail: `required: why the work is taken ${rule.action === 'recall' ? 'back' : 'to someone else'}`,
      });
    if (rule.requiresNote && (request.comment ?? '').trim() === '' && attachments.length === 0)
      throw new IncidentError(
        'GL_INCIDENT_INVALID_INPUT',
        `action "${rule.action}" needs a comment or an attachment: what was found`,
        { need: 'note', action: rule.action },
      );
    const next: IncidentChanges = {
      level: row.level,
      assignee: row.assignee,
      reworkCount: row.rework_count,
      closedAt: row.closed_at,
      mergedInto: row.merged_into,
      supervision: row.supervision,
    };
    let mergeTarget: IncidentRow | undefined;
    for (const effect of rule.effects) {
      switch (effect) {
        case 'assign':
          if (typeof data.assignee !== 'string' || data.assignee === '')
            throw new IncidentError(
              'GL_INCIDENT_INVALID_INPUT',
              `action "${rule.action}" needs data.assignee: the unit or grid worker the work goes to`,
              { need: 'assignee', action: rule.action },
            );
          next.assignee = data.assignee;
          break;
        case 'unassign':
          next.assignee = null;
          break;
        case 'rework':
          next.reworkCount += 1;
          break;
        case 'escalate': {
          const above = LEVELS[LEVELS.indexOf(row.level as TerritoryLevel) + 1];
          if (above === undefined)
            throw new IncidentError('GL_INCIDENT_TOP_LEVEL', `incident ${row.id} is already at level ${row.level}`, {
              level: row.level,
            });
          next.level = above;
          break;
        }
        case 'merge':
          mergeTarget = await this.mergeTarget(tx, row, data.into);
          next.mergedInto = mergeTarget.id;
          break;
        case 'end':
          next.closedAt ??= now;
          break;
        case 'reopen':
          next.closedAt = null;
          break;
        case 'supervise': {
          const ladder = Supervision.options;
          const wanted =
            data.supervision === undefined
              ? ladder[Math.min(ladder.indexOf(row.supervision as (typeof ladder)[number]) + 1, ladder.length - 1)]
              : Supervision.safeParse(data.supervision).data;
          if (wanted === undefined)
            throw new IncidentError(
              'GL_INCIDENT_INVALID_INPUT',
              `data.supervision must be one of ${ladder.join(', ')} (or absent: one rung up)`,
              { need: 'supervision' },
            );
          next.supervision = wanted;
          break;
        }
      }
    }
    const step = { ...request, from: row.state, to: rule.to, version: row.version + 1, at: now };
    const planned = await this.plan(
      tx,
      { ...toIncident(row), level: next.level as TerritoryLevel, closedAt: next.closedAt },
      step,
      () => readSteps(tx, row.id, row.created_at),
      rule,
    );
    const stored = await updateIncidentWithStep(tx, row, next, { ...step, limit: planned.limit });
    if (stored === undefined)
      throw new IncidentError('GL_INCIDENT_VERSION_CONFLICT', `incident ${row.id} changed meanwhile; reload it`, {
        expectedVersion: row.version,
      });
    written?.();
    const { row: incident, step: stepWritten } = stored;
    if (mergeTarget !== undefined) await this.absorb(tx, mergeTarget, row, request.requestId, now);
    await this.afterStep({ tx, incident: toIncident(incident), step: stepWritten, rule }, planned);
    return { incident: toIncident(incident), step: stepWritten };
  }

  /**
   * A step's position (到场签到): the fix checked and in WGS-84, with the distance to the incident's
   * own point or its building's, or null when neither is known.
   */
  private async withFix(
    tx: Queryable,
    row: IncidentRow,
    data: Record<string, unknown>,
    now: Date,
  ): Promise<Record<string, unknown>> {
    const fix = parseFix(data.position, now, '/data/position');
    const place = await placePosition(tx, toIncident(row));
    return {
      ...data,
      position: fix,
      distance_m: place === undefined ? null : distanceTo(fix, place),
      distance_to: place?.source ?? null,
    };
  }

  private async create(
    tx: Queryable,
    fields: Omit<NewIncident, 'id' | 'state' | 'createdAt'>,
    request: Omit<StepRequest, 'action'>,
  ): Promise<{ incident: Incident; step: IncidentStep }> {
    const creation = this.alertIntake.creation;
    if (!creation.roles.includes(request.role))
      throw new IncidentError(
        'GL_INCIDENT_ROLE_NOT_ALLOWED',
        `role ${request.role} may not report incidents; roles allowed: ${creation.roles.join(', ')}`,
        { action: creation.action, role: request.role, allowed: creation.roles },
      );
    checkAttachments(creation, request.attachments ?? []);
    const now = this.clock();
    const id = await nextIncidentId(tx, now);
    const incident = await insertIncident(tx, { ...fields, id, state: creation.to, createdAt: now });
    const draft = {
      ...request,
      action: creation.action,
      from: null,
      to: creation.to,
      version: incident.version,
      at: now,
    };
    const planned = await this.plan(tx, toIncident(incident), draft, async () => [], creation);
    const step = await insertStep(tx, { ...draft, incidentId: id, limit: planned.limit }, now);
    await this.afterStep({ tx, incident: toIncident(incident), step, rule: creation }, planned);
    return { incident: toIncident(incident), step };
  }

  private async mergeTarget(tx: Queryable, row: IncidentRow, into: unknown): Promise<IncidentRow> {
    if (typeof into !== 'string' || into === '')
      throw new IncidentError('GL_INCIDENT_INVALID_INPUT', 'merge needs data.into: the incident this one joins', {
        need: 'into',
      });
    if (into === row.id)
      throw new IncidentError('GL_INCIDENT_MERGE_TARGET', `incident ${row.id} cannot be merged into itself`, { into });
    const target = await this.row(tx, into, true);
    if (target === undefined || target.closed_at !== null || target.drill !== row.drill)
      throw new IncidentError(
        'GL_INCIDENT_MERGE_TARGET',
        `incident ${row.id} can only be merged into an open incident of the same kind (drill or not); ${into} ${target === undefined ? 'does not exist' : target.closed_at !== null ? `is ${target.state}` : 'differs in drill'}`,
        { into },
      );
    return target;
  }

  /** The merge target takes the merged incident's occurrences, alerts and a record of it. */
  private async absorb(tx: Queryable, target: IncidentRow, merged: IncidentRow, requestId: string, now: Date) {
    await addMergedOccurrences(tx, target.id, merged, now);
    await tx.query('UPDATE incident_alerts SET incident_id = $1 WHERE incident_id = $2', [target.id, merged.id]);
    await this.addEvidence(tx, target.id, 'incident_merged', `merge:${merged.id}#${requestId}`, null, now, {
      incident_id: merged.id,
      title: merged.title,
      occurrences: merged.occurrences,
    });
  }

  private row(db: Queryable, id: string, forUpdate: boolean): Promise<IncidentRow | undefined> {
    return readIncidentRow(db, id, { forUpdate });
  }

  private async addEvidence(
    tx: Queryable,
    incidentId: string,
    kind: IncidentEvidence['kind'],
    sourceKey: string,
    alertId: string | null,
    occurredAt: Date,
    data: AlertPayload | Record<string, unknown>,
  ): Promise<void> {
    await tx.query(
      `INSERT INTO incident_evidence (incident_id, district, kind, source_key, alert_id, occurred_at, recorded_at, data)
       VALUES ($1, (SELECT district FROM incidents WHERE id = $1), $2, $3, $4, $5, $6, $7::jsonb) ON CONFLICT (incident_id, source_key) DO NOTHING`,
      [incidentId, kind, sourceKey, alertId, occurredAt, this.clock(), JSON.stringify(data)],
    );
  }
}

function checkAttachments(rule: TransitionRule, attachments: readonly Attachment[]): void {
  const missing = (rule.attachmentTags ?? []).filter((tag) => !attachments.some((item) => item.tag === tag));
  if (missing.length > 0)
    throw new IncidentError(
      'GL_INCIDENT_ATTACHMENTS_REQUIRED',
      `action "${rule.action}" from state ${rule.from} needs attachments tagged ${missing.join(', ')}`,
      { missing },
    );
}

/** The seed severity of the category or its nearest parent, else minor. */
export function defaultSeverity(category: string): Severity {
  for (const code of categoryLineage(category)) {
    const seed = CATEGORY_SEEDS.find((candidate) => candidate.code === code);
    if (seed !== undefined) return seed.default_severity;
  }
  return 'minor';
}
