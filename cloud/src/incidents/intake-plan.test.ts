import {
  type AlertPayload,
  type CloudEvent,
  createCloudEvent,
  type DeviceEventPolicy,
  type Severity,
  type UplinkData,
  type UplinkType,
} from '@gridlink/protocol';
import { describe, expect, it } from 'vitest';
import type { PolicyDecision, RepeatThreshold } from './device-event-policy.js';
import {
  type IntakeInputs,
  intakeNeeds,
  type ParsedAlert,
  planIntake,
  type StoredHeld,
  type StoredIncident,
  withMergedAlert,
} from './intake-plan.js';
import type { Incident } from './records.js';

// The intake's decisions on plain objects: what a batch locks and reads, and what it makes of each
// alert. No database; the writes and the engine's steps are covered by from-alert.test.ts and
// repeat-threshold.test.ts.

const GATEWAY = 'gw-320803-001';
const COMMUNITY = '320803001001';
const T0 = Date.parse('2026-11-25T06:00:00.000Z'); // 14:00 China time
const MINUTE = 60_000;
const at = (minutes: number) => T0 + minutes * MINUTE;

interface AlertOptions {
  id: string;
  minute?: number;
  category?: string;
  severity?: Severity;
  device?: string;
  building?: string;
  unit?: string;
  gateway?: string;
}

let events = 0;

function event<T extends UplinkType>(gateway: string, type: T, data: UplinkData<T>, time: string): CloudEvent {
  events++;
  return createCloudEvent({
    id: `evt-${events}`,
    type,
    gatewayId: gateway,
    time,
    data,
    priority: 'alarm',
  }) as CloudEvent;
}

/** A raised alert as `parseAlerts` hands it over. */
function raised(options: AlertOptions): ParsedAlert {
  const occurredMs = at(options.minute ?? 0);
  const time = new Date(occurredMs).toISOString();
  const alert: AlertPayload = {
    alert_id: options.id,
    rule_id: 'smoke-confirmed',
    device_id: options.device ?? 'smoke-b3-u2-0401',
    state: 'active',
    severity: options.severity ?? 'critical',
    category: options.category ?? 'emergency.fire',
    since: time,
    last_seen: time,
    occurrences: 1,
    message: { zh: '3号楼2单元烟感报警', en: 'Smoke alarm, building 3 unit 2' },
    place: { community: COMMUNITY, building: options.building ?? '3', unit: options.unit ?? '2', floor: 4 },
  };
  const gateway = options.gateway ?? GATEWAY;
  return {
    type: 'active',
    event: event(gateway, 'cn.gridlink.alert.raised.v1', alert, time),
    alert,
    kind: 'alert_raised',
    sourceKey: `gateway/${gateway}#${options.id}`,
    occurredMs,
  };
}

function cleared(id: string, minute: number): ParsedAlert {
  const time = new Date(at(minute)).toISOString();
  const data = {
    alert_id: id,
    rule_id: 'smoke-confirmed',
    device_id: 'smoke-b3-u2-0401',
    cleared_at: time,
    reason: 'condition_false' as const,
  };
  return {
    type: 'cleared',
    event: event(GATEWAY, 'cn.gridlink.alert.cleared.v1', data, time),
    data,
    sourceKey: `gateway/${GATEWAY}#cleared-${id}`,
    occurredMs: at(minute),
  };
}

function decision(policy: DeviceEventPolicy, more: Partial<PolicyDecision> = {}): PolicyDecision {
  return { policy, repeat: null, afterHours: null, matched: null, incidentCategory: null, ...more };
}

const repeat = (more: Partial<RepeatThreshold> = {}): RepeatThreshold => ({
  count: 3,
  windowMs: 60 * MINUTE,
  scope: 'device',
  bypassSeverity: null,
  ...more,
});

/** The dedup key of the default alert's place (building 3, unit 2) and category. */
const FIRE_KEY = `${GATEWAY}|emergency.fire@place:${COMMUNITY}/3/2`;

function storedIncident(more: Partial<StoredIncident> & { id: string }): StoredIncident {
  return { dedupKey: FIRE_KEY, drill: false, closed: false, lastOccurredMs: at(0), linkedAlerts: [], ...more };
}

function plan(
  parsed: ParsedAlert[],
  more: Partial<Omit<IntakeInputs, 'policies'>> & { policies?: Record<string, PolicyDecision> } = {},
) {
  const policies = new Map(Object.entries(more.policies ?? {}));
  for (const item of parsed)
    if (item.type === 'active' && !policies.has(item.alert.category))
      policies.set(item.alert.category, decision('auto_incident'));
  return planIntake({
    parsed,
    drill: more.drill ?? false,
    dedupWindowMs: more.dedupWindowMs ?? 30 * MINUTE,
    incidents: more.incidents ?? [],
    held: more.held ?? [],
    policies,
  });
}

