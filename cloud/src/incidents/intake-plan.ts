import {
  type AlertPayload,
  type CloudEvent,
  type DeviceEventPolicy,
  type Severity,
  severityRank,
  type UplinkData,
} from '@gridlink/protocol';
import type { LockNamespace } from '../db/locks.js';
import { alertPlaceKey, dedupKey, repeatScopeKey } from './dedup.js';
import {
  type AfterHours,
  isAfterHours,
  POLICY_FOLLOW_UP,
  type PolicyDecision,
  type RepeatScope,
  type RepeatThreshold,
} from './device-event-policy.js';
import type { Incident, IncidentEvidence } from './records.js';

/**
 * The decisions of alert intake (docs/domain.md §7), made in memory on what the batch read: which
 * alerts are ignored, held below a repeat threshold, linked to the incident they are in already,
 * merged into an open incident of their place × category, or open a new one. No database here:
 * `intakeNeeds` says what to lock and read, `planIntake` decides on what was read, and the writer
 * (from-alert.ts) carries the plan out.
 */

type ClearedData = UplinkData<'cn.gridlink.alert.cleared.v1'>;

/** A gateway alert CloudEvent, validated (see `parseAlerts`). */
export type ParsedAlert =
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

type ActiveAlert = Extract<ParsedAlert, { type: 'active' }>;
type KnownAlert = Exclude<ParsedAlert, { type: 'other' }>;

/** One gateway's alert: alert ids are the gateway's own, so another gateway's same id is another alert. */
export interface AlertRef {
  gatewayId: string;
  alertId: string;
}

/**
 * An alert's key: its gateway and the gateway's own alert id (gateway ids never hold a "/").
 */
export function alertKey(gatewayId: string, alertId: string): string {
  return `${gatewayId}/${alertId}`;
}

export function splitAlertKey(key: string): AlertRef {
  const at = key.indexOf('/');
  return { gatewayId: key.slice(0, at), alertId: key.slice(at + 1) };
}

function keyOfAlert(item: KnownAlert): string {
  return alertKey(item.event.gatewayid, item.type === 'active' ? item.alert.alert_id : item.data.alert_id);
}

/** What the policy makes of one active alert: the keys it may open or join an incident under. */
interface AlertKeys {
  decision: PolicyDecision;
  /** The dedup key (place × category), when the alert may open or join an incident. */
  key?: string;
  /** The repeat scope, when the alert is counted below a threshold first. */
  scopeKey?: string;
  /** Opened at once because the alert happened within the policy's after-hours range. */
  afterHours?: AfterHours;
}

