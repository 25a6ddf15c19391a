import {
  type AlertPayload,
  type CloudEvent,
  type DeviceEventPolicy,
  type Severity,
  severityRank,
  type UplinkData,
  uplinkData,
} from '@gridlink/protocol';
import type { Clock } from '../clock.js';
import type { Queryable } from '../db/db.js';
import { alertPlaceKey, dedupKey } from './dedup.js';
import { decidePolicies, POLICY_FOLLOW_UP, type PolicyDecision } from './device-event-policy.js';
import { formatIncidentId } from './incident-id.js';
import { parseInput } from './inputs.js';
import {
  type Incident,
  type IncidentEvidence,
  type IncidentRow,
  type IncidentStep,
  type StepRow,
  toIncident,
  toStep,
} from './records.js';
import type { TransitionRule } from './state-machine.js';

export type AlertOutcome =
  | { outcome: 'created'; incident: Incident; policy: DeviceEventPolicy }
  /** Another alert of the same place × category joined the open incident. */
  | { outcome: 'merged'; incident: Incident; policy: DeviceEventPolicy }
  /** The alert was already in an incident (raised again, updated, cleared): recorded as evidence. */
  | { outcome: 'linked'; incident: Incident }
  | {
      outcome: 'ignored';
      reason: 'alert_only' | 'never' | 'unknown_alert' | 'not_an_alert';
      policy?: DeviceEventPolicy;
    };

/** What the batch intake needs from the engine: its clock and window, and the steps it writes. */
export interface AlertIntakeContext {
  clock: Clock;
  dedupWindowMs: number;
  /** The state machine's creation rule (checked to allow the system role). */
  creation: TransitionRule;
  /** The engine's step hooks, for each creation step. */
  afterStep(tx: Queryable, incident: Incident, step: IncidentStep, rule: TransitionRule): Promise<void>;
  /** The step the device-event policy takes right after creation (confirm first: verify). */
  followUp(tx: Queryable, incidentId: string, action: string, requestId: string, comment: string): Promise<Incident>;
}

// Namespaces of transaction-level advisory locks (two-key form), apart from the migration lock.
export const LOCK_ALERT = 7_253_301;
export const LOCK_PLACE = 7_253_302;

type ClearedData = UplinkData<'cn.gridlink.alert.cleared.v1'>;

type ParsedAlert =
  | {
      type: 'active';
      event: CloudEvent;
      alert: AlertPayload;
      kind: 'alert_raised' | 'alert_updated';
      sourceKey: string;
      occurredMs: number;
    }
  | { type: 'cleared'; event: CloudEvent; data: ClearedData; sourceKey: string; occurredMs: number }
  | { type: 'other' };

/** An incident the batch touches: one already stored (locked), or one it creates. */
interface Slot {
  row?: IncidentRow;
  created?: Creation;
  id?: string;
  dedupKey: string | null;
  drill: boolean;
  lastOccurredMs: number;
}

interface Creation {
  alert: AlertPayload;
  event: CloudEvent;
  category: string;
  key: string;
  occurredMs: number;
  policy: DeviceEventPolicy;
}

type Op =
  | { op: 'ignored'; outcome: AlertOutcome }
  | { op: 'linked'; slot: Slot }
  | { op: 'merged'; slot: Slot; alert: AlertPayload; occurredMs: number; policy: DeviceEventPolicy }
  | { op: 'created'; slot: Slot; policy: DeviceEventPolicy };

