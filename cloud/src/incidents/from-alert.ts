import { type CloudEvent, type DeviceEventPolicy, uplinkData } from '@gridlink/protocol';
import type { Clock } from '../clock.js';
import type { Queryable } from '../db/db.js';
import { lockAll } from '../db/locks.js';
import { WriteStatement } from '../db/write-statement.js';
import { type Message, message } from '../i18n/message.js';
import { render } from '../i18n/render.js';
import { decidePolicies } from './device-event-policy.js';
import type { PlannedIncident, PlannedStep } from './engine.js';
import { IncidentError } from './errors.js';
import { chinaDate } from './incident-id.js';
import { parseInput } from './inputs.js';
import {
  type AlertRef,
  type IncidentRef,
  type IntakeNeeds,
  type IntakePlan,
  intakeNeeds,
  type ParsedAlert,
  type PlannedCreation,
  type PlannedEvidence,
  type PlannedHeld,
  planIntake,
  type StoredHeld,
  splitAlertKey,
  withMergedAlert,
} from './intake-plan.js';
import { type Incident, type IncidentRow, type IncidentStep, toIncident } from './records.js';
import type { TransitionRule } from './state-machine.js';
import {
  addJoinedAlertCounts,
  insertAlertIncidents,
  lockIntakeIncidents,
  type NewAlertIncident,
  type NewStep,
} from './store.js';

export type { ParsedAlert } from './intake-plan.js';

export type AlertOutcome =
  | { outcome: 'created'; incident: Incident; policy: DeviceEventPolicy }
  /** Another alert of the same place × category joined the open incident. */
  | { outcome: 'merged'; incident: Incident; policy: DeviceEventPolicy }
  /** The alert was already in an incident (raised again, updated, cleared): recorded as evidence. */
  | { outcome: 'linked'; incident: Incident }
  /**
   * Below the policy's repeat threshold: recorded and counted, no incident (yet). `repeats` is how
   * many alerts of its scope are in the window with it, `threshold` how many open the incident.
   */
  | { outcome: 'held'; policy: DeviceEventPolicy; repeats: number; threshold: number }
  | {
      outcome: 'ignored';
      reason: 'alert_only' | 'never' | 'unknown_alert' | 'not_an_alert';
      policy?: DeviceEventPolicy;
    };

/** What the batch intake needs from the engine: its clock and window, and the steps it writes. */
export interface AlertIntakeContext {
  clock: Clock;
  /** The dedup window in force (the tenant's incident settings), read in the batch's transaction. */
  dedupWindowMs(tx: Queryable): Promise<number>;
  /** The state machine's creation rule (checked to allow the system role). */
  creation: TransitionRule;
  /** The engine's planners, for each creation step before it is written (its incident not yet numbered). */
  planCreation(tx: Queryable, incident: PlannedIncident, step: Omit<NewStep, 'incidentId'>): Promise<PlannedStep>;
  /** What the planners write once the step is, then the engine's step hooks, for each creation step. */
  afterStep(
    tx: Queryable,
    incident: Incident,
    step: IncidentStep,
    rule: TransitionRule,
    planned: PlannedStep,
  ): Promise<void>;
  /** The step the device-event policy takes right after creation (confirm first: verify). */
  followUp(tx: Queryable, incidentId: string, action: string, requestId: string, comment: Message): Promise<Incident>;
}

/** Validates gateway alert CloudEvents before any transaction starts: bad input names its field. */
export function parseAlerts(events: readonly CloudEvent[]): ParsedAlert[] {
  return events.map((event): ParsedAlert => {
    switch (event.type) {
      case 'cn.gridlink.alert.raised.v1':
      case 'cn.gridlink.alert.updated.v1': {
        const alert = parseInput(uplinkData[event.type], event.data, event.type);
        return {
          type: 'active',
          event,
          alert,
          kind: event.type === 'cn.gridlink.alert.raised.v1' ? 'alert_raised' : 'alert_updated',
          sourceKey: `${event.source}#${event.id}`,
          occurredMs: Date.parse(event.time),
        };
      }
      case 'cn.gridlink.alert.cleared.v1': {
        const data = parseInput(uplinkData[event.type], event.data, event.type);
        return {
          type: 'cleared',
          event,
          data,
          sourceKey: `${event.source}#${event.id}`,
          occurredMs: Date.parse(data.cleared_at),
        };
      }
      default:
        return { type: 'other' };
    }
  });
}