const outcomes = (planned: ReturnType<typeof plan>) =>
  planned.outcomes.map((outcome) => {
    const incident = 'incident' in outcome ? outcome.incident : undefined;
    const ref = incident === undefined ? '' : 'stored' in incident ? ` ${incident.stored}` : ` #${incident.created}`;
    if (outcome.outcome === 'held') return `held ${outcome.repeats}/${outcome.threshold}`;
    if (outcome.outcome === 'ignored') return `ignored ${outcome.reason}`;
    return `${outcome.outcome}${ref}`;
  });

describe('what a batch locks and reads', () => {
  it('locks every alert id, the dedup key of each alert that may open or join an incident, per drill, and the repeat scopes', () => {
    const parsed = [
      raised({ id: 'a1', minute: 5 }),
      raised({ id: 'a2', minute: 2, category: 'safety.access', device: 'door-1' }),
      raised({ id: 'a3', category: 'device.heartbeat' }),
      cleared('a0', 1),
      { type: 'other' } as const,
    ];
    const policies = new Map([
      ['emergency.fire', decision('auto_incident')],
      [
        'safety.access',
        decision('alert_only', { matched: 'safety.access', repeat: repeat({ windowMs: 10 * MINUTE }) }),
      ],
      ['device.heartbeat', decision('never')],
    ]);
    const needs = intakeNeeds(parsed, policies, true);
    expect(needs.alerts).toEqual(['a1', 'a2', 'a3', 'a0'].map((alertId) => ({ gatewayId: GATEWAY, alertId })));
    const scope = `${GATEWAY}|safety.access|true|device:door-1`;
    expect(needs.scopeKeys).toEqual([scope]);
    expect(needs.dedupKeys).toEqual([FIRE_KEY, `${GATEWAY}|safety.access@place:${COMMUNITY}/3/2`]);
    expect(needs.locks).toEqual([
      ['alert', `${GATEWAY}/a1`],
      ['alert', `${GATEWAY}/a2`],
      ['alert', `${GATEWAY}/a3`],
      ['alert', `${GATEWAY}/a0`],
      ['place', `true:${FIRE_KEY}`],
      ['place', `true:${GATEWAY}|safety.access@place:${COMMUNITY}/3/2`],
      ['repeat', scope],
    ]);
    // Open incidents are looked up from the earliest alert that may open one, held alerts from the earliest window.
    expect(needs.earliestMs).toBe(at(2));
    expect(needs.earliestHeldMs).toBe(at(2) - 10 * MINUTE);
  });

  it('needs nothing for a batch without alerts', () => {
    const needs = intakeNeeds([{ type: 'other' }], new Map(), false);
    expect(needs).toMatchObject({ alerts: [], locks: [], earliestMs: Number.POSITIVE_INFINITY });
  });
});

