import { type AlertPayload, type Rule, type Suppression, toTimestamp } from '@gridlink/protocol';
import type { DeviceRecord } from '../devices/directory.js';
import { type ConditionState, holds, initialState, type Observation, observe } from './conditions.js';
import { placeKey, selects } from './matching.js';
import { type GatewayClearReason, type RuleDevice, ruleDevice } from './rule-device.js';
import { scheduleActive } from './schedule.js';

export type AlertTransition =
  | { type: 'raised'; alert: AlertPayload }
  /** Still active: a new occurrence, or a periodic re-announcement (`repeat_every_s`). */
  | { type: 'updated'; alert: AlertPayload; repeat: boolean }
  | { type: 'cleared'; alert: AlertPayload; at: number; reason: GatewayClearReason };

/** One rule applied to one device (or, for correlations, one place). Plain JSON: persisted as is. */
export interface Instance {
  key: string;
  ruleId: string;
  /** The device the alert names: the subject device, or the latest one in a correlation. */
  device: RuleDevice;
  condition: ConditionState;
  alert: { id: string; since: number; lastSeen: number; occurrences: number; announcedAt: number } | null;
  values: Record<string, unknown>;
}

export interface EngineOptions {
  rules: readonly Rule[];
  suppressions?: readonly Suppression[];
  /** Schedules are in local time; Chinese communities run on Asia/Shanghai (UTC+8, no DST). */
  timeZone?: string;
  newAlertId: () => string;
}

export interface EngineSnapshot {
  instances: Instance[];
}

/**
 * The alert rules of one gateway: decode once, evaluate many. Feed it every valid device message
 * (`observe`) and the passing of time (`tick`); it returns alert transitions: raise → (repeat:
 * occurrences up, no new alert) → clear. Time is passed in, so tests run hours in milliseconds and
 * the state survives a restart (`snapshot` / `restore`).
 */
export class RuleEngine {
  private readonly rules: readonly Rule[];
  private readonly byId = new Map<string, Rule>();
  /** Rules by the device kind they can apply to; `*` holds rules whose selector names no kinds. */
  private readonly byKind = new Map<string, Rule[]>();
  /** The rules a device kind's messages are offered to (its own, then `*`), one array per kind. */
  private readonly forKind = new Map<string, readonly Rule[]>();
  private readonly suppressions: readonly Suppression[];
  /** Rule id → subject (device id or place) → instance: no key strings built on the hot path. */
  private readonly instances = new Map<string, Map<string, Instance>>();
  private readonly timeZone: string;
  /** Instances that may have changed, and keys of instances dropped, since `takeChanges`. */
  private touched = new Set<Instance>();
  private dropped = new Set<string>();

  constructor(private readonly options: EngineOptions) {
    this.rules = options.rules.filter((rule) => rule.enabled);
    // Decode once, evaluate many: a message is offered only to the rules that can select its kind.
    for (const rule of this.rules) {
      this.byId.set(rule.id, rule);
      const kinds = new Set<string>(rule.selector.kinds ?? ['*']);
      if (rule.condition.type === 'correlation') {
        for (const entry of rule.condition.of)
          for (const kind of entry.selector?.kinds ?? rule.selector.kinds ?? ['*']) kinds.add(kind);
      }
      // A rule is listed once: under `*` if it can apply to any kind, else under each of its kinds.
      for (const kind of kinds.has('*') ? ['*'] : kinds)
        this.byKind.set(kind, [...(this.byKind.get(kind) ?? []), rule]);
    }
    this.suppressions = options.suppressions ?? [];
    this.timeZone = options.timeZone ?? 'Asia/Shanghai';
  }

  /** Starts absence timers for devices that have not spoken yet (a silent device must still alert). */
  watch(devices: Iterable<DeviceRecord>, now: number): void {
    const absence = this.rules.filter((rule) => rule.condition.type === 'absence');
    for (const device of devices) {
      for (const rule of absence) if (selects(rule.selector, device)) this.instance(rule, device, now);
    }
  }

  /** Whether any rule can apply to a device of this kind: messages of other kinds need no observation. */
  concerns(kind: string): boolean {
    return this.candidates(kind).length > 0;
  }