/**
 * A batch of alerts in one transaction, with the outcome each would have had one after the other
 * in batch order. A few set-based statements whatever the batch's size: the policies of its
 * categories, every advisory lock it needs (alert ids, dedup keys, repeat scopes) in one sorted
 * statement so two batches never wait on each other in a circle, the held alerts of its repeat
 * scopes, the incidents it may touch locked in id order; then the decisions, made in memory by
 * {@link planIntake}, are written with unnest-based inserts (incidents, their first steps) and one
 * statement for the rest.
 */
export async function intakeAlerts(
  tx: Queryable,
  context: AlertIntakeContext,
  parsed: readonly ParsedAlert[],
  drill: boolean,
): Promise<AlertOutcome[]> {
  const policies = await decidePolicies(
    tx,
    parsed.flatMap((item) => (item.type === 'active' ? [item.alert.category] : [])),
  );
  const needs = intakeNeeds(parsed, policies, drill);
  if (needs.alerts.length === 0) return parsed.map(() => ({ outcome: 'ignored', reason: 'not_an_alert' }));
  const dedupWindowMs = await context.dedupWindowMs(tx);
  await lockAll(tx, needs.locks);
  const held = needs.scopeKeys.length > 0 ? await readHeld(tx, needs) : [];
  // The incidents the batch may touch, locked in id order: linked to its alerts, or open under its
  // dedup keys within the window of its earliest alert.
  const stored = await lockIntakeIncidents(tx, {
    alerts: needs.alerts,
    dedupKeys: needs.dedupKeys,
    openSince: new Date(Number.isFinite(needs.earliestMs) ? needs.earliestMs - dedupWindowMs : 0),
  });
  const plan = planIntake({
    parsed,
    drill,
    policies,
    dedupWindowMs,
    held,
    incidents: stored.map((row) => ({
      id: row.id,
      dedupKey: row.dedup_key,
      drill: row.drill,
      closed: row.closed_at !== null,
      lastOccurredMs: row.last_occurred_at.getTime(),
      linkedAlerts: (row.linked_alerts ?? []).map(splitAlertKey),
    })),
  });
  const outcomes = await applyIntake(tx, context, plan, stored, drill);
  await countRepeats(tx, outcomes, context.clock());
  return recoverClearedTickets(tx, context, parsed, outcomes);
}

/**
 * A maintenance ticket a gateway's alert opened shows in its title, as the maintenance policy's
 * own do, how many tickets its device had within the tenant's repeat window, this one included:
 * repeat offenders stand out in the property's queue.
 */
async function countRepeats(tx: Queryable, outcomes: readonly AlertOutcome[], now: Date): Promise<void> {
  const created = outcomes.flatMap((outcome) =>
    outcome.outcome === 'created' && outcome.policy === 'maintenance_ticket' && outcome.incident.place.deviceId !== null
      ? [outcome.incident.id]
      : [],
  );
  if (created.length === 0) return;
  const { rows } = await tx.query<{ id: string; title_message: unknown; repeats: number; days: number }>(
    `SELECT i.id, i.title_message, w.days,
            (SELECT count(*)::integer FROM incidents AS o
              WHERE o.community = i.community AND o.device_id = i.device_id AND o.device_id IS NOT NULL
                AND o.category_code LIKE 'device_maintenance.%' AND NOT o.drill
                AND o.created_at > $2::timestamptz - make_interval(days => w.days)) AS repeats
       FROM incidents AS i,
            (SELECT COALESCE((SELECT repeat_window_days FROM maintenance_settings), 30) AS days) AS w
      WHERE i.id = ANY($1::text[]) AND NOT i.drill`,
    [created, now],
  );
  for (const row of rows) {
    const text = (row.title_message as { params?: { zh?: string; en?: string } } | null)?.params ?? {};
    const title = message('maintenance.title_alert', {
      zh: text.zh ?? '',
      en: text.en ?? text.zh ?? '',
      repeats: Number(row.repeats),
      window_days: Number(row.days),
    });
    await tx.query('UPDATE incidents SET title = $2, title_message = $3::jsonb WHERE id = $1', [
      row.id,
      render(title),
      JSON.stringify(title),
    ]);
  }
}

