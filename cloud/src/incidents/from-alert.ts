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
import { lockAll } from '../db/locks.js';
import { type Message, message } from '../i18n/message.js';
import { alertPlaceKey, dedupKey, repeatScopeKey } from './dedup.js';
import {
  type AfterHours,
  decidePolicies,
  isAfterHours,
  POLICY_FOLLOW_UP,
  type PolicyDecision,
  type RepeatScope,
  type RepeatThreshold,
} from './device-event-policy.js';
import { IncidentError } from './errors.js';
import { chinaDate } from './incident-id.js';
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
  /** The engine's step hooks, for each creation step. */
  afterStep(tx: Queryable, incident: Incident, step: IncidentStep, rule: TransitionRule): Promise<void>;
  /** The step the device-event policy takes right after creation (confirm first: verify). */
  followUp(tx: Queryable, incidentId: string, action: string, requestId: string, comment: Message): Promise<Incident>;
}

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
  /** The alerts it counts: 1, or those of a reached repeat threshold (its first one's time first). */
  occurrences: number;
  firstOccurredMs: number;
  repeat?: { scope: RepeatScope; count: number; windowMs: number };
  /** Opened at once because the alert happened within the policy's after-hours range. */
  afterHours?: AfterHours;
}

/** An alert held below a repeat threshold: stored already, or recorded by this batch. */
interface Held {
  gatewayId: string;
  alertId: string;
  scopeKey: string;
  occurredMs: number;
  sourceKey: string;
  data: unknown;
  stored: boolean;
  consumedBy?: Slot;
  /** What a new one stores. */
  alert?: AlertPayload;
  event?: CloudEvent;
  policyCategory?: string;
}

type Op =
  | { op: 'ignored'; outcome: AlertOutcome }
  | { op: 'held'; outcome: AlertOutcome }
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

/**
 * An alert's key: its gateway and the gateway's own alert id. Alert ids are the gateway's, so
 * another gateway's alert of the same id is another alert (gateway ids never hold a "/").
 */
function alertKey(gatewayId: string, alertId: string): string {
  return `${gatewayId}/${alertId}`;
}

function splitAlertKey(key: string): { gatewayId: string; alertId: string } {
  const at = key.indexOf('/');
  return { gatewayId: key.slice(0, at), alertId: key.slice(at + 1) };
}