interface Evidence {
  slot: Slot;
  kind: IncidentEvidence['kind'];
  sourceKey: string;
  alertId: string;
  occurredMs: number;
  data: unknown;
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
 * categories, every advisory lock it needs (alert ids, dedup keys) in one sorted statement so two
 * batches never wait on each other in a circle, the incidents it may touch locked in id order, then
 * the decisions made in memory and written with unnest-based inserts and one update.
 */
export async function intakeAlerts(
  tx: Queryable,
  context: AlertIntakeContext,
  parsed: readonly ParsedAlert[],
  drill: boolean,
): Promise<AlertOutcome[]> {
  const active = parsed.filter((item) => item.type === 'active');
  const policies = await decidePolicies(
    tx,
    active.map((item) => item.alert.category),
  );
  const keyOf = (item: Extract<ParsedAlert, { type: 'active' }>): { decision: PolicyDecision; key?: string } => {
    const decision = policies.get(item.alert.category) as PolicyDecision;
    if (decision.policy === 'alert_only' || decision.policy === 'never') return { decision };
    return { decision, key: dedupKey(decision.incidentCategory ?? item.alert.category, alertPlaceKey(item.alert)) };
  };

  // Locks: alert ids first, then places, each in hash order (the order the single path keeps too).
  const alertIds = new Set<string>();
  const placeKeys = new Set<string>();
  let earliestMs = Number.POSITIVE_INFINITY;
  for (const item of parsed) {
    if (item.type === 'other') continue;
    alertIds.add(item.type === 'active' ? item.alert.alert_id : item.data.alert_id);
    if (item.type !== 'active') continue;
    const { key } = keyOf(item);
    if (key === undefined) continue;
    placeKeys.add(key);
    earliestMs = Math.min(earliestMs, item.occurredMs);
  }
  if (alertIds.size === 0) return parsed.map(() => ({ outcome: 'ignored', reason: 'not_an_alert' }));
  await lockAll(tx, [
    ...[...alertIds].map((key) => [LOCK_ALERT, key] as const),
    ...[...placeKeys].map((key) => [LOCK_PLACE, `${drill}:${key}`] as const),
  ]);

  const links = await tx.query<{ alert_id: string; incident_id: string }>(
    'SELECT alert_id, incident_id FROM incident_alerts WHERE alert_id = ANY($1::text[])',
    [[...alertIds]],
  );
  const linkedIds = [...new Set(links.rows.map((row) => row.incident_id))];
  const stored =
    linkedIds.length === 0 && placeKeys.size === 0
      ? []
      : (
          await tx.query<IncidentRow>(
            `SELECT * FROM incidents
              WHERE id = ANY($1::text[])
                 OR (dedup_key = ANY($2::text[]) AND closed_at IS NULL AND last_occurred_at >= $3)
              ORDER BY id FOR UPDATE`,
            [linkedIds, [...placeKeys], new Date(Number.isFinite(earliestMs) ? earliestMs - context.dedupWindowMs : 0)],
          )
        ).rows;

  // The decisions, in memory, alert after alert.
  const slotOf = new Map<string, Slot>();
  const openByKey = new Map<string, Slot[]>();
  const open = (slot: Slot) => {
    const key = `${slot.drill}:${slot.dedupKey}`;
    openByKey.set(key, [...(openByKey.get(key) ?? []), slot]);
  };
  for (const row of stored) {
    const slot: Slot = {
      row,
      id: row.id,
      dedupKey: row.dedup_key,
      drill: row.drill,
      lastOccurredMs: row.last_occurred_at.getTime(),
    };
    slotOf.set(row.id, slot);
    if (row.dedup_key !== null && row.closed_at === null) open(slot);
  }
  const linkOf = new Map<string, Slot>();
  for (const link of links.rows) {
    const slot = slotOf.get(link.incident_id);
    if (slot !== undefined) linkOf.set(link.alert_id, slot);
  }

  const ops: Op[] = [];
  const evidence: Evidence[] = [];
  const newLinks: Array<{ alertId: string; slot: Slot }> = [];
  const creations: Slot[] = [];
  for (const item of parsed) {
    if (item.type === 'other') {
      ops.push({ op: 'ignored', outcome: { outcome: 'ignored', reason: 'not_an_alert' } });
      continue;
    }
    if (item.type === 'cleared') {
      const slot = linkOf.get(item.data.alert_id);
      if (slot === undefined) {
        ops.push({ op: 'ignored', outcome: { outcome: 'ignored', reason: 'unknown_alert' } });
        continue;
      }
      evidence.push({
        slot,
        kind: 'alert_cleared',
        sourceKey: item.sourceKey,
        alertId: item.data.alert_id,
        occurredMs: item.occurredMs,
        data: item.data,
      });
      ops.push({ op: 'linked', slot });
      continue;
    }
    const { alert } = item;
    const record = (slot: Slot) =>
      evidence.push({
        slot,
        kind: item.kind,
        sourceKey: item.sourceKey,
        alertId: alert.alert_id,
        occurredMs: item.occurredMs,
        data: alert,
      });
    const linked = linkOf.get(alert.alert_id);
    if (linked !== undefined) {
      record(linked);
      ops.push({ op: 'linked', slot: linked });
      continue;
    }
    const { decision, key } = keyOf(item);
    if (key === undefined) {
      const reason = decision.policy as 'alert_only' | 'never';
      ops.push({ op: 'ignored', outcome: { outcome: 'ignored', reason, policy: decision.policy } });
      continue;
    }
    // The open incident of this place × category whose last alert is the latest within the window.
    let target: Slot | undefined;
    for (const slot of openByKey.get(`${drill}:${key}`) ?? []) {
      if (slot.lastOccurredMs < item.occurredMs - context.dedupWindowMs) continue;
      if (target === undefined || slot.lastOccurredMs > target.lastOccurredMs) target = slot;
    }
    if (target !== undefined) {
      target.lastOccurredMs = Math.max(target.lastOccurredMs, item.occurredMs);
      linkOf.set(alert.alert_id, target);
      newLinks.push({ alertId: alert.alert_id, slot: target });
      record(target);
      ops.push({ op: 'merged', slot: target, alert, occurredMs: item.occurredMs, policy: decision.policy });
      continue;
    }
    const slot: Slot = {
      created: {
        alert,
        event: item.event,
        category: decision.incidentCategory ?? alert.category,
        key,
        occurredMs: item.occurredMs,
        policy: decision.policy,
      },
      dedupKey: key,
      drill,
      lastOccurredMs: item.occurredMs,
    };
    creations.push(slot);
    open(slot);
    linkOf.set(alert.alert_id, slot);
    newLinks.push({ alertId: alert.alert_id, slot });
    record(slot);
    ops.push({ op: 'created', slot, policy: decision.policy });
  }

  // The writes: new incidents and their first steps, links, evidence, then the merged counts.
  const now = context.clock();
  const current = new Map<Slot, Incident>();
  for (const slot of slotOf.values()) current.set(slot, toIncident(slot.row as IncidentRow));
  if (creations.length > 0) {
    if (!context.creation.roles.includes('system'))
      throw new Error(`the state machine does not let the system report incidents (${context.creation.action})`);
    const numbers = await tx.query<{ n: number }>(
      "SELECT nextval('incident_number') AS n FROM generate_series(1, $1::integer) ORDER BY 1",
      [creations.length],
    );
    creations.forEach((slot, at) => {
      slot.id = formatIncidentId(Number(numbers.rows[at]?.n), now);
    });
    const inserted = await insertIncidents(tx, creations, context.creation, drill, now);
    const steps = await insertCreationSteps(tx, creations, context.creation, now);
    for (const slot of creations) {
      const id = slot.id as string;
      const created = slot.created as Creation;
      let incident = toIncident(inserted.get(id) as IncidentRow);
      await context.afterStep(tx, incident, steps.get(id) as IncidentStep, context.creation);
      const followUp = POLICY_FOLLOW_UP[created.policy];
      if (followUp !== undefined)
        incident = await context.followUp(
          tx,
          id,
          followUp,
          `alert:${created.alert.alert_id}:${followUp}`,
          `device-event policy ${created.policy}`,
        );
      current.set(slot, incident);
    }
  }
  if (newLinks.length > 0)
    await tx.query(
      `INSERT INTO incident_alerts (alert_id, incident_id, linked_at)
       SELECT alert_id, incident_id, $3 FROM unnest($1::text[], $2::text[]) AS v(alert_id, incident_id)`,
      [newLinks.map((link) => link.alertId), newLinks.map((link) => link.slot.id), now],
    );
  if (evidence.length > 0)
    await tx.query(
      `INSERT INTO incident_evidence (incident_id, kind, source_key, alert_id, occurred_at, recorded_at, data)
       SELECT incident_id, kind, source_key, alert_id, occurred_at, $7, data::jsonb
         FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::timestamptz[], $6::text[])
           AS v(incident_id, kind, source_key, alert_id, occurred_at, data)
       ON CONFLICT (incident_id, source_key) DO NOTHING`,
      [
        evidence.map((item) => item.slot.id),
        evidence.map((item) => item.kind),
        evidence.map((item) => item.sourceKey),
        evidence.map((item) => item.alertId),
        evidence.map((item) => new Date(item.occurredMs).toISOString()),
        evidence.map((item) => JSON.stringify(item.data)),
        now,
      ],
    );

  // Each outcome shows the incident as that alert left it; merged incidents get their final counts.
  const merged = new Set<Slot>();
  const outcomes = ops.map((op): AlertOutcome => {
    if (op.op === 'ignored') return op.outcome;
    if (op.op === 'linked') return { outcome: 'linked', incident: current.get(op.slot) as Incident };
    if (op.op === 'created')
      return { outcome: 'created', incident: current.get(op.slot) as Incident, policy: op.policy };
    const before = current.get(op.slot) as Incident;
    const after: Incident = {
      ...before,
      occurrences: before.occurrences + 1,
      lastOccurredAt: new Date(Math.max(before.lastOccurredAt.getTime(), op.occurredMs)),
      severity: moreSevere(before.severity, op.alert.severity),
      urgent: before.urgent || op.alert.severity === 'critical',
      updatedAt: now,
    };
    current.set(op.slot, after);
    merged.add(op.slot);
    return { outcome: 'merged', incident: after, policy: op.policy };
  });
  if (merged.size > 0) {
    const finals = [...merged].map((slot) => current.get(slot) as Incident);
    await tx.query(
      `UPDATE incidents AS i SET occurrences = v.occurrences, last_occurred_at = v.last_occurred_at,
              severity = v.severity, urgent = v.urgent, updated_at = $6
         FROM unnest($1::text[], $2::integer[], $3::timestamptz[], $4::text[], $5::boolean[])
           AS v(id, occurrences, last_occurred_at, severity, urgent)
        WHERE i.id = v.id`,
      [
        finals.map((incident) => incident.id),
        finals.map((incident) => incident.occurrences),
        finals.map((incident) => incident.lastOccurredAt.toISOString()),
        finals.map((incident) => incident.severity),
        finals.map((incident) => incident.urgent),
        now,
      ],
    );
  }
  return outcomes;
}

/**
 * Transaction-level advisory locks, taken in one statement in (namespace, hash) order: every
 * transaction that takes several takes them in the same order, so none waits on another in a circle.
 */
async function lockAll(tx: Queryable, locks: ReadonlyArray<readonly [number, string]>): Promise<void> {
  await tx.query(
    `SELECT count(*) AS n FROM (
       SELECT pg_advisory_xact_lock(ns, h) FROM (
         SELECT DISTINCT ns, hashtext(key) AS h FROM unnest($1::integer[], $2::text[]) AS v(ns, key) ORDER BY ns, h
       ) AS sorted
     ) AS taken`,
    [locks.map(([namespace]) => namespace), locks.map(([, key]) => key)],
  );
}

async function insertIncidents(
  tx: Queryable,
  creations: readonly Slot[],
  rule: TransitionRule,
  drill: boolean,
  now: Date,
): Promise<Map<string, IncidentRow>> {
  const column = <T>(pick: (created: Creation, slot: Slot) => T) =>
    creations.map((slot) => pick(slot.created as Creation, slot));
  const { rows } = await tx.query<IncidentRow>(
    `INSERT INTO incidents (id, state, category_code, severity, urgent, level, source, drill, community, grid,
            building, unit, floor, room, device_id, gateway_id, alert_id, intake_request_id, dedup_key,
            first_occurred_at, last_occurred_at, title, description, created_at, updated_at)
     SELECT id, $17, category_code, severity, severity = 'critical', 'community', 'iot', $18, community, grid,
            building, unit, floor, room, device_id, gateway_id, alert_id, 'alert:' || alert_id, dedup_key,
            occurred_at, occurred_at, title, description, $19, $19
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
                   $8::integer[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[],
                   $14::timestamptz[], $15::text[], $16::text[])
         AS v(id, category_code, severity, community, grid, building, unit, floor, room, device_id, gateway_id,
              alert_id, dedup_key, occurred_at, title, description)
     RETURNING *`,
    [
      column((_, slot) => slot.id),
      column((created) => created.category),
      column((created) => created.alert.severity),
      column((created) => created.alert.place?.community ?? null),
      column((created) => created.alert.place?.grid ?? null),
      column((created) => created.alert.place?.building ?? null),
      column((created) => created.alert.place?.unit ?? null),
      column((created) => created.alert.place?.floor ?? null),
      column((created) => created.alert.place?.room ?? null),
      column((created) => created.alert.device_id),
      column((created) => created.event.gatewayid),
      column((created) => created.alert.alert_id),
      column((created) => created.key),
      column((created) => new Date(created.occurredMs).toISOString()),
      column((created) => created.alert.message.zh || created.alert.message.en),
      column((created) => created.alert.message.en || null),
      rule.to,
      drill,
      now,
    ],
  );
  return new Map(rows.map((row) => [row.id, row]));
}

async function insertCreationSteps(
  tx: Queryable,
  creations: readonly Slot[],
  rule: TransitionRule,
  now: Date,
): Promise<Map<string, IncidentStep>> {
  const { rows } = await tx.query<StepRow>(
    `INSERT INTO incident_steps (incident_id, seq, request_id, action, from_state, to_state, version, actor, role,
            data, at)
     SELECT incident_id, 1, request_id, $5, NULL, $6, 1, actor, 'system', data::jsonb, $7
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS v(incident_id, request_id, actor, data)
     RETURNING *`,
    [
      creations.map((slot) => slot.id),
      creations.map((slot) => `alert:${slot.created?.alert.alert_id}`),
      creations.map((slot) => `gateway:${slot.created?.event.gatewayid}`),
      creations.map((slot) => JSON.stringify({ rule_id: slot.created?.alert.rule_id, policy: slot.created?.policy })),
      rule.action,
      rule.to,
      now,
    ],
  );
  return new Map(rows.map((row) => [row.incident_id, toStep(row)]));
}

function moreSevere(a: Severity, b: Severity): Severity {
  return severityRank(b) > severityRank(a) ? b : a;
}