/** States from which a cleared alert closes its maintenance ticket: the property still has it. */
const RECOVERABLE_STATES = ['REPORTED', 'SELF_HANDLED'];

/**
 * A maintenance ticket a gateway's alerts opened (low battery, tamper, a fault) closes with the
 * system's `recover` step once every alert it holds is cleared, whichever the cloud handled first:
 * the clear is recorded by alert id, the raise finds it. The batch holds the locks of its alerts
 * and of the incidents linked to them, so two batches clearing two alerts of one ticket see each
 * other. A ticket the centre took into its loop is left to it.
 */
async function recoverClearedTickets(
  tx: Queryable,
  context: AlertIntakeContext,
  parsed: readonly ParsedAlert[],
  outcomes: AlertOutcome[],
): Promise<AlertOutcome[]> {
  const cleared = parsed.flatMap((item) => (item.type === 'cleared' ? [item] : []));
  if (cleared.length > 0)
    await tx.query(
      `INSERT INTO cleared_alerts (gateway_id, district, alert_id, cleared_at, reason, recorded_at)
       SELECT v.gateway_id, (SELECT left(g.community, 6) FROM gateways AS g WHERE g.id = v.gateway_id), v.alert_id, v.cleared_at, v.reason, $5
         FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::text[]) AS v(gateway_id, alert_id, cleared_at, reason)
       ON CONFLICT DO NOTHING`,
      [
        cleared.map((item) => item.event.gatewayid),
        cleared.map((item) => item.data.alert_id),
        cleared.map((item) => item.data.cleared_at),
        cleared.map((item) => item.data.reason),
        context.clock(),
      ],
    );
  const touched = [...new Set(outcomes.flatMap((outcome) => ('incident' in outcome ? [outcome.incident.id] : [])))];
  if (touched.length === 0) return outcomes;
  const { rows } = await tx.query<{ id: string }>(
    `SELECT i.id FROM incidents AS i
      WHERE i.id = ANY($1::text[]) AND i.closed_at IS NULL AND i.state = ANY($2::text[])
        AND i.source = 'iot' AND i.alert_id IS NOT NULL AND i.category_code LIKE 'device_maintenance.%'
        AND NOT EXISTS (SELECT 1 FROM incident_alerts AS a
                         WHERE a.incident_id = i.id
                           AND NOT EXISTS (SELECT 1 FROM cleared_alerts AS c
                                            WHERE c.gateway_id = a.gateway_id AND c.alert_id = a.alert_id))
      ORDER BY i.id`,
    [touched, RECOVERABLE_STATES],
  );
  const recovered = new Map<string, Incident>();
  for (const { id } of rows)
    recovered.set(
      id,
      await context.followUp(tx, id, 'recover', `alert-recover:${id}`, message('step.maintenance_alert_cleared')),
    );
  if (recovered.size === 0) return outcomes;
  return outcomes.map((outcome) =>
    'incident' in outcome && recovered.has(outcome.incident.id)
      ? { ...outcome, incident: recovered.get(outcome.incident.id) as Incident }
      : outcome,
  );
}