function keyOfAlert(item: Exclude<ParsedAlert, { type: 'other' }>): string {
  return alertKey(item.event.gatewayid, item.type === 'active' ? item.alert.alert_id : item.data.alert_id);
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
 * scopes, the incidents it may touch locked in id order; then the decisions, made in memory, are
 * written with unnest-based inserts (incidents, their first steps) and one statement for the rest.
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
  type Active = Extract<ParsedAlert, { type: 'active' }>;
  type Keys = { decision: PolicyDecision; key?: string; scopeKey?: string; afterHours?: AfterHours };
  const keyOf = (item: Active): Keys => {
    const decision = policies.get(item.alert.category) as PolicyDecision;
    if (decision.policy === 'never') return { decision };
    // After hours (the alert's own time decides) an alert opens an incident at once: not held, not only an alert.
    const afterHours =
      decision.afterHours !== null && isAfterHours(decision.afterHours, item.occurredMs) ? decision.afterHours : null;
    if (decision.policy === 'alert_only' && decision.repeat === null && afterHours === null) return { decision };
    const key = dedupKey(
      item.event.gatewayid,
      decision.incidentCategory ?? item.alert.category,
      alertPlaceKey(item.alert),
    );
    if (afterHours !== null) return { decision, key, afterHours };
    const repeat = decision.repeat;
    if (repeat === null) return { decision, key };
    const bypass = repeat.bypassSeverity;
    if (bypass !== null && severityRank(item.alert.severity) >= severityRank(bypass)) return { decision, key };
    return {
      decision,
      key,
      scopeKey: `${item.event.gatewayid}|${decision.matched}|${drill}|${repeatScopeKey(repeat.scope, item.alert)}`,
    };
  };

  // What to lock: every alert id; the dedup key of each alert that may open or join an incident;
  // the repeat scope of each alert its policy counts.
  const alertIds = new Set<string>();
  const placeKeys = new Set<string>();
  const scopeKeys = new Set<string>();
  let earliestMs = Number.POSITIVE_INFINITY;
  let earliestHeldMs = Number.POSITIVE_INFINITY;
  for (const item of parsed) {
    if (item.type === 'other') continue;
    alertIds.add(keyOfAlert(item));
    if (item.type !== 'active') continue;
    const { key, scopeKey, decision } = keyOf(item);
    if (key === undefined) continue;
    placeKeys.add(key);
    earliestMs = Math.min(earliestMs, item.occurredMs);
    if (scopeKey === undefined) continue;
    scopeKeys.add(scopeKey);
    earliestHeldMs = Math.min(earliestHeldMs, item.occurredMs - (decision.repeat as RepeatThreshold).windowMs);
  }
  if (alertIds.size === 0) return parsed.map(() => ({ outcome: 'ignored', reason: 'not_an_alert' }));
  const alertGateways = [...alertIds].map((key) => splitAlertKey(key).gatewayId);
  const alertOwnIds = [...alertIds].map((key) => splitAlertKey(key).alertId);
  const dedupWindowMs = await context.dedupWindowMs(tx);
  await lockAll(tx, [
    ...[...alertIds].map((key) => ['alert', key] as const),
    ...[...placeKeys].map((key) => ['place', `${drill}:${key}`] as const),
    ...[...scopeKeys].map((key) => ['repeat', key] as const),
  ]);
  const heldById = new Map<string, Held>();
  const heldByScope = new Map<string, Held[]>();
  const hold = (held: Held) => {
    heldById.set(alertKey(held.gatewayId, held.alertId), held);
    heldByScope.set(held.scopeKey, [...(heldByScope.get(held.scopeKey) ?? []), held]);
  };
  if (scopeKeys.size > 0) {
    const { rows } = await tx.query<{
      gateway_id: string;
      alert_id: string;
      scope_key: string;
      occurred_at: Date;
      source_key: string;
      data: unknown;
      incident_id: string | null;
    }>(
      // The batch's own alerts held before, and those still counting in its scopes' windows; an index
      // probe each, as for the incidents below.
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
      [alertGateways, [...scopeKeys], new Date(earliestHeldMs), alertOwnIds],
    );
    for (const row of rows)
      hold({
        gatewayId: row.gateway_id,
        alertId: row.alert_id,
        scopeKey: row.scope_key,
        occurredMs: row.occurred_at.getTime(),
        sourceKey: row.source_key,
        data: row.data,
        stored: true,
        // Consumed by an incident already: no longer counted (its alert id finds the incident).
        ...(row.incident_id === null ? {} : { consumedBy: {} as Slot }),
      });
  }

  // The incidents the batch may touch, locked in id order: those its alert ids are linked to, and
  // the open ones of its dedup keys within the window of its earliest alert. Each key is looked up
  // on its own, an index probe each (LATERAL; OFFSET 0 keeps the planner from turning it into a
  // join): over a growing table whose statistics lag (a fresh deployment, a burst), `= ANY(array)`
  // or a join is planned as a full scan of the table for every batch.
  const stored = (
    await tx.query<IncidentRow & { linked_alerts: string[] | null }>(
      `WITH links AS (
         SELECT a.gateway_id || '/' || a.alert_id AS alert_key, a.incident_id
           FROM unnest($1::text[], $4::text[]) AS u(gateway_id, alert_id)
           JOIN LATERAL (SELECT gateway_id, alert_id, incident_id FROM incident_alerts
                          WHERE gateway_id = u.gateway_id AND alert_id = u.alert_id OFFSET 0) AS a
             ON true
       ), wanted AS (
         SELECT incident_id AS id FROM links
         UNION
         SELECT o.id FROM unnest($2::text[]) AS k(dedup_key)
           JOIN LATERAL (SELECT id FROM incidents
                          WHERE dedup_key = k.dedup_key AND closed_at IS NULL AND last_occurred_at >= $3 OFFSET 0) AS o
             ON true
       )
       SELECT i.*, (SELECT array_agg(l.alert_key) FROM links AS l WHERE l.incident_id = i.id) AS linked_alerts
         FROM incidents AS i
        WHERE i.id = ANY(ARRAY(SELECT id FROM wanted))
        ORDER BY i.id FOR UPDATE OF i`,
      [
        alertGateways,
        [...placeKeys],
        new Date(Number.isFinite(earliestMs) ? earliestMs - dedupWindowMs : 0),
        alertOwnIds,
      ],
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
  for (const row of stored)
    for (const alertId of row.linked_alerts ?? []) linkOf.set(alertId, slotOf.get(row.id) as Slot);

  const ops: Op[] = [];
  const evidence: Evidence[] = [];
  const newLinks: Array<{ key: string; slot: Slot }> = [];
  const creations: Slot[] = [];
  for (const item of parsed) {
    if (item.type === 'other') {
      ops.push({ op: 'ignored', outcome: { outcome: 'ignored', reason: 'not_an_alert' } });
      continue;
    }
    if (item.type === 'cleared') {
      const slot = linkOf.get(keyOfAlert(item));
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
    const ownKey = keyOfAlert(item);
    const record = (slot: Slot) =>
      evidence.push({
        slot,
        kind: item.kind,
        sourceKey: item.sourceKey,
        alertId: alert.alert_id,
        occurredMs: item.occurredMs,
        data: alert,
      });
    const linked = linkOf.get(ownKey);
    if (linked !== undefined) {
      record(linked);
      ops.push({ op: 'linked', slot: linked });
      continue;
    }
    const { decision, key, scopeKey, afterHours } = keyOf(item);
    if (key === undefined) {
      const reason = decision.policy as 'alert_only' | 'never';
      ops.push({ op: 'ignored', outcome: { outcome: 'ignored', reason, policy: decision.policy } });
      continue;
    }
    // The open incident of this place × category whose last alert is the latest within the window.
    let target: Slot | undefined;
    for (const slot of openByKey.get(`${drill}:${key}`) ?? []) {
      if (slot.lastOccurredMs < item.occurredMs - dedupWindowMs) continue;
      if (target === undefined || slot.lastOccurredMs > target.lastOccurredMs) target = slot;
    }
    if (target !== undefined) {
      target.lastOccurredMs = Math.max(target.lastOccurredMs, item.occurredMs);
      linkOf.set(ownKey, target);
      newLinks.push({ key: ownKey, slot: target });
      record(target);
      ops.push({ op: 'merged', slot: target, alert, occurredMs: item.occurredMs, policy: decision.policy });
      continue;
    }
    const created: Creation = {
      alert,
      event: item.event,
      category: decision.incidentCategory ?? alert.category,
      key,
      occurredMs: item.occurredMs,
      policy: decision.policy,
      occurrences: 1,
      firstOccurredMs: item.occurredMs,
      ...(afterHours === undefined ? {} : { afterHours }),
    };
    const slot: Slot = { created, dedupKey: key, drill, lastOccurredMs: item.occurredMs };
    if (scopeKey !== undefined) {
      // Below a repeat threshold: recorded and counted; the alert that reaches it opens the incident.
      const repeat = decision.repeat as RepeatThreshold;
      const isNew = !heldById.has(ownKey);
      const held: Held = heldById.get(ownKey) ?? {
        gatewayId: item.event.gatewayid,
        alertId: alert.alert_id,
        scopeKey,
        occurredMs: item.occurredMs,
        sourceKey: item.sourceKey,
        data: alert,
        stored: false,
        alert,
        event: item.event,
        policyCategory: decision.matched as string,
      };
      if (isNew) hold(held);
      // The window ends at this alert and reaches back less than its length: an alert exactly one
      // window earlier no longer counts.
      const window = (heldByScope.get(scopeKey) ?? []).filter(
        (other) =>
          other.consumedBy === undefined &&
          other.occurredMs <= held.occurredMs &&
          other.occurredMs > held.occurredMs - repeat.windowMs,
      );
      if (!isNew || window.length < repeat.count) {
        ops.push({
          op: 'held',
          outcome: { outcome: 'held', policy: decision.policy, repeats: window.length, threshold: repeat.count },
        });
        continue;
      }
      window.sort((a, b) => a.occurredMs - b.occurredMs);
      created.occurrences = window.length;
      created.firstOccurredMs = (window[0] as Held).occurredMs;
      created.repeat = { scope: repeat.scope, count: repeat.count, windowMs: repeat.windowMs };
      for (const earlier of window) {
        earlier.consumedBy = slot;
        if (earlier === held) continue;
        const earlierKey = alertKey(earlier.gatewayId, earlier.alertId);
        linkOf.set(earlierKey, slot);
        newLinks.push({ key: earlierKey, slot });
        evidence.push({
          slot,
          kind: 'alert_raised',
          sourceKey: earlier.sourceKey,
          alertId: earlier.alertId,
          occurredMs: earlier.occurredMs,
          data: earlier.data,
        });
      }
    }
    creations.push(slot);
    open(slot);
    linkOf.set(ownKey, slot);
    newLinks.push({ key: ownKey, slot });
    record(slot);
    ops.push({ op: 'created', slot, policy: decision.policy });
  }

  // The writes: new incidents and their first steps, links, evidence, then the merged counts.
  const now = context.clock();
  const current = new Map<Slot, Incident>();
  for (const slot of slotOf.values()) current.set(slot, toIncident(slot.row as IncidentRow));
  if (creations.length > 0) {
    if (!context.creation.roles.includes('system'))
      throw new IncidentError(
        'GL_INCIDENT_ROLE_NOT_ALLOWED',
        `role system may not report incidents, so alerts cannot open any; roles allowed: ${context.creation.roles.join(', ')}`,
        { action: context.creation.action, role: 'system', allowed: context.creation.roles },
      );
    const inserted = await insertCreations(tx, creations, context.creation, drill, now);
    for (const slot of creations) {
      const id = slot.id as string;
      const created = slot.created as Creation;
      const { row, step } = inserted.get(id) as { row: IncidentRow; step: IncidentStep };
      let incident = toIncident(row);
      await context.afterStep(tx, incident, step, context.creation);
      const followUp = POLICY_FOLLOW_UP[created.policy];
      if (followUp !== undefined)
        incident = await context.followUp(
          tx,
          id,
          followUp,
          `alert:${created.alert.alert_id}:${followUp}`,
          message('step.alert_policy', { policy: created.policy }),
        );
      current.set(slot, incident);
    }
  }
  // Each outcome shows the incident as that alert left it; merged incidents get their final counts.
  const merged = new Set<Slot>();
  const outcomes = ops.map((op): AlertOutcome => {
    if (op.op === 'ignored' || op.op === 'held') return op.outcome;
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

  await writeTheRest(tx, {
    links: newLinks,
    evidence,
    held: [...heldById.values()],
    merged: [...merged].map((slot) => current.get(slot) as Incident),
    drill,
    now,
  });
  return outcomes;
}

/**
 * The new incidents and their first steps in one statement: numbered from the case-number sequence
 * in batch order (each slot learns its id), each with its `report` step.
 */
async function insertCreations(
  tx: Queryable,
  creations: readonly Slot[],
  rule: TransitionRule,
  drill: boolean,
  now: Date,
): Promise<Map<string, { row: IncidentRow; step: IncidentStep }>> {
  const column = <T>(pick: (created: Creation) => T) => creations.map((slot) => pick(slot.created as Creation));
  const { rows } = await tx.query<IncidentRow & PrefixedStep>(
    `WITH created AS (
     INSERT INTO incidents (id, state, category_code, severity, urgent, level, source, drill, community, grid,
              building, unit, floor, room, device_id, gateway_id, alert_id, intake_request_id, dedup_key,
              occurrences, first_occurred_at, last_occurred_at, title, description, title_message, created_at, updated_at)
       SELECT 'INC-' || $16 || '-' || lpad(n::text, greatest(6, length(n::text)), '0'), $17, category_code, severity,
              severity = 'critical', 'community', 'iot', $18, community, grid, building, unit, floor, room, device_id,
              gateway_id, alert_id, 'alert:' || gateway_id || '/' || alert_id, dedup_key, occurrences, first_occurred_at, occurred_at, title,
              description, title_message::jsonb, $19, $19
         FROM (SELECT v.*, nextval('incident_number') AS n
                 FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::integer[],
                             $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::timestamptz[],
                             $14::text[], $15::text[], $20::integer[], $21::timestamptz[], $25::text[])
                   WITH ORDINALITY AS v(category_code, severity, community, grid, building, unit, floor, room,
                        device_id, gateway_id, alert_id, dedup_key, occurred_at, title, description, occurrences,
                        first_occurred_at, title_message, position)
                ORDER BY position) AS numbered
       RETURNING *
     ), steps AS (
       INSERT INTO incident_steps (incident_id, seq, request_id, action, from_state, to_state, version, actor, role,
              data, at)
       SELECT c.id, 1, c.intake_request_id, $22, NULL, c.state, c.version, v.actor, 'system', v.data::jsonb, $19
         FROM created AS c JOIN unnest($10::text[], $11::text[], $23::text[], $24::text[])
                                  AS v(gateway_id, alert_id, actor, data)
           ON v.gateway_id = c.gateway_id AND v.alert_id = c.alert_id
       RETURNING *
     )
     SELECT c.*, ${STEP_COLUMNS.map((name) => `s.${name} AS step_${name}`).join(', ')}
       FROM created AS c JOIN steps AS s ON s.incident_id = c.id`,
    [
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
      // The alert's message comes in both languages: the title keeps both and renders the reader's;
      // no description repeats it in English.
      column(() => null),
      chinaDate(now),
      rule.to,
      drill,
      now,
      column((created) => created.occurrences),
      column((created) => new Date(created.firstOccurredMs).toISOString()),
      rule.action,
      column((created) => `gateway:${created.event.gatewayid}`),
      column((created) => JSON.stringify(creationData(created))),
      column((created) => JSON.stringify(alertTitle(created.alert.message))),
    ],
  );
  const created = new Map<string, { row: IncidentRow; step: IncidentStep }>();
  const byAlert = new Map<string, string>();
  for (const joined of rows) {
    const row = { ...joined } as Record<string, unknown>;
    const step = {} as Record<string, unknown>;
    for (const name of STEP_COLUMNS) {
      step[name] = row[`step_${name}`];
      delete row[`step_${name}`];
    }
    created.set(joined.id, { row: row as unknown as IncidentRow, step: toStep(step as unknown as StepRow) });
    byAlert.set(alertKey(joined.gateway_id as string, joined.alert_id as string), joined.id);
  }
  for (const slot of creations) {
    const created = slot.created as Creation;
    slot.id = byAlert.get(alertKey(created.event.gatewayid, created.alert.alert_id));
  }
  return created;
}

const STEP_COLUMNS = [
  'incident_id',
  'seq',
  'request_id',
  'action',
  'from_state',
  'to_state',
  'version',
  'actor',
  'role',
  'comment',
  'attachments',
  'data',
  'at',
  'deadline',
  'light',
] as const;
type PrefixedStep = { [K in (typeof STEP_COLUMNS)[number] as `step_${K}`]: StepRow[K] };

/** An alert's message as the incident's title: the gateway's text in both languages. */
function alertTitle(text: { zh?: string; en?: string }): Message {
  const zh = text.zh || text.en || '';
  return message('text.bilingual', { zh, en: text.en || zh });
}

/** What the creation step records of why: the gateway rule, the policy, the repeat threshold reached or the hours. */
function creationData(created: Creation): Record<string, unknown> {
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
    links: ReadonlyArray<{ key: string; slot: Slot }>;
    evidence: readonly Evidence[];
    held: readonly Held[];
    merged: readonly Incident[];
    drill: boolean;
    now: Date;
  },
): Promise<void> {
  const params: unknown[] = [];
  const $ = (value: unknown, type: string) => {
    params.push(value);
    return `$${params.length}::${type}`;
  };
  const parts: string[] = [];
  const { links, evidence, merged, now } = writes;
  if (links.length > 0)
    parts.push(`linked AS (
      INSERT INTO incident_alerts (gateway_id, alert_id, incident_id, linked_at)
      SELECT gateway_id, alert_id, incident_id, ${$(now, 'timestamptz')}
        FROM unnest(${$(
          links.map((link) => splitAlertKey(link.key).gatewayId),
          'text[]',
        )}, ${$(
          links.map((link) => splitAlertKey(link.key).alertId),
          'text[]',
        )}, ${$(
          links.map((link) => link.slot.id),
          'text[]',
        )}) AS v(gateway_id, alert_id, incident_id))`);
  if (evidence.length > 0)
    parts.push(`evidence AS (
      INSERT INTO incident_evidence (incident_id, kind, source_key, alert_id, occurred_at, recorded_at, data)
      SELECT incident_id, kind, source_key, alert_id, occurred_at, ${$(now, 'timestamptz')}, data::jsonb
        FROM unnest(${$(
          evidence.map((item) => item.slot.id),
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
      ON CONFLICT (incident_id, source_key) DO NOTHING)`);
  const fresh = writes.held.filter((item) => !item.stored);
  if (fresh.length > 0) {
    const column = (pick: (item: Held) => unknown, type: string) => $(fresh.map(pick), type);
    parts.push(`held AS (
      INSERT INTO held_alerts (alert_id, policy_category, scope_key, category_code, severity, drill, gateway_id,
             device_id, community, grid, building, source_key, occurred_at, recorded_at, data, incident_id)
      SELECT alert_id, policy_category, scope_key, category_code, severity, ${$(writes.drill, 'boolean')}, gateway_id,
             device_id, community, grid, building, source_key, occurred_at, ${$(now, 'timestamptz')}, data::jsonb,
             incident_id
        FROM unnest(${column((item) => item.alertId, 'text[]')}, ${column((item) => item.policyCategory, 'text[]')},
                    ${column((item) => item.scopeKey, 'text[]')}, ${column((item) => item.alert?.category, 'text[]')},
                    ${column((item) => item.alert?.severity, 'text[]')}, ${column((item) => item.event?.gatewayid, 'text[]')},
                    ${column((item) => item.alert?.device_id, 'text[]')},
                    ${column((item) => item.alert?.place?.community ?? null, 'text[]')},
                    ${column((item) => item.alert?.place?.grid ?? null, 'text[]')},
                    ${column((item) => item.alert?.place?.building ?? null, 'text[]')},
                    ${column((item) => item.sourceKey, 'text[]')},
                    ${column((item) => new Date(item.occurredMs).toISOString(), 'timestamptz[]')},
                    ${column((item) => JSON.stringify(item.data), 'text[]')},
                    ${column((item) => item.consumedBy?.id ?? null, 'text[]')})
          AS v(alert_id, policy_category, scope_key, category_code, severity, gateway_id, device_id, community,
               grid, building, source_key, occurred_at, data, incident_id)
      ON CONFLICT (gateway_id, alert_id) DO NOTHING)`);
  }
  const consumed = writes.held.filter((item) => item.stored && item.consumedBy?.id !== undefined);
  if (consumed.length > 0)
    parts.push(`consumed AS (
      UPDATE held_alerts AS h SET incident_id = v.incident_id
        FROM unnest(${$(
          consumed.map((item) => item.gatewayId),
          'text[]',
        )}, ${$(
          consumed.map((item) => item.alertId),
          'text[]',
        )}, ${$(
          consumed.map((item) => item.consumedBy?.id),
          'text[]',
        )}) AS v(gateway_id, alert_id, incident_id)
       WHERE h.gateway_id = v.gateway_id AND h.alert_id = v.alert_id AND h.incident_id IS NULL)`);
  if (merged.length > 0)
    parts.push(`merged AS (
      UPDATE incidents AS i SET occurrences = v.occurrences, last_occurred_at = v.last_occurred_at,
             severity = v.severity, urgent = v.urgent, updated_at = ${$(now, 'timestamptz')}
        FROM unnest(${$(
          merged.map((incident) => incident.id),
          'text[]',
        )}, ${$(
          merged.map((incident) => incident.occurrences),
          'integer[]',
        )}, ${$(
          merged.map((incident) => incident.lastOccurredAt.toISOString()),
          'timestamptz[]',
        )}, ${$(
          merged.map((incident) => incident.severity),
          'text[]',
        )}, ${$(
          merged.map((incident) => incident.urgent),
          'boolean[]',
        )}) AS v(id, occurrences, last_occurred_at, severity, urgent)
       WHERE i.id = v.id)`);
  if (parts.length > 0) await tx.query(`WITH ${parts.join(',\n')}\nSELECT 1 AS written`, params);
}

function moreSevere(a: Severity, b: Severity): Severity {
  return severityRank(b) > severityRank(a) ? b : a;
}