  observe(obs: Observation): AlertTransition[] {
    const out: AlertTransition[] = [];
    for (const rule of this.candidates(obs.device.kind)) {
      // Outside its schedule an event-driven rule ignores events: a daytime door_forced must not
      // raise the after-hours alert at 22:00. Thresholds and absences keep tracking state.
      const eventDriven =
        rule.condition.type === 'event' || rule.condition.type === 'count' || rule.condition.type === 'correlation';
      if (eventDriven && !scheduleActive(rule.schedule, obs.at, this.timeZone)) continue;
      const selected = selects(rule.selector, obs.device);
      if (rule.condition.type === 'correlation') {
        const place = placeKey(obs.device, rule.condition.same);
        if (place === undefined) continue;
        const mentioned = rule.condition.of.some((entry) =>
          entry.selector ? selects(entry.selector, obs.device) : selected,
        );
        if (!mentioned) continue;
        const instance = this.instance(rule, obs.device, obs.at, place);
        capture(instance.condition);
        const triggered = observe(rule.condition, instance.condition, obs, selected);
        // The alert names the device that completed the correlation; it stays put while active,
        // so its retained topic does not move.
        if (triggered && !instance.alert) instance.device = ruleDevice(obs.device);
        const transitions = this.evaluate(rule, instance, obs.at, triggered, obs.fields);
        if (transitions.length > 0 || changed(instance.condition)) this.touched.add(instance);
        if (transitions.length > 0) out.push(...transitions);
        continue;
      }
      if (!selected || obs.device.status !== 'active') {
        // The record the device connected with no longer matches (untagged, moved, retired):
        // whatever this rule tracked for it is dropped, its alert cleared.
        const reason = obs.device.status === 'active' ? 'device_deselected' : 'device_retired';
        const dropped = this.drop(rule, obs.device.id, obs.at, reason);
        if (dropped) out.push(dropped);
        continue;
      }
      const instance = this.instance(rule, obs.device, obs.at);
      capture(instance.condition);
      const triggered = observe(rule.condition, instance.condition, obs);
      const transitions = this.evaluate(rule, instance, obs.at, triggered, obs.fields);
      // A reading that changes nothing (the same value again) leaves nothing new to save.
      if (transitions.length > 0 || changed(instance.condition)) this.touched.add(instance);
      if (transitions.length > 0) out.push(...transitions);
    }
    return out;
  }

  /** Applies the passing of time: pending durations, windows, absences, quiet timeouts, repeats. */
  tick(now: number): AlertTransition[] {
    const out: AlertTransition[] = [];
    for (const [ruleId, subjects] of this.instances) {
      const rule = this.byId.get(ruleId);
      if (!rule) continue;
      for (const instance of subjects.values()) {
        // Time changes only an instance that is waiting for something (a pending duration, a
        // window, an active alert) or that raises now; an idle one stays as it was saved.
        if (!idle(instance)) this.touched.add(instance);
        const transitions = this.evaluate(rule, instance, now, false, undefined);
        if (transitions.length > 0) {
          this.touched.add(instance);
          out.push(...transitions);
        }
      }
    }
    return out;
  }

  /**
   * Brings per-device state in line with the devices' current records (`current` reads the
   * registry): a device retired (or gone) or no longer selected by a rule (untagged, moved) stops
   * being tracked by it and its alert is cleared with `device_retired` / `device_deselected`; a
   * device still selected gets its current place and tags. Correlations are kept per place, not per
   * device, and are left as they are.
   */
  reconcile(current: (id: string) => DeviceRecord | undefined, now: number, only?: string): AlertTransition[] {
    const out: AlertTransition[] = [];
    // One read per device, however many rules track it.
    const records = new Map<string, DeviceRecord | undefined>();
    const read = (id: string) => {
      if (!records.has(id)) records.set(id, current(id));
      return records.get(id);
    };
    for (const [ruleId, subjects] of this.instances) {
      const rule = this.byId.get(ruleId);
      if (!rule || rule.condition.type === 'correlation') continue;
      // Per-device instances are keyed by device id: one device is a lookup, not a scan.
      const tracked = only === undefined ? [...subjects.values()] : [subjects.get(only) ?? []].flat();
      for (const instance of tracked) {
        const record = read(instance.device.id);
        const reason =
          record?.status !== 'active'
            ? 'device_retired'
            : selects(rule.selector, record)
              ? undefined
              : 'device_deselected';
        if (reason === undefined) {
          if (record) instance.device = ruleDevice(record);
          this.touched.add(instance);
          continue;
        }
        const dropped = this.drop(rule, instance.device.id, now, reason);
        if (dropped) out.push(dropped);
      }
    }
    return out;
  }

