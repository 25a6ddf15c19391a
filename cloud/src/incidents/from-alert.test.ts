import { type AlertPayload, type CloudEvent, createCloudEvent, type Severity } from '@gridlink/protocol';
import { describe, expect, it } from 'vitest';
import { retryDeadlocks } from '../db/locks.js';
import { BACKENDS, manualClock } from '../test-support.js';
import { type AlertOutcome, IncidentEngine } from './engine.js';
import type { Incident } from './records.js';
import { useIncidentDatabase } from './test-database.js';

const GATEWAY = 'gw-320803-001';
const COMMUNITY = '320803001001';
const T0 = Date.parse('2026-11-25T14:00:00.000Z');
const minutes = (n: number) => new Date(T0 + n * 60_000).toISOString();

let counter = 0;

interface AlertOptions {
  alertId?: string;
  device?: string;
  category?: string;
  severity?: Severity;
  building?: string | undefined;
  unit?: string;
  at?: string;
}

/** A `cn.gridlink.alert.raised.v1` event as a gateway sends it. */
function raised(options: AlertOptions = {}, type: 'raised' | 'updated' = 'raised'): CloudEvent {
  counter++;
  const device = options.device ?? 'smoke-b3-u2-0401';
  const at = options.at ?? minutes(0);
  const building = 'building' in options ? options.building : '3';
  const data: AlertPayload = {
    alert_id: options.alertId ?? `alert-${process.pid}-${counter}`,
    rule_id: 'smoke-confirmed',
    device_id: device,
    state: 'active',
    severity: options.severity ?? 'critical',
    category: options.category ?? 'emergency.fire',
    since: at,
    last_seen: at,
    occurrences: 1,
    message: { zh: '3号楼2单元烟感报警', en: 'Smoke alarm, building 3 unit 2' },
    place: {
      community: COMMUNITY,
      ...(building === undefined ? {} : { building }),
      unit: options.unit ?? '2',
      floor: 4,
    },
  };
  return createCloudEvent({
    id: `evt-${process.pid}-${counter}`,
    type: `cn.gridlink.alert.${type}.v1`,
    gatewayId: GATEWAY,
    deviceId: device,
    time: at,
    data,
    priority: 'alarm',
  }) as CloudEvent;
}

function cleared(alertId: string, at = minutes(10)): CloudEvent {
  counter++;
  return createCloudEvent({
    id: `evt-${process.pid}-${counter}`,
    type: 'cn.gridlink.alert.cleared.v1',
    gatewayId: GATEWAY,
    deviceId: 'smoke-b3-u2-0401',
    time: at,
    data: {
      alert_id: alertId,
      rule_id: 'smoke-confirmed',
      device_id: 'smoke-b3-u2-0401',
      cleared_at: at,
      reason: 'condition_false',
    },
    priority: 'alarm',
  }) as CloudEvent;
}

function incidentOf(outcome: AlertOutcome): Incident {
  if (!('incident' in outcome)) throw new Error(`no incident: ${JSON.stringify(outcome)}`);
  return outcome.incident;
}