describe('new, merged or linked', () => {
  it('opens an incident for the first alert of a place and category; the next ones there join it', () => {
    const planned = plan([
      raised({ id: 'a1' }),
      raised({ id: 'a2', minute: 3, severity: 'major' }),
      raised({ id: 'a3', minute: 4, unit: '1' }),
    ]);
    expect(outcomes(planned)).toEqual(['created #0', 'merged #0', 'created #1']);
    expect(planned.creations.map((created) => [created.alert.alert_id, created.key, created.occurrences])).toEqual([
      ['a1', FIRE_KEY, 1],
      ['a3', `${GATEWAY}|emergency.fire@place:${COMMUNITY}/3/1`, 1],
    ]);
    expect(planned.links).toEqual([
      { gatewayId: GATEWAY, alertId: 'a1', incident: { created: 0 } },
      { gatewayId: GATEWAY, alertId: 'a2', incident: { created: 0 } },
      { gatewayId: GATEWAY, alertId: 'a3', incident: { created: 1 } },
    ]);
    expect(planned.evidence.map((item) => [item.alertId, item.kind, item.incident])).toEqual([
      ['a1', 'alert_raised', { created: 0 }],
      ['a2', 'alert_raised', { created: 0 }],
      ['a3', 'alert_raised', { created: 1 }],
    ]);
    expect(planned.outcomes[1]).toMatchObject({ severity: 'major', occurredMs: at(3) });
  });

  it('joins the stored open incident of the place within the dedup window, the one with the latest alert', () => {
    const planned = plan([raised({ id: 'a1', minute: 20 })], {
      incidents: [
        storedIncident({ id: 'INC-older', lastOccurredMs: at(-5) }),
        storedIncident({ id: 'INC-latest', lastOccurredMs: at(0) }),
      ],
    });
    expect(outcomes(planned)).toEqual(['merged INC-latest']);
    expect(planned.creations).toEqual([]);
  });

  it('opens a new incident when the open one is out of the window, closed, or of the other kind (drill or not)', () => {
    const window = { dedupWindowMs: 30 * MINUTE };
    expect(
      outcomes(plan([raised({ id: 'a1', minute: 31 })], { ...window, incidents: [storedIncident({ id: 'I' })] })),
    ).toEqual(['created #0']);
    // Exactly one window later still joins.
    expect(
      outcomes(plan([raised({ id: 'a1', minute: 30 })], { ...window, incidents: [storedIncident({ id: 'I' })] })),
    ).toEqual(['merged I']);
    expect(outcomes(plan([raised({ id: 'a1' })], { incidents: [storedIncident({ id: 'I', closed: true })] }))).toEqual([
      'created #0',
    ]);
    expect(outcomes(plan([raised({ id: 'a1' })], { drill: true, incidents: [storedIncident({ id: 'I' })] }))).toEqual([
      'created #0',
    ]);
  });

  it('keeps one gateway’s alerts out of another gateway’s incident', () => {
    const planned = plan([raised({ id: 'a1' }), raised({ id: 'a1', gateway: 'gw-other' })]);
    expect(outcomes(planned)).toEqual(['created #0', 'created #1']);
  });

  it('links an alert already in an incident (raised again, updated, cleared) as evidence only', () => {
    const incident = storedIncident({ id: 'I', closed: true, linkedAlerts: [{ gatewayId: GATEWAY, alertId: 'a1' }] });
    const planned = plan([raised({ id: 'a1', minute: 2 }), cleared('a1', 9)], { incidents: [incident] });
    expect(outcomes(planned)).toEqual(['linked I', 'linked I']);
    expect(planned.links).toEqual([]);
    expect(planned.evidence.map((item) => [item.kind, item.incident])).toEqual([
      ['alert_raised', { stored: 'I' }],
      ['alert_cleared', { stored: 'I' }],
    ]);
  });

  it('links the clear of an alert this batch opened; ignores the clear of an alert no incident knows', () => {
    const planned = plan([raised({ id: 'a1' }), cleared('a1', 5), cleared('a9', 5), { type: 'other' }]);
    expect(outcomes(planned)).toEqual(['created #0', 'linked #0', 'ignored unknown_alert', 'ignored not_an_alert']);
  });
});

describe('the policy table', () => {
  it('records nothing for never and alert_only', () => {
    const planned = plan(
      [raised({ id: 'a1', category: 'device.heartbeat' }), raised({ id: 'a2', category: 'security.motion' })],
      {
        policies: { 'device.heartbeat': decision('never'), 'security.motion': decision('alert_only') },
      },
    );
    expect(planned.outcomes).toEqual([
      { outcome: 'ignored', reason: 'never', policy: 'never' },
      { outcome: 'ignored', reason: 'alert_only', policy: 'alert_only' },
    ]);
    expect(planned).toMatchObject({ creations: [], links: [], evidence: [], held: [] });
  });

  it('opens an alert_only alert after hours at once, and says so', () => {
    const afterHours = { start: '22:00', end: '06:00' };
    const policies = { 'security.motion': decision('alert_only', { afterHours }) };
    const night = raised({ id: 'a1', category: 'security.motion', minute: 9 * 60 }); // 23:00 China time
    const day = raised({ id: 'a2', category: 'security.motion', minute: 60, device: 'cam-2', unit: '1' });
    const planned = plan([night, day], { policies });
    expect(outcomes(planned)).toEqual(['created #0', 'ignored alert_only']);
    expect(planned.creations[0]).toMatchObject({ policy: 'alert_only', afterHours });
  });

  it('asks for verification right after creation under confirm_first', () => {
    const planned = plan([raised({ id: 'a1', category: 'safety.gas' })], {
      policies: { 'safety.gas': decision('confirm_first') },
    });
    expect(planned.creations[0]).toMatchObject({ policy: 'confirm_first', followUp: 'needVerify' });
    expect(plan([raised({ id: 'a1' })]).creations[0]?.followUp).toBeUndefined();
  });

  it('files the incident under the category the row names, and dedups on it', () => {
    const planned = plan([raised({ id: 'a1', category: 'emergency.fire.smoke' })], {
      policies: { 'emergency.fire.smoke': decision('auto_incident', { incidentCategory: 'emergency.fire' }) },
      incidents: [storedIncident({ id: 'I' })],
    });
    expect(outcomes(planned)).toEqual(['merged I']);
  });
});