/** The batch's own alerts held before, and those still counting in its scopes' windows. */
async function readHeld(tx: Queryable, needs: IntakeNeeds): Promise<StoredHeld[]> {
  const { rows } = await tx.query<{
    gateway_id: string;
    alert_id: string;
    scope_key: string;
    occurred_at: Date;
    source_key: string;
    data: unknown;
    incident_id: string | null;
  }>(
    // An index probe each (LATERAL; OFFSET 0 keeps the planner from turning it into a join), as the
    // incidents are looked up.
    `WITH wanted AS (
       SELECT h.gateway_id, h.alert_id FROM unnest($1::text[], $4::text[]) AS u(gateway_id, alert_id)
         JOIN LATERAL (SELECT gateway_id, alert_id FROM held_alerts
                        WHERE gateway_id = u.gateway_id AND alert_id = u.alert_id OFFSET 0) AS h ON true
       UNION
       SELECT h.gateway_id, h.alert_id FROM unnest($2::text[]) AS k(scope_key)
         JOIN LATERAL (SELECT gateway_id, alert_id FROM held_alerts
                        WHERE scope_key = k.scope_key AND incident_id IS NULL AND occurred_at > $3 OFFSET 0) AS h
           ON true
     )
     SELECT h.gateway_id, h.alert_id, h.scope_key, h.occurred_at, h.source_key, h.data, h.incident_id
       FROM wanted AS w
       JOIN LATERAL (SELECT * FROM held_alerts WHERE gateway_id = w.gateway_id AND alert_id = w.alert_id OFFSET 0) AS h
         ON true
      ORDER BY h.occurred_at, h.gateway_id, h.alert_id`,
    [
      needs.alerts.map((alert) => alert.gatewayId),
      needs.scopeKeys,
      new Date(needs.earliestHeldMs),
      needs.alerts.map((alert) => alert.alertId),
    ],
  );
  return rows.map((row) => ({
    gatewayId: row.gateway_id,
    alertId: row.alert_id,
    scopeKey: row.scope_key,
    occurredMs: row.occurred_at.getTime(),
    sourceKey: row.source_key,
    data: row.data,
    consumed: row.incident_id !== null,
  }));
}

/**
 * The plan's writes: new incidents and their first steps (with the engine's step hooks and the
 * policy's follow-up step), then links, evidence, held alerts and the merged counts; each outcome
 * shows the incident as that alert left it, merged incidents with their final counts.
 */
async function applyIntake(
  tx: Queryable,
  context: AlertIntakeContext,
  plan: IntakePlan,
  stored: readonly IncidentRow[],
  drill: boolean,
): Promise<AlertOutcome[]> {
  const now = context.clock();
  const current = new Map<string, Incident>();
  const keyOf = (ref: IncidentRef) => ('stored' in ref ? `stored:${ref.stored}` : `created:${ref.created}`);
  for (const row of stored) current.set(keyOf({ stored: row.id }), toIncident(row));
  const createdIds: string[] = [];
  if (plan.creations.length > 0) {
    if (!context.creation.roles.includes('system'))
      throw new IncidentError(
        'GL_INCIDENT_ROLE_NOT_ALLOWED',
        `role system may not report incidents, so alerts cannot open any; roles allowed: ${context.creation.roles.join(', ')}`,
        { action: context.creation.action, role: 'system', allowed: context.creation.roles },
      );
    const creations = plan.creations.map(newAlertIncident);
    // Each creation step planned before the batch writes it, so it is written with its time limit.
    const planned: PlannedStep[] = [];
    for (const created of creations)
      planned.push(
        await context.planCreation(
          tx,
          // As the batch's statement writes it: urgent when critical, at community level, open.
          {
            categoryCode: created.categoryCode,
            severity: created.severity,
            urgent: created.severity === 'critical',
            level: 'community',
            closedAt: null,
          },
          {
            action: context.creation.action,
            requestId: `alert:${created.gatewayId}/${created.alertId}`,
            actor: created.actor,
            role: 'system',
            data: created.data,
            from: null,
            to: context.creation.to,
            version: 1,
            at: now,
          },
        ),
      );
    const inserted = await insertAlertIncidents(
      tx,
      creations.map((created, index) => ({ ...created, limit: planned[index]?.limit })),
      { action: context.creation.action, to: context.creation.to, numberedOn: chinaDate(now), drill, now },
    );
    for (const [index, created] of plan.creations.entries()) {
      const { row, step } = inserted[index] as { row: IncidentRow; step: IncidentStep };
      createdIds.push(row.id);
      let incident = toIncident(row);
      await context.afterStep(tx, incident, step, context.creation, planned[index] as PlannedStep);
      if (created.followUp !== undefined)
        incident = await context.followUp(
          tx,
          row.id,
          created.followUp,
          `alert:${created.alert.alert_id}:${created.followUp}`,
          message('step.alert_policy', { policy: created.policy }),
        );
      current.set(keyOf({ created: index }), incident);
    }
  }
  const idOf = (ref: IncidentRef) => ('stored' in ref ? ref.stored : (createdIds[ref.created] as string));
  const merged = new Set<string>();
  const outcomes = plan.outcomes.map((planned): AlertOutcome => {
    if (planned.outcome === 'ignored' || planned.outcome === 'held') return planned;
    const key = keyOf(planned.incident);
    const before = current.get(key) as Incident;
    if (planned.outcome === 'linked') return { outcome: 'linked', incident: before };
    if (planned.outcome === 'created') return { outcome: 'created', incident: before, policy: planned.policy };
    const after = withMergedAlert(before, planned, now);
    current.set(key, after);
    merged.add(key);
    return { outcome: 'merged', incident: after, policy: planned.policy };
  });

  await writeTheRest(tx, {
    links: plan.links.map((link) => ({ ...link, incidentId: idOf(link.incident) })),
    evidence: plan.evidence.map((item) => ({ ...item, incidentId: idOf(item.incident) })),
    held: plan.held.map((item) => ({ ...item, incidentId: item.incident === null ? null : idOf(item.incident) })),
    consumed: plan.consumed.map((item) => ({ ...item, incidentId: idOf(item.incident) })),
    merged: [...merged].map((key) => current.get(key) as Incident),
    drill,
    now,
  });
  return outcomes;
}