describe.each(BACKENDS)('incidents from gateway alerts (%s)', (backend) => {
  const db = useIncidentDatabase(backend);
  const clock = manualClock('2026-11-25T14:00:05.000Z');
  const engine = () => new IncidentEngine(db(), clock);
  // Each test takes its own building, so dedup never reaches across tests.
  let buildings = 100;
  const building = () => String(++buildings);

  it('opens an urgent IoT incident that keeps the gateway alert id, with its first step and evidence', async () => {
    const event = raised({ building: building() });
    const outcome = await engine().fromAlert(event);
    expect(outcome).toMatchObject({ outcome: 'created', policy: 'auto_incident' });
    const incident = incidentOf(outcome);
    const alert = event.data as AlertPayload;
    expect(incident).toMatchObject({
      id: expect.stringMatching(/^INC-20261125-\d{6}$/),
      version: 1,
      state: 'REPORTED',
      categoryCode: 'emergency.fire',
      severity: 'critical',
      urgent: true,
      source: 'iot',
      drill: false,
      level: 'community',
      alertId: alert.alert_id,
      occurrences: 1,
      dedupKey: `${GATEWAY}|emergency.fire@place:${COMMUNITY}/${alert.place?.building}/2`,
      title: '3号楼2单元烟感报警',
      firstOccurredAt: new Date(minutes(0)),
    });
    expect(incident.place).toMatchObject({
      community: COMMUNITY,
      unit: '2',
      floor: 4,
      deviceId: 'smoke-b3-u2-0401',
      gatewayId: GATEWAY,
    });
    const steps = await engine().steps(incident.id);
    expect(steps.map((step) => [step.action, step.fromState, step.toState, step.actor, step.role])).toEqual([
      ['report', null, 'REPORTED', `gateway:${GATEWAY}`, 'system'],
    ]);
    expect(steps[0]?.requestId).toBe(`alert:${GATEWAY}/${alert.alert_id}`);
    const evidence = await engine().evidence(incident.id);
    expect(evidence).toMatchObject([
      { kind: 'alert_raised', alertId: alert.alert_id, sourceKey: `${event.source}#${event.id}` },
    ]);
  });

  it('takes the same alert twice as the same incident: the same event adds nothing, an update adds evidence', async () => {
    const event = raised({ building: building() });
    const first = incidentOf(await engine().fromAlert(event));
    const again = await engine().fromAlert(event);
    expect(again).toEqual({ outcome: 'linked', incident: first });
    const alertId = (event.data as AlertPayload).alert_id;
    const update = raised({ alertId, building: first.place.building ?? '', at: minutes(3) }, 'updated');
    expect(incidentOf(await engine().fromAlert(update)).id).toBe(first.id);
    expect((await engine().evidence(first.id)).map((item) => item.kind)).toEqual(['alert_raised', 'alert_updated']);
    expect(await engine().get(first.id)).toMatchObject({ occurrences: 1, version: 1 });
  });

  it('merges a second alert of the same place × category within the window', async () => {
    const place = building();
    const first = incidentOf(await engine().fromAlert(raised({ building: place, severity: 'major' })));
    const second = await engine().fromAlert(
      raised({ building: place, device: 'smoke-b3-u2-0402', severity: 'critical', at: minutes(29) }),
    );
    expect(second.outcome).toBe('merged');
    const merged = incidentOf(second);
    expect(merged).toMatchObject({
      id: first.id,
      occurrences: 2,
      severity: 'critical',
      urgent: true,
      lastOccurredAt: new Date(minutes(29)),
      state: 'REPORTED',
    });
    const evidence = await engine().evidence(first.id);
    expect(evidence.map((item) => [item.kind, item.data.device_id])).toEqual([
      ['alert_raised', 'smoke-b3-u2-0401'],
      ['alert_raised', 'smoke-b3-u2-0402'],
    ]);
    // The second alert's own id finds the incident too.
    const secondAlertId = evidence[1]?.alertId ?? '';
    expect(incidentOf(await engine().fromAlert(cleared(secondAlertId))).id).toBe(first.id);
    const { rows } = await db().query('SELECT count(*) AS n FROM incidents WHERE dedup_key = $1', [first.dedupKey]);
    expect(rows).toEqual([{ n: 1 }]);
  });

  it('opens another incident outside the window, for another category, unit or building', async () => {
    const place = building();
    const first = incidentOf(await engine().fromAlert(raised({ building: place })));
    const others = [
      raised({ building: place, at: minutes(31) }),
      raised({ building: place, category: 'emergency.gas_leak', device: 'gas-b3-u2-0401' }),
      raised({ building: place, unit: '1', device: 'smoke-b3-u1-0101' }),
      raised({ building: building() }),
    ];
    for (const event of others) {
      const outcome = await engine().fromAlert(event);
      expect(outcome.outcome).toBe('created');
      expect(incidentOf(outcome).id).not.toBe(first.id);
    }
  });

  it('dedups a device without a building by the device itself', async () => {
    const device = `cover-${building()}`;
    const category = 'urban_management.manhole_cover';
    const first = await engine().fromAlert(raised({ building: undefined, device, category }));
    expect(incidentOf(first).dedupKey).toBe(`${GATEWAY}|${category}@device:${device}`);
    const second = await engine().fromAlert(raised({ building: undefined, device, category, at: minutes(5) }));
    expect(second).toMatchObject({ outcome: 'merged', incident: { id: incidentOf(first).id, occurrences: 2 } });
  });

  it('keeps one incident when two alerts of one place × category arrive at once', async () => {
    const place = building();
    const outcomes = await Promise.all([
      engine().fromAlert(raised({ building: place, device: 'smoke-b3-u2-0401' })),
      engine().fromAlert(raised({ building: place, device: 'smoke-b3-u2-0402' })),
      engine().fromAlert(raised({ building: place, device: 'smoke-b3-u2-0403' })),
    ]);
    expect(outcomes.map((outcome) => outcome.outcome).sort()).toEqual(['created', 'merged', 'merged']);
    const ids = new Set(outcomes.map((outcome) => incidentOf(outcome).id));
    expect(ids.size).toBe(1);
    const [id] = [...ids];
    expect(await engine().get(id as string)).toMatchObject({ occurrences: 3 });
    expect(await engine().evidence(id as string)).toHaveLength(3);
  });

  it('keeps one incident when the same alert arrives twice at once', async () => {
    const event = raised({ building: building() });
    const outcomes = await Promise.all([engine().fromAlert(event), engine().fromAlert(event)]);
    expect(outcomes.map((outcome) => outcome.outcome).sort()).toEqual(['created', 'linked']);
    expect(incidentOf(outcomes[0] as AlertOutcome).id).toBe(incidentOf(outcomes[1] as AlertOutcome).id);
  });

  it('records a clear as evidence and leaves the loop where it was', async () => {
    const event = raised({ building: building() });
    const incident = incidentOf(await engine().fromAlert(event));
    const alertId = (event.data as AlertPayload).alert_id;
    const outcome = await engine().fromAlert(cleared(alertId));
    expect(outcome).toEqual({ outcome: 'linked', incident });
    expect(await engine().get(incident.id)).toEqual(incident);
    const evidence = await engine().evidence(incident.id);
    expect(evidence.map((item) => [item.kind, item.occurredAt])).toEqual([
      ['alert_raised', new Date(minutes(0))],
      ['alert_cleared', new Date(minutes(10))],
    ]);
    expect(evidence[1]?.data).toMatchObject({ reason: 'condition_false' });
    expect(await engine().fromAlert(cleared('alert-never-raised'))).toEqual({
      outcome: 'ignored',
      reason: 'unknown_alert',
    });
  });

  it('opens a new incident once the open one has ended, even within the window', async () => {
    const place = building();
    const first = incidentOf(await engine().fromAlert(raised({ building: place })));
    await engine().transition({
      incidentId: first.id,
      action: 'reject',
      requestId: 'false-alarm',
      actor: 'op',
      role: 'operator',
    });
    const next = await engine().fromAlert(raised({ building: place, at: minutes(2) }));
    expect(next.outcome).toBe('created');
  });

  it("hands a merged incident's occurrences and alerts to the incident it joins", async () => {
    const event = raised({ building: building() });
    const alertIncident = incidentOf(await engine().fromAlert(event));
    const { incident: call } = await engine().report({
      requestId: `call-${alertIncident.id}`,
      source: 'hotline_12345',
      category: 'emergency.fire',
      title: 'Resident reports smoke in building 3',
      actor: 'op-li',
      role: 'operator',
    });
    await engine().transition({
      incidentId: alertIncident.id,
      action: 'merge',
      requestId: 'merge-1',
      actor: 'op-li',
      role: 'operator',
      data: { into: call.id },
    });
    expect(await engine().get(alertIncident.id)).toMatchObject({ state: 'MERGED', mergedInto: call.id });
    const alertId = (event.data as AlertPayload).alert_id;
    expect(incidentOf(await engine().fromAlert(cleared(alertId))).id).toBe(call.id);
    expect(await engine().get(call.id)).toMatchObject({ occurrences: 2, state: 'REPORTED' });
    expect(
      (await engine().evidence(call.id)).map((item) => [item.kind, item.data.incident_id ?? item.alertId]),
    ).toEqual([
      ['incident_merged', alertIncident.id],
      ['alert_cleared', alertId],
    ]);
  });

  describe('batches, as the projector hands them over', () => {
    it('takes a batch as its alerts one after another: one incident per place × category, the same alert twice adds nothing twice', async () => {
      const place = building();
      const first = raised({ building: place, device: 'smoke-b3-u2-0401', severity: 'major' });
      const firstId = (first.data as AlertPayload).alert_id;
      const second = raised({ building: place, device: 'smoke-b3-u2-0402', at: minutes(2) });
      const secondId = (second.data as AlertPayload).alert_id;
      const batch = [
        first,
        second,
        first,
        raised({ alertId: firstId, building: place, at: minutes(3) }, 'updated'),
        raised({ building: place, device: 'smoke-b3-u2-0403', severity: 'minor', at: minutes(4) }),
        raised({ building: building() }),
        cleared(secondId, minutes(5)),
        raised({ building: place, category: 'privacy.face_recognition', severity: 'minor' }),
      ];
      const outcomes = await engine().fromAlerts(batch);
      expect(outcomes.map((outcome) => outcome.outcome)).toEqual([
        'created',
        'merged',
        'linked',
        'linked',
        'merged',
        'created',
        'linked',
        'ignored',
      ]);
      const id = incidentOf(outcomes[0] as AlertOutcome).id;
      expect(outcomes.slice(1, 5).map((outcome) => incidentOf(outcome).id)).toEqual([id, id, id, id]);
      // Each outcome shows the incident as its alert left it.
      expect(
        outcomes.slice(0, 5).map((outcome) => [incidentOf(outcome).occurrences, incidentOf(outcome).severity]),
      ).toEqual([
        [1, 'major'],
        [2, 'critical'],
        [2, 'critical'],
        [2, 'critical'],
        [3, 'critical'],
      ]);
      expect(await engine().get(id)).toMatchObject({
        occurrences: 3,
        severity: 'critical',
        urgent: true,
        lastOccurredAt: new Date(minutes(4)),
        alertId: firstId,
      });
      const evidence = await engine().evidence(id);
      expect(evidence.map((item) => [item.kind, item.alertId])).toEqual([
        ['alert_raised', firstId],
        ['alert_raised', secondId],
        ['alert_updated', firstId],
        ['alert_raised', evidence[3]?.alertId],
        ['alert_cleared', secondId],
      ]);
      expect(await engine().steps(id)).toHaveLength(1);

      // The same batch again (a replay after a crash, another replica): nothing is made twice.
      const again = await engine().fromAlerts(batch);
      expect(again.map((outcome) => outcome.outcome)).toEqual([
        'linked',
        'linked',
        'linked',
        'linked',
        'linked',
        'linked',
        'linked',
        'ignored',
      ]);
      expect(await engine().get(id)).toMatchObject({ occurrences: 3, version: 1 });
      expect(await engine().evidence(id)).toHaveLength(5);
      const { rows } = await db().query('SELECT count(*) AS n FROM incidents WHERE dedup_key = $1', [
        incidentOf(outcomes[0] as AlertOutcome).dedupKey,
      ]);
      expect(rows).toEqual([{ n: 1 }]);
    });

    it('keeps dedup exact when batches sharing places and alert ids run at once on several connections', async () => {
      const places = [building(), building(), building()];
      const alerts = places.flatMap((place) =>
        [0, 1, 2].map((n) => raised({ building: place, device: `smoke-${place}-${n}`, at: minutes(n) })),
      );
      // Every batch takes the same alerts in another order: replicas racing over the same events.
      const orders = [alerts, [...alerts].reverse(), [...alerts.slice(4), ...alerts.slice(0, 4)]];
      const results = await Promise.all(orders.map((batch) => engine().fromAlerts(batch)));
      const outcomes = results.flat().map((outcome) => outcome.outcome);
      expect(outcomes.filter((outcome) => outcome === 'created')).toHaveLength(3);
      expect(outcomes.filter((outcome) => outcome === 'merged')).toHaveLength(6);
      expect(outcomes.filter((outcome) => outcome === 'linked')).toHaveLength(18);
      for (const place of places) {
        const { rows } = await db().query<{ occurrences: number; evidence: number }>(
          `SELECT i.occurrences, (SELECT count(*) FROM incident_evidence e WHERE e.incident_id = i.id) AS evidence
             FROM incidents i WHERE i.building = $1`,
          [place],
        );
        expect(rows).toEqual([{ occurrences: 3, evidence: 3 }]);
      }
    });

    it('runs the step hooks for each creation and tells the listeners about every created or changed incident', async () => {
      const subject = engine();
      const steps: string[] = [];
      const changes: string[] = [];
      subject.onStep(async ({ incident, step }) => {
        steps.push(`${incident.id} ${step.action} ${step.toState}`);
      });
      subject.onChange(({ incident }) => changes.push(`${incident.id} ${incident.occurrences}`));
      const place = building();
      const outcomes = await subject.fromAlerts([
        raised({ building: place }),
        raised({ building: place, device: 'smoke-b3-u2-0402', at: minutes(1) }),
        raised({ building: building(), category: 'safety.high_altitude_throwing', severity: 'major' }),
        raised({ building: place, category: 'privacy.face_recognition' }),
      ]);
      const [fire, , throwing] = outcomes.map((outcome) => ('incident' in outcome ? outcome.incident.id : ''));
      expect(steps).toEqual([
        `${fire} report REPORTED`,
        `${throwing} report REPORTED`,
        `${throwing} needVerify VERIFYING`,
      ]);
      expect(changes).toEqual([`${fire} 1`, `${fire} 2`, `${throwing} 1`]);
      expect(outcomes[2]).toMatchObject({ outcome: 'created', incident: { state: 'VERIFYING', version: 2 } });
    });

    it('refuses a batch with a malformed alert as a whole, naming the field, and writes nothing', async () => {
      const place = building();
      const bad = raised({ building: place });
      (bad.data as Record<string, unknown>).severity = 'apocalyptic';
      await expect(engine().fromAlerts([raised({ building: place }), bad])).rejects.toThrow(/severity/);
      const { rows } = await db().query('SELECT count(*) AS n FROM incidents WHERE building = $1', [place]);
      expect(rows).toEqual([{ n: 0 }]);
    });
  });

  describe('the device-event policy table (domain §7)', () => {
    it('raises no incident for never categories, nor for alert-only ones below their repeat threshold', async () => {
      const ebike = await engine().fromAlert(
        raised({ building: building(), category: 'safety.ebike_elevator', severity: 'minor' }),
      );
      // Alert only below its repeat threshold (5 a week per building): recorded and counted.
      expect(ebike).toEqual({ outcome: 'held', policy: 'alert_only', repeats: 1, threshold: 5 });
      const face = await engine().fromAlert(raised({ building: building(), category: 'privacy.face_recognition' }));
      expect(face).toEqual({ outcome: 'ignored', reason: 'never', policy: 'never' });
    });

    it('asks a grid worker to verify first when the policy says confirm first', async () => {
      const outcome = await engine().fromAlert(
        raised({
          building: building(),
          category: 'safety.high_altitude_throwing',
          severity: 'major',
          device: 'cam-b3-01',
        }),
      );
      expect(outcome).toMatchObject({
        outcome: 'created',
        policy: 'confirm_first',
        incident: { state: 'VERIFYING', urgent: false },
      });
      const steps = await engine().steps(incidentOf(outcome).id);
      expect(steps.map((step) => [step.action, step.toState, step.role])).toEqual([
        ['report', 'REPORTED', 'system'],
        ['needVerify', 'VERIFYING', 'system'],
      ]);
    });

    it('turns device maintenance into a maintenance ticket of its category', async () => {
      const outcome = await engine().fromAlert(
        raised({ building: building(), category: 'device_maintenance.offline', severity: 'warning' }),
      );
      expect(outcome).toMatchObject({
        outcome: 'created',
        policy: 'maintenance_ticket',
        incident: { categoryCode: 'device_maintenance.offline', urgent: false },
      });
    });

    it('is data: an edited row changes what the next alert does', async () => {
      await db().query(
        "INSERT INTO device_event_policies (category_code, policy, note) VALUES ('livelihood.water_leak.basement', 'alert_only', 'test')",
      );
      const basement = await engine().fromAlert(
        raised({ building: building(), category: 'livelihood.water_leak.basement', severity: 'minor' }),
      );
      expect(basement).toMatchObject({ outcome: 'ignored', reason: 'alert_only' });
      const kitchen = await engine().fromAlert(
        raised({ building: building(), category: 'livelihood.water_leak', severity: 'minor' }),
      );
      expect(kitchen).toMatchObject({ outcome: 'created', policy: 'auto_incident' });
    });
  });

  it('marks drill alerts, and never merges them with real ones', async () => {
    const place = building();
    const real = incidentOf(await engine().fromAlert(raised({ building: place })));
    const drill = await engine().fromAlert(raised({ building: place, at: minutes(1) }), { drill: true });
    expect(drill).toMatchObject({ outcome: 'created', incident: { drill: true } });
    expect(incidentOf(drill).id).not.toBe(real.id);
    expect(await engine().get(real.id)).toMatchObject({ drill: false, occurrences: 1 });
  });

  it('ignores CloudEvents that are not alerts', async () => {
    const state = createCloudEvent({
      id: 'evt-state-1',
      type: 'cn.gridlink.device.state.v1',
      gatewayId: GATEWAY,
      deviceId: 'smoke-b3-u2-0401',
      time: minutes(0),
      data: { device_id: 'smoke-b3-u2-0401', device_kind: 'smoke_detector', state: { battery: 88 } },
      priority: 'state',
    }) as CloudEvent;
    expect(await engine().fromAlert(state)).toEqual({ outcome: 'ignored', reason: 'not_an_alert' });
  });
});

describe('a batch chosen as a deadlock victim', () => {
  const failing = (codes: string[]) => {
    let calls = 0;
    const work = async () => {
      const code = codes[calls++];
      if (code !== undefined) throw Object.assign(new Error(`failed with ${code}`), { code });
      return calls;
    };
    return { work, calls: () => calls };
  };

  it('runs again after a deadlock or a serialization failure, up to three times in all', async () => {
    expect(await retryDeadlocks(failing(['40P01', '40001']).work)).toBe(3);
    await expect(retryDeadlocks(failing(['40P01', '40P01', '40P01']).work)).rejects.toThrow(/40P01/);
  });

  it('does not run again after any other failure', async () => {
    const unique = failing(['23505']);
    await expect(retryDeadlocks(unique.work)).rejects.toThrow(/23505/);
    expect(unique.calls()).toBe(1);
  });
});