  active(): AlertPayload[] {
    const alerts: AlertPayload[] = [];
    for (const instance of this.allInstances()) {
      const rule = this.byId.get(instance.ruleId);
      if (rule && instance.alert) alerts.push(this.payload(rule, instance));
    }
    return alerts;
  }

  snapshot(): EngineSnapshot {
    return structuredClone({ instances: this.liveInstances() });
  }

  /** The instances themselves, not copies: for a save that serialises them at once. */
  liveInstances(): Instance[] {
    return [...this.allInstances()];
  }

  /**
   * The instances that may have changed (created, observed, reconciled, waiting on time, raised or
   * cleared) and the keys of those dropped since the last call: what a save has to look at.
   */
  takeChanges(): { touched: Instance[]; dropped: string[] } {
    const changes = { touched: [...this.touched], dropped: [...this.dropped] };
    this.touched = new Set();
    this.dropped = new Set();
    return changes;
  }

  /**
   * Restores state saved by `snapshot`; instances of rules that no longer exist are dropped, and
   * each device is trimmed to its rule view (snapshots of older gateways held whole records).
   */
  restore(snapshot: EngineSnapshot): void {
    for (const instance of snapshot.instances) {
      const rule = this.byId.get(instance.ruleId);
      if (rule && instance.condition.type === rule.condition.type) {
        const restored = { ...structuredClone(instance), device: ruleDevice(instance.device) };
        this.subjects(rule.id).set(instance.key.slice(rule.id.length + 1), restored);
        this.touched.add(restored);
      }
    }
  }

  private candidates(kind: string): readonly Rule[] {
    let rules = this.forKind.get(kind);
    if (rules === undefined) {
      rules = [...(this.byKind.get(kind) ?? []), ...(this.byKind.get('*') ?? [])];
      this.forKind.set(kind, rules);
    }
    return rules;
  }

  private *allInstances(): Iterable<Instance> {
    for (const subjects of this.instances.values()) yield* subjects.values();
  }

  private subjects(ruleId: string): Map<string, Instance> {
    let subjects = this.instances.get(ruleId);
    if (!subjects) {
      subjects = new Map();
      this.instances.set(ruleId, subjects);
    }
    return subjects;
  }

  /** Forgets what `rule` tracks for one device; its active alert, if any, comes back cleared. */
  private drop(rule: Rule, deviceId: string, now: number, reason: GatewayClearReason): AlertTransition | undefined {
    const subjects = this.instances.get(rule.id);
    const instance = subjects?.get(deviceId);
    if (!subjects || !instance) return undefined;
    subjects.delete(deviceId);
    this.touched.delete(instance);
    this.dropped.add(instance.key);
    return instance.alert ? { type: 'cleared', alert: this.payload(rule, instance), at: now, reason } : undefined;
  }

  private instance(rule: Rule, device: RuleDevice, now: number, place?: string): Instance {
    const subject = place ?? device.id;
    const subjects = this.subjects(rule.id);
    let instance = subjects.get(subject);
    if (!instance) {
      instance = {
        key: `${rule.id}|${subject}`,
        ruleId: rule.id,
        device: ruleDevice(device),
        condition: initialState(rule.condition, now),
        alert: null,
        values: {},
      };
      subjects.set(subject, instance);
      this.touched.add(instance);
      this.dropped.delete(instance.key);
    }
    return instance;
  }

  private evaluate(
    rule: Rule,
    instance: Instance,
    now: number,
    triggered: boolean,
    fields: Record<string, unknown> | undefined,
  ): AlertTransition[] {
    if (fields) {
      // Evidence: the fields of the triggering event, or the watched value of a threshold.
      if (triggered) instance.values = numericOrText(fields);
      else if (rule.condition.type === 'threshold' && typeof fields[rule.condition.field] === 'number') {
        instance.values = { [rule.condition.field]: fields[rule.condition.field] };
      }
    }
    const on = holds(rule.condition, instance.condition, now);
    const alert = instance.alert;
    if (alert && !on) {
      const cleared = this.payload(rule, instance);
      instance.alert = null;
      return [{ type: 'cleared', alert: cleared, at: now, reason: 'condition_false' }];
    }
    if (alert && on) {
      if (triggered) {
        alert.occurrences++;
        alert.lastSeen = now;
        alert.announcedAt = now;
        return [{ type: 'updated', alert: this.payload(rule, instance), repeat: false }];
      }
      if (rule.repeat_every_s !== undefined && now - alert.announcedAt >= rule.repeat_every_s * 1000) {
        alert.announcedAt = now;
        return [{ type: 'updated', alert: this.payload(rule, instance), repeat: true }];
      }
      return [];
    }
    if (!on || !scheduleActive(rule.schedule, now, this.timeZone) || this.suppressed(rule, instance.device, now))
      return [];
    instance.alert = { id: this.options.newAlertId(), since: now, lastSeen: now, occurrences: 1, announcedAt: now };
    return [{ type: 'raised', alert: this.payload(rule, instance) }];
  }