/** The new incidents as the store writes them, with what their creation step records. */
function newAlertIncident(created: PlannedCreation): NewAlertIncident {
  return {
    categoryCode: created.category,
    severity: created.alert.severity,
    place: created.alert.place,
    deviceId: created.alert.device_id,
    gatewayId: created.event.gatewayid,
    alertId: created.alert.alert_id,
    dedupKey: created.key,
    occurredAt: new Date(created.occurredMs),
    firstOccurredAt: new Date(created.firstOccurredMs),
    occurrences: created.occurrences,
    // The alert's message comes in both languages: the title keeps both and renders the reader's.
    title: created.alert.message.zh || created.alert.message.en,
    titleMessage: alertTitle(created.alert.message),
    actor: `gateway:${created.event.gatewayid}`,
    data: creationData(created),
  };
}

/** An alert's message as the incident's title: the gateway's text in both languages. */
function alertTitle(text: { zh?: string; en?: string }): Message {
  const zh = text.zh || text.en || '';
  return message('text.bilingual', { zh, en: text.en || zh });
}

/** What the creation step records of why: the gateway rule, the policy, the repeat threshold reached or the hours. */
function creationData(created: PlannedCreation): Record<string, unknown> {
  return {
    rule_id: created.alert.rule_id,
    policy: created.policy,
    ...(created.afterHours === undefined ? {} : { after_hours: created.afterHours }),
    ...(created.repeat === undefined
      ? {}
      : {
          repeat: {
            scope: created.repeat.scope,
            count: created.repeat.count,
            window_ms: created.repeat.windowMs,
            alerts: created.occurrences,
          },
        }),
  };
}

/**
 * The batch's remaining writes in one statement (data-modifying CTEs): alert links, evidence, held
 * alerts (new ones pointing to their incident when the batch reached the threshold, stored ones
 * consumed now), and the merged incidents' counts.
 */
