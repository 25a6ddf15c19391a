import { type AlertPayload, type CloudEvent, createCloudEvent } from '@gridlink/protocol';
import { describe, expect, it } from 'vitest';
import { BACKENDS, manualClock, useMigratedDatabase } from '../test-support.js';
import { type AlertOutcome, IncidentEngine } from './engine.js';
import type { Incident } from './records.js';
import { DEFAULT_INCIDENT_SETTINGS, IncidentSettingsStore } from './settings.js';

const ADMIN = { kind: 'admin' } as const;
const T0 = Date.parse('2026-11-25T02:00:00.000Z');
const MINUTE = 60_000;

let counter = 0;

/** A raised alert of a category no policy row covers (so it opens an incident), in one stairwell. */
function raised(building: string, minutes: number): CloudEvent {
  counter++;
  const time = new Date(T0 + minutes * MINUTE).toISOString();
  const data: AlertPayload = {
    alert_id: `settings-${process.pid}-${counter}`,
    rule_id: 'smoke',
    device_id: `smoke-${building}`,
    state: 'active',
    severity: 'major',
    category: 'safety.settings_probe',
    since: time,
    last_seen: time,
    occurrences: 1,
    message: { zh: '烟感报警', en: 'Smoke alarm' },
    place: { community: '320803001001', building, unit: '1', floor: 1 },
  };
  return createCloudEvent({
    id: `evt-settings-${process.pid}-${counter}`,
    type: 'cn.gridlink.alert.raised.v1',
    gatewayId: 'gw-320803-001',
    deviceId: data.device_id,
    time,
    data,
    priority: 'alarm',
  }) as CloudEvent;
}

const incidentOf = (outcome: AlertOutcome) => (outcome as { incident: Incident }).incident;

/**
 * The incident settings are tenant data (migration 0014): one engine, never restarted, follows
 * each edit of the stored row from its next alert batch or transition on.
 */
describe.each(BACKENDS)('incident settings (%s)', (backend) => {
  const db = useMigratedDatabase(backend, { what: 'database' });
  const clock = manualClock('2026-11-25T08:00:00.000Z');
  const store = () => new IncidentSettingsStore(db(), clock);

  it('are seeded with the values the code used: a 30-minute dedup window, rework after an unsatisfied callback', async () => {
    expect(DEFAULT_INCIDENT_SETTINGS).toEqual({
      dedup_window_seconds: 1800,
      unsatisfied_callback: 'rework',
      callback: 'agents',
      self_check_categories: [],
    });
    expect(await store().get()).toEqual(DEFAULT_INCIDENT_SETTINGS);
    expect(await new IncidentEngine(db(), clock).settings()).toEqual(DEFAULT_INCIDENT_SETTINGS);
  });

  it('dedups alerts with the window stored now, without a restart', async () => {
    const engine = new IncidentEngine(db(), clock);
    const first = incidentOf(await engine.fromAlert(raised(`${backend}-a`, 0)));
    // 20 minutes later, within the seeded 30: the same incident.
    expect(await engine.fromAlert(raised(`${backend}-a`, 20))).toMatchObject({
      outcome: 'merged',
      incident: { id: first.id, occurrences: 2 },
    });
    await store().replace(ADMIN, { dedup_window_seconds: 600, unsatisfied_callback: 'rework' });
    // 20 minutes after the last alert is beyond a 10-minute window: a new incident.
    const second = incidentOf(await engine.fromAlert(raised(`${backend}-a`, 40)));
    expect(second.id).not.toBe(first.id);
    // 10 minutes after it exactly is still within the window (the window reaches back its whole length).
    expect(await engine.fromAlert(raised(`${backend}-a`, 50))).toMatchObject({
      outcome: 'merged',
      incident: { id: second.id },
    });
    await store().replace(ADMIN, { dedup_window_seconds: 3600, unsatisfied_callback: 'rework' });
    expect(await engine.fromAlert(raised(`${backend}-a`, 100))).toMatchObject({
      outcome: 'merged',
      incident: { id: second.id, occurrences: 3 },
    });
    await store().replace(ADMIN, DEFAULT_INCIDENT_SETTINGS);
  });

  it('sends the work back or only evaluates after an unsatisfied callback, as stored at the time of the callback', async () => {
    const engine = new IncidentEngine(db(), clock);
    const closed = async () => {
      const { incident } = await engine.report({
        requestId: `settings-report-${backend}-${++counter}`,
        source: 'hotline_12345',
        category: 'urban_management.manhole_cover',
        title: 'Manhole cover missing',
        place: { community: '320803001001', building: '3' },
        actor: 'op-li',
        role: 'operator',
      });
      const walk: Array<[string, 'operator' | 'disposal_unit' | 'grid_worker', Record<string, unknown>?]> = [
        ['accept', 'operator'],
        ['file', 'operator'],
        ['dispatch', 'operator', { data: { assignee: 'unit-urban-management' } }],
        ['sign', 'disposal_unit'],
        ['finish', 'disposal_unit'],
        ['startCheck', 'grid_worker'],
        ['pass', 'grid_worker'],
        ['close', 'operator'],
      ];
      for (const [action, role, extra] of walk)
        await engine.transition({
          incidentId: incident.id,
          action,
          requestId: `${incident.id}-${action}`,
          actor: `${role}-1`,
          role,
          ...extra,
        });
      return incident.id;
    };
    const unsatisfied = (incidentId: string) =>
      engine.transition({
        incidentId,
        action: 'callbackUnsatisfied',
        requestId: `${incidentId}-unsatisfied`,
        actor: 'callback-1',
        role: 'callback_agent',
      });
    const first = await closed();
    const second = await closed();
    await store().replace(ADMIN, { dedup_window_seconds: 1800, unsatisfied_callback: 'evaluate' });
    expect(await engine.policies()).toEqual({ unsatisfiedCallback: 'evaluate', callback: 'agents' });
    expect((await unsatisfied(first)).incident).toMatchObject({ state: 'EVALUATED', reworkCount: 0 });
    await store().replace(ADMIN, DEFAULT_INCIDENT_SETTINGS);
    expect((await unsatisfied(second)).incident).toMatchObject({
      state: 'DISPATCHED',
      reworkCount: 1,
      closedAt: null,
    });
  });

  it('audits each change with what was there before', async () => {
    const { rows } = await db().query<{ action: string; actor: string; details: { before: unknown; after: unknown } }>(
      "SELECT action, actor, details FROM audit_log WHERE target = 'incidents:settings' ORDER BY id",
    );
    expect(rows.length).toBeGreaterThanOrEqual(5);
    expect(rows[0]).toEqual({
      action: 'incidents.settings.replace',
      actor: 'admin',
      details: {
        before: DEFAULT_INCIDENT_SETTINGS,
        after: {
          dedup_window_seconds: 600,
          unsatisfied_callback: 'rework',
          callback: 'agents',
          self_check_categories: [],
        },
      },
    });
  });

  it('lets a test fix the policies instead of reading them (the option a running cloud never passes)', async () => {
    await store().replace(ADMIN, { dedup_window_seconds: 1800, unsatisfied_callback: 'evaluate' });
    const fixed = new IncidentEngine(db(), clock, { policies: { unsatisfiedCallback: 'rework' } });
    expect(await fixed.policies()).toEqual({ unsatisfiedCallback: 'rework', callback: 'agents' });
    expect(await new IncidentEngine(db(), clock).policies()).toEqual({
      unsatisfiedCallback: 'evaluate',
      callback: 'agents',
    });
    await store().replace(ADMIN, DEFAULT_INCIDENT_SETTINGS);
  });
});