  private suppressed(rule: Rule, device: RuleDevice, now: number): boolean {
    return this.suppressions.some(
      (s) =>
        Date.parse(s.from) <= now &&
        now < Date.parse(s.to) &&
        (!s.rules || s.rules.includes(rule.id)) &&
        (!s.selector || selects(s.selector, device)),
    );
  }

  private payload(rule: Rule, instance: Instance): AlertPayload {
    const alert = instance.alert;
    if (!alert) throw new Error(`no active alert for ${instance.key}`);
    const device = instance.device;
    const vars: Record<string, unknown> = {
      ...instance.values,
      rule_id: rule.id,
      device_id: device.id,
      building: device.place?.building ?? '',
      unit: device.place?.unit ?? '',
      floor: device.place?.floor ?? '',
    };
    return {
      alert_id: alert.id,
      rule_id: rule.id,
      device_id: device.id,
      state: 'active',
      severity: rule.severity,
      category: rule.category,
      since: toTimestamp(alert.since),
      last_seen: toTimestamp(alert.lastSeen),
      occurrences: alert.occurrences,
      message: { zh: render(rule.message.zh, vars), en: render(rule.message.en, vars) },
      ...(device.place ? { place: device.place } : {}),
      ...(Object.keys(instance.values).length > 0 ? { evidence: { ...instance.values } } : {}),
    };
  }
}

/** `{name}` placeholders; an unknown name stays as written, so a typo is visible, not blank. */
export function render(template: string, vars: Record<string, unknown>): string {
  return template.replace(/\{([a-z_][a-z0-9_]*)\}/g, (whole, name: string) =>
    name in vars ? String(vars[name]) : whole,
  );
}

function numericOrText(fields: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) {
    if (key !== 'ts' && (typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean'))
      out[key] = value;
  }
  return out;
}

/** An instance time alone cannot change: no alert, nothing pending, no window of occurrences. */
function idle(instance: Instance): boolean {
  if (instance.alert) return false;
  const c = instance.condition;
  switch (c.type) {
    case 'threshold':
      return !c.on && c.pendingSince === null;
    case 'event':
      return !c.on;
    case 'count':
      return c.times.length === 0;
    case 'absence':
      // Its period only ends with a raise, which marks it.
      return true;
    case 'correlation':
      return c.hits.length === 0;
  }
}

/**
 * What an observation can change in a condition's state, captured before it and compared after
 * (in three variables, not an object: this runs for every rule a message is offered to). The
 * evidence values follow the state (a threshold's value, a matched event's time), and an alert's
 * changes come back as transitions.
 */
let before0: unknown;
let before1: unknown;
let before2: unknown;
function capture(state: ConditionState): void {
  switch (state.type) {
    case 'threshold':
      before0 = state.on;
      before1 = state.pendingSince;
      before2 = state.value;
      return;
    case 'event':
      before0 = state.on;
      before1 = state.lastMatchAt;
      return;
    case 'absence':
      before0 = state.lastMatchAt;
      return;
    case 'count':
      before0 = state.times.length;
      before1 = state.times[0];
      before2 = state.times.at(-1);
      return;
    case 'correlation':
      before0 = state.hits.length;
      before1 = state.hits[0]?.at;
      before2 = state.hits.at(-1)?.at;
      return;
  }
}
function changed(state: ConditionState): boolean {
  switch (state.type) {
    case 'threshold':
      return before0 !== state.on || before1 !== state.pendingSince || !Object.is(before2, state.value);
    case 'event':
      return before0 !== state.on || before1 !== state.lastMatchAt;
    case 'absence':
      return before0 !== state.lastMatchAt;
    case 'count':
      return before0 !== state.times.length || before1 !== state.times[0] || before2 !== state.times.at(-1);
    case 'correlation':
      return before0 !== state.hits.length || before1 !== state.hits[0]?.at || before2 !== state.hits.at(-1)?.at;
  }
}