async function writeTheRest(
  tx: Queryable,
  writes: {
    links: ReadonlyArray<AlertRef & { incidentId: string }>;
    evidence: ReadonlyArray<PlannedEvidence & { incidentId: string }>;
    held: ReadonlyArray<PlannedHeld & { incidentId: string | null }>;
    consumed: ReadonlyArray<AlertRef & { incidentId: string }>;
    merged: readonly Incident[];
    drill: boolean;
    now: Date;
  },
): Promise<void> {
  const statement = new WriteStatement();
  const $ = (value: unknown, type: string) => statement.param(value, type);
  const { links, evidence, held, consumed, now } = writes;
  if (links.length > 0)
    statement.add(
      'linked',
      `
      INSERT INTO incident_alerts (gateway_id, alert_id, incident_id, district, linked_at)
      SELECT v.gateway_id, v.alert_id, v.incident_id, (SELECT i.district FROM incidents AS i WHERE i.id = v.incident_id), ${$(now, 'timestamptz')}
        FROM unnest(${$(
          links.map((link) => link.gatewayId),
          'text[]',
        )}, ${$(
          links.map((link) => link.alertId),
          'text[]',
        )}, ${$(
          links.map((link) => link.incidentId),
          'text[]',
        )}) AS v(gateway_id, alert_id, incident_id)`,
    );
  if (evidence.length > 0)
    statement.add(
      'evidence',
      `
      INSERT INTO incident_evidence (incident_id, district, kind, source_key, alert_id, occurred_at, recorded_at, data)
      SELECT v.incident_id, (SELECT i.district FROM incidents AS i WHERE i.id = v.incident_id), v.kind, v.source_key, v.alert_id, v.occurred_at, ${$(now, 'timestamptz')}, v.data::jsonb
        FROM unnest(${$(
          evidence.map((item) => item.incidentId),
          'text[]',
        )}, ${$(
          evidence.map((item) => item.kind),
          'text[]',
        )}, ${$(
          evidence.map((item) => item.sourceKey),
          'text[]',
        )}, ${$(
          evidence.map((item) => item.alertId),
          'text[]',
        )}, ${$(
          evidence.map((item) => new Date(item.occurredMs).toISOString()),
          'timestamptz[]',
        )}, ${$(
          evidence.map((item) => JSON.stringify(item.data)),
          'text[]',
        )}) AS v(incident_id, kind, source_key, alert_id, occurred_at, data)
      ON CONFLICT (incident_id, source_key) DO NOTHING`,
    );
  if (held.length > 0) {
    const column = (pick: (item: (typeof held)[number]) => unknown, type: string) => $(held.map(pick), type);
    statement.add(
      'held',
      `
      INSERT INTO held_alerts (alert_id, policy_category, scope_key, category_code, severity, drill, gateway_id,
             device_id, community, grid, building, source_key, occurred_at, recorded_at, data, incident_id)
      SELECT alert_id, policy_category, scope_key, category_code, severity, ${$(writes.drill, 'boolean')}, gateway_id,
             device_id, community, grid, building, source_key, occurred_at, ${$(now, 'timestamptz')}, data::jsonb,
             incident_id
        FROM unnest(${column((item) => item.alertId, 'text[]')}, ${column((item) => item.policyCategory, 'text[]')},
                    ${column((item) => item.scopeKey, 'text[]')}, ${column((item) => item.alert.category, 'text[]')},
                    ${column((item) => item.alert.severity, 'text[]')}, ${column((item) => item.event.gatewayid, 'text[]')},
                    ${column((item) => item.alert.device_id, 'text[]')},
                    ${column((item) => item.alert.place?.community ?? null, 'text[]')},
                    ${column((item) => item.alert.place?.grid ?? null, 'text[]')},
                    ${column((item) => item.alert.place?.building ?? null, 'text[]')},
                    ${column((item) => item.sourceKey, 'text[]')},
                    ${column((item) => new Date(item.occurredMs).toISOString(), 'timestamptz[]')},
                    ${column((item) => JSON.stringify(item.data), 'text[]')},
                    ${column((item) => item.incidentId, 'text[]')})
          AS v(alert_id, policy_category, scope_key, category_code, severity, gateway_id, device_id, community,
               grid, building, source_key, occurred_at, data, incident_id)
      ON CONFLICT (gateway_id, alert_id) DO NOTHING`,
    );
  }
  if (consumed.length > 0)
    statement.add(
      'consumed',
      `
      UPDATE held_alerts AS h SET incident_id = v.incident_id
        FROM unnest(${$(
          consumed.map((item) => item.gatewayId),
          'text[]',
        )}, ${$(
          consumed.map((item) => item.alertId),
          'text[]',
        )}, ${$(
          consumed.map((item) => item.incidentId),
          'text[]',
        )}) AS v(gateway_id, alert_id, incident_id)
       WHERE h.gateway_id = v.gateway_id AND h.alert_id = v.alert_id AND h.incident_id IS NULL`,
    );
  addJoinedAlertCounts(statement, writes.merged, now);
  await statement.run(tx);
}