describe('repeat thresholds', () => {
  const category = 'safety.fire_lane';
  const policies = { [category]: decision('auto_incident', { matched: category, repeat: repeat() }) };
  const lane = (id: string, minute: number, severity: Severity = 'minor') =>
    raised({ id, minute, category, severity, device: 'lane-1' });
  const scopeKey = `${GATEWAY}|${category}|false|device:lane-1`;

  it('holds alerts below the count and opens the incident with all of them at the alert that reaches it', () => {
    const planned = plan([lane('a1', 0), lane('a2', 10), lane('a3', 20)], { policies });
    expect(outcomes(planned)).toEqual(['held 1/3', 'held 2/3', 'created #0']);
    expect(planned.creations[0]).toMatchObject({
      occurrences: 3,
      firstOccurredMs: at(0),
      occurredMs: at(20),
      repeat: { scope: 'device', count: 3, windowMs: 60 * MINUTE },
    });
    // Each held alert is recorded, pointing to the incident that consumed it.
    expect(planned.held.map((item) => [item.alertId, item.scopeKey, item.policyCategory, item.incident])).toEqual([
      ['a1', scopeKey, category, { created: 0 }],
      ['a2', scopeKey, category, { created: 0 }],
      ['a3', scopeKey, category, { created: 0 }],
    ]);
    expect(planned.links.map((link) => link.alertId)).toEqual(['a1', 'a2', 'a3']);
    expect(planned.evidence.map((item) => item.alertId)).toEqual(['a1', 'a2', 'a3']);
  });

  it('counts the stored held alerts of the window, consumes them, and leaves consumed or older ones out', () => {
    const stored = (alertId: string, minute: number, consumed = false): StoredHeld => ({
      gatewayId: GATEWAY,
      alertId,
      scopeKey,
      occurredMs: at(minute),
      sourceKey: `gateway/${GATEWAY}#${alertId}`,
      data: { alert_id: alertId },
      consumed,
    });
    const held = [stored('old', -60), stored('used', -30, true), stored('h1', -20), stored('h2', -10)];
    const planned = plan([lane('a3', 0)], { policies, held });
    expect(outcomes(planned)).toEqual(['created #0']);
    expect(planned.creations[0]).toMatchObject({ occurrences: 3, firstOccurredMs: at(-20) });
    expect(planned.consumed).toEqual([
      { gatewayId: GATEWAY, alertId: 'h1', incident: { created: 0 } },
      { gatewayId: GATEWAY, alertId: 'h2', incident: { created: 0 } },
    ]);
    expect(planned.held.map((item) => [item.alertId, item.incident])).toEqual([['a3', { created: 0 }]]);
  });

  it('counts an alert raised again while held once', () => {
    const planned = plan([lane('a1', 0), lane('a1', 5), lane('a2', 10)], { policies });
    expect(outcomes(planned)).toEqual(['held 1/3', 'held 1/3', 'held 2/3']);
    expect(planned.held.map((item) => item.alertId)).toEqual(['a1', 'a2']);
  });

  it('opens at once for alerts at or above the bypass severity', () => {
    const bypassing = {
      [category]: decision('auto_incident', { matched: category, repeat: repeat({ bypassSeverity: 'major' }) }),
    };
    const planned = plan([lane('a1', 0, 'major')], { policies: bypassing });
    expect(outcomes(planned)).toEqual(['created #0']);
    expect(planned.creations[0]?.repeat).toBeUndefined();
    expect(planned.held).toEqual([]);
  });

  it('joins the open incident of the place rather than counting again', () => {
    const planned = plan([lane('a1', 0), lane('a2', 10), lane('a3', 20), lane('a4', 25)], { policies });
    expect(outcomes(planned)).toEqual(['held 1/3', 'held 2/3', 'created #0', 'merged #0']);
  });
});

describe('an alert joining an incident', () => {
  it('adds an occurrence, keeps the latest time and the worse severity, and makes a critical one urgent', () => {
    const incident = {
      occurrences: 2,
      lastOccurredAt: new Date(at(10)),
      severity: 'major',
      urgent: false,
      updatedAt: new Date(at(0)),
    } as Incident;
    const now = new Date(at(30));
    expect(withMergedAlert(incident, { severity: 'critical', occurredMs: at(5) }, now)).toMatchObject({
      occurrences: 3,
      lastOccurredAt: new Date(at(10)),
      severity: 'critical',
      urgent: true,
      updatedAt: now,
    });
    expect(withMergedAlert(incident, { severity: 'minor', occurredMs: at(20) }, now)).toMatchObject({
      lastOccurredAt: new Date(at(20)),
      severity: 'major',
      urgent: false,
    });
  });
});