function keysOf(item: ActiveAlert, policies: ReadonlyMap<string, PolicyDecision>, drill: boolean): AlertKeys {
  const decision = policies.get(item.alert.category) as PolicyDecision;
  if (decision.policy === 'never') return { decision };
  // After hours (the alert's own time decides) an alert opens an incident at once: not held, not only an alert.
  const afterHours =
    decision.afterHours !== null && isAfterHours(decision.afterHours, item.occurredMs) ? decision.afterHours : null;
  if (decision.policy === 'alert_only' && decision.repeat === null && afterHours === null) return { decision };
  const key = dedupKey(
    item.event.gatewayid,
    decision.incidentCategory ?? item.alert.category,
    // A maintenance ticket is one device's repair: two detectors of one stairwell are two tickets.
    decision.policy === 'maintenance_ticket' ? `device:${item.alert.device_id}` : alertPlaceKey(item.alert),
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
}

/** What a batch must lock and read before deciding. */
export interface IntakeNeeds {
  /** Every alert of the batch (raised, updated, cleared), once each. */
  alerts: AlertRef[];
  /** The dedup keys of the alerts that may open or join an incident. */
  dedupKeys: string[];
  /** The repeat scopes of the alerts their policy counts. */
  scopeKeys: string[];
  /** The earliest alert that may open or join an incident (open incidents are looked up from a window before it). */
  earliestMs: number;
  /** The start of the earliest repeat window (held alerts since then still count). */
  earliestHeldMs: number;
  /** Every advisory lock the batch takes, in one statement: alert ids, dedup keys (per drill), repeat scopes. */
  locks: Array<readonly [LockNamespace, string]>;
}

/** The batch's keys under the policies of its categories (`policies` covers every active alert's category). */
export function intakeNeeds(
  parsed: readonly ParsedAlert[],
  policies: ReadonlyMap<string, PolicyDecision>,
  drill: boolean,
): IntakeNeeds {
  const alertIds = new Set<string>();
  const placeKeys = new Set<string>();
  const scopeKeys = new Set<string>();
  let earliestMs = Number.POSITIVE_INFINITY;
  let earliestHeldMs = Number.POSITIVE_INFINITY;
  for (const item of parsed) {
    if (item.type === 'other') continue;
    alertIds.add(keyOfAlert(item));
    if (item.type !== 'active') continue;
    const { key, scopeKey, decision } = keysOf(item, policies, drill);
    if (key === undefined) continue;
    placeKeys.add(key);
    // Open maintenance tickets are joined whenever they were last seen: looked up from the start.
    earliestMs = Math.min(earliestMs, decision.policy === 'maintenance_ticket' ? 0 : item.occurredMs);
    if (scopeKey === undefined) continue;
    scopeKeys.add(scopeKey);
    earliestHeldMs = Math.min(earliestHeldMs, item.occurredMs - (decision.repeat as RepeatThreshold).windowMs);
  }
  return {
    alerts: [...alertIds].map(splitAlertKey),
    dedupKeys: [...placeKeys],
    scopeKeys: [...scopeKeys],
    earliestMs,
    earliestHeldMs,
    locks: [
      ...[...alertIds].map((key) => ['alert', key] as const),
      ...[...placeKeys].map((key) => ['place', `${drill}:${key}`] as const),
      ...[...scopeKeys].map((key) => ['repeat', key] as const),
    ],
  };
}

/** A stored incident the batch may touch: linked to one of its alerts, or open under one of its dedup keys. */
export interface StoredIncident {
  id: string;
  dedupKey: string | null;
  drill: boolean;
  closed: boolean;
  lastOccurredMs: number;
  /** The batch's alerts already linked to it. */
  linkedAlerts: readonly AlertRef[];
}

/** A stored held alert: one of the batch's own, or one still counting in a repeat window of the batch. */
export interface StoredHeld extends AlertRef {
  scopeKey: string;
  occurredMs: number;
  sourceKey: string;
  data: unknown;
  /** Consumed by an incident already: no longer counted (its alert id finds the incident). */
  consumed: boolean;
}

export interface IntakeInputs {
  parsed: readonly ParsedAlert[];
  drill: boolean;
  /** The policy decision of each active alert's category. */
  policies: ReadonlyMap<string, PolicyDecision>;
  /** The dedup window in force. */
  dedupWindowMs: number;
  incidents: readonly StoredIncident[];
  held: readonly StoredHeld[];
}

/** An incident of the plan: a stored one, or the plan's n-th creation (its id comes from the insert). */
export type IncidentRef = { stored: string } | { created: number };

/** A new incident from an alert (or from the alerts of a reached repeat threshold). */
export interface PlannedCreation {
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
  /** The step the policy takes right after creation (confirm first: verify). */
  followUp?: string;
}

/** The outcome of each alert, in batch order; incidents are named by reference until written. */
export type PlannedOutcome =
  | { outcome: 'created'; incident: IncidentRef; policy: DeviceEventPolicy }
  | {
      outcome: 'merged';
      incident: IncidentRef;
      policy: DeviceEventPolicy;
      severity: Severity;
      occurredMs: number;
    }
  | { outcome: 'linked'; incident: IncidentRef }
  | { outcome: 'held'; policy: DeviceEventPolicy; repeats: number; threshold: number }
  | {
      outcome: 'ignored';
      reason: 'alert_only' | 'never' | 'unknown_alert' | 'not_an_alert';
      policy?: DeviceEventPolicy;
    };

export interface PlannedEvidence {
  incident: IncidentRef;
  kind: IncidentEvidence['kind'];
  sourceKey: string;
  alertId: string;
  occurredMs: number;
  data: unknown;
}

/** An alert held below a repeat threshold by this batch (consumed at once when it reached it). */
export interface PlannedHeld extends AlertRef {
  alert: AlertPayload;
  event: CloudEvent;
  policyCategory: string;
  scopeKey: string;
  occurredMs: number;
  sourceKey: string;
  data: unknown;
  incident: IncidentRef | null;
}

export interface IntakePlan {
  outcomes: PlannedOutcome[];
  /** In batch order: they are numbered in it. */
  creations: PlannedCreation[];
  /** Alerts newly linked to an incident. */
  links: Array<AlertRef & { incident: IncidentRef }>;
  evidence: PlannedEvidence[];
  held: PlannedHeld[];
  /** Stored held alerts whose repeat threshold this batch reached. */
  consumed: Array<AlertRef & { incident: IncidentRef }>;
}

/** An incident the planner tracks: stored, or created by this batch. */
interface Slot {
  ref: IncidentRef;
  lastOccurredMs: number;
}

/** A held alert the planner counts: stored, or held by this batch. */
interface Held {
  ref: AlertRef;
  scopeKey: string;
  occurredMs: number;
  sourceKey: string;
  data: unknown;
  stored: boolean;
  /** `true`: consumed before this batch; a slot: consumed by it. */
  consumedBy?: Slot | true;
  planned?: PlannedHeld;
}

/**
 * Each alert's outcome as it would have been one after the other in batch order: the alert already
 * in an incident is linked (cleared alerts only so, else ignored); an alert the policy drops is
 * ignored; one with an open incident of its place × category within the dedup window joins the one
 * whose last alert is latest; below a repeat threshold it is held until the alert that reaches it,
 * which opens the incident with the window's alerts; otherwise it opens a new incident.
 */
export function planIntake(inputs: IntakeInputs): IntakePlan {
  const { parsed, drill, policies, dedupWindowMs } = inputs;
  const plan: IntakePlan = { outcomes: [], creations: [], links: [], evidence: [], held: [], consumed: [] };

  const heldById = new Map<string, Held>();
  const heldByScope = new Map<string, Held[]>();
  const hold = (held: Held) => {
    heldById.set(alertKey(held.ref.gatewayId, held.ref.alertId), held);
    heldByScope.set(held.scopeKey, [...(heldByScope.get(held.scopeKey) ?? []), held]);
  };
  for (const stored of inputs.held)
    hold({
      ref: { gatewayId: stored.gatewayId, alertId: stored.alertId },
      scopeKey: stored.scopeKey,
      occurredMs: stored.occurredMs,
      sourceKey: stored.sourceKey,
      data: stored.data,
      stored: true,
      ...(stored.consumed ? { consumedBy: true as const } : {}),
    });

  const openByKey = new Map<string, Slot[]>();
  const open = (slot: Slot, dedup: string, slotDrill: boolean) => {
    const key = `${slotDrill}:${dedup}`;
    openByKey.set(key, [...(openByKey.get(key) ?? []), slot]);
  };
  const linkOf = new Map<string, Slot>();
  for (const incident of inputs.incidents) {
    const slot: Slot = { ref: { stored: incident.id }, lastOccurredMs: incident.lastOccurredMs };
    if (incident.dedupKey !== null && !incident.closed) open(slot, incident.dedupKey, incident.drill);
    for (const alert of incident.linkedAlerts) linkOf.set(alertKey(alert.gatewayId, alert.alertId), slot);
  }

  const link = (key: string, slot: Slot) => {
    linkOf.set(key, slot);
    plan.links.push({ ...splitAlertKey(key), incident: slot.ref });
  };

  for (const item of parsed) {
    if (item.type === 'other') {
      plan.outcomes.push({ outcome: 'ignored', reason: 'not_an_alert' });
      continue;
    }
    if (item.type === 'cleared') {
      const slot = linkOf.get(keyOfAlert(item));
      if (slot === undefined) {
        plan.outcomes.push({ outcome: 'ignored', reason: 'unknown_alert' });
        continue;
      }
      plan.evidence.push({
        incident: slot.ref,
        kind: 'alert_cleared',
        sourceKey: item.sourceKey,
        alertId: item.data.alert_id,
        occurredMs: item.occurredMs,
        data: item.data,
      });
      plan.outcomes.push({ outcome: 'linked', incident: slot.ref });
      continue;
    }
    const { alert } = item;
    const ownKey = keyOfAlert(item);
    const record = (slot: Slot) =>
      plan.evidence.push({
        incident: slot.ref,
        kind: item.kind,
        sourceKey: item.sourceKey,
        alertId: alert.alert_id,
        occurredMs: item.occurredMs,
        data: alert,
      });
    const linked = linkOf.get(ownKey);
    if (linked !== undefined) {
      record(linked);
      plan.outcomes.push({ outcome: 'linked', incident: linked.ref });
      continue;
    }
    const { decision, key, scopeKey, afterHours } = keysOf(item, policies, drill);
    if (key === undefined) {
      const reason = decision.policy as 'alert_only' | 'never';
      plan.outcomes.push({ outcome: 'ignored', reason, policy: decision.policy });
      continue;
    }
    // The open incident of this place × category whose last alert is the latest within the window.
    let target: Slot | undefined;
    // A maintenance ticket stays the device's one ticket for the fault however long it stays open.
    const windowMs = decision.policy === 'maintenance_ticket' ? Number.POSITIVE_INFINITY : dedupWindowMs;
    for (const slot of openByKey.get(`${drill}:${key}`) ?? []) {
      if (slot.lastOccurredMs < item.occurredMs - windowMs) continue;
      if (target === undefined || slot.lastOccurredMs > target.lastOccurredMs) target = slot;
    }
    if (target !== undefined) {
      target.lastOccurredMs = Math.max(target.lastOccurredMs, item.occurredMs);
      link(ownKey, target);
      record(target);
      plan.outcomes.push({
        outcome: 'merged',
        incident: target.ref,
        policy: decision.policy,
        severity: alert.severity,
        occurredMs: item.occurredMs,
      });
      continue;
    }
    const followUp = POLICY_FOLLOW_UP[decision.policy];
    const created: PlannedCreation = {
      alert,
      event: item.event,
      category: decision.incidentCategory ?? alert.category,
      key,
      occurredMs: item.occurredMs,
      policy: decision.policy,
      occurrences: 1,
      firstOccurredMs: item.occurredMs,
      ...(afterHours === undefined ? {} : { afterHours }),
      ...(followUp === undefined ? {} : { followUp }),
    };
    const slot: Slot = { ref: { created: plan.creations.length }, lastOccurredMs: item.occurredMs };
    if (scopeKey !== undefined) {
      // Below a repeat threshold: recorded and counted; the alert that reaches it opens the incident.
      const repeat = decision.repeat as RepeatThreshold;
      let held = heldById.get(ownKey);
      const isNew = held === undefined;
      if (held === undefined) {
        const planned: PlannedHeld = {
          gatewayId: item.event.gatewayid,
          alertId: alert.alert_id,
          alert,
          event: item.event,
          policyCategory: decision.matched as string,
          scopeKey,
          occurredMs: item.occurredMs,
          sourceKey: item.sourceKey,
          data: alert,
          incident: null,
        };
        plan.held.push(planned);
        held = {
          ref: { gatewayId: planned.gatewayId, alertId: planned.alertId },
          scopeKey,
          occurredMs: item.occurredMs,
          sourceKey: item.sourceKey,
          data: alert,
          stored: false,
          planned,
        };
        hold(held);
      }
      const own = held;
      // The window ends at this alert and reaches back less than its length: an alert exactly one
      // window earlier no longer counts.
      const window = (heldByScope.get(scopeKey) ?? []).filter(
        (other) =>
          other.consumedBy === undefined &&
          other.occurredMs <= own.occurredMs &&
          other.occurredMs > own.occurredMs - repeat.windowMs,
      );
      if (!isNew || window.length < repeat.count) {
        plan.outcomes.push({
          outcome: 'held',
          policy: decision.policy,
          repeats: window.length,
          threshold: repeat.count,
        });
        continue;
      }
      window.sort((a, b) => a.occurredMs - b.occurredMs);
      created.occurrences = window.length;
      created.firstOccurredMs = (window[0] as Held).occurredMs;
      created.repeat = { scope: repeat.scope, count: repeat.count, windowMs: repeat.windowMs };
      for (const earlier of window) {
        earlier.consumedBy = slot;
        if (earlier.planned !== undefined) earlier.planned.incident = slot.ref;
        else plan.consumed.push({ ...earlier.ref, incident: slot.ref });
        if (earlier === own) continue;
        link(alertKey(earlier.ref.gatewayId, earlier.ref.alertId), slot);
        plan.evidence.push({
          incident: slot.ref,
          kind: 'alert_raised',
          sourceKey: earlier.sourceKey,
          alertId: earlier.ref.alertId,
          occurredMs: earlier.occurredMs,
          data: earlier.data,
        });
      }
    }
    plan.creations.push(created);
    open(slot, key, drill);
    link(ownKey, slot);
    record(slot);
    plan.outcomes.push({ outcome: 'created', incident: slot.ref, policy: decision.policy });
  }
  return plan;
}

/** The incident as an alert joining it leaves it: one more occurrence, the latest time, the worse severity. */
export function withMergedAlert(
  incident: Incident,
  merged: { severity: Severity; occurredMs: number },
  now: Date,
): Incident {
  return {
    ...incident,
    occurrences: incident.occurrences + 1,
    lastOccurredAt: new Date(Math.max(incident.lastOccurredAt.getTime(), merged.occurredMs)),
    severity: moreSevere(incident.severity, merged.severity),
    urgent: incident.urgent || merged.severity === 'critical',
    updatedAt: now,
  };
}

function moreSevere(a: Severity, b: Severity): Severity {
  return severityRank(b) > severityRank(a) ? b : a;
}
