import { type AlertPayload, type CloudEvent, createCloudEvent, type Severity } from '@gridlink/protocol';
import { describe, expect, it } from 'vitest';
import { BACKENDS, manualClock } from '../test-support.js';
import { type AlertOutcome, IncidentEngine } from './engine.js';
import { useIncidentDatabase } from './test-database.js';

const GATEWAY = 'gw-320803-001';
const COMMUNITY = '320803001001';
const T0 = Date.parse('2026-11-23T01:00:00.000Z');
const HOUR = 3600_000;
const DAY = 24 * HOUR;
const at = (ms: number) => new Date(T0 + ms).toISOString();

let counter = 0;

/** A raised alert as a gateway sends it. */
function raised(options: {
  category: string;
  device: string;
  building: string;
  at: number;
  severity?: Severity;
  alertId?: string;
}): CloudEvent {
  counter++;
  const time = at(options.at);
  const data: AlertPayload = {
    alert_id: options.alertId ?? `repeat-${process.pid}-${counter}`,
    rule_id: 'repeat-test',
    device_id: options.device,
    state: 'active',
    severity: options.severity ?? 'minor',
    category: options.category,
    since: time,
    last_seen: time,
    occurrences: 1,
    message: { zh: '重复报警', en: 'Repeated alert' },
    place: { community: COMMUNITY, building: options.building, unit: '1', floor: 1 },
  };
  return createCloudEvent({
    id: `evt-repeat-${process.pid}-${counter}`,
    type: 'cn.gridlink.alert.raised.v1',
    gatewayId: GATEWAY,
    deviceId: options.device,
    time,
    data,
    priority: 'alarm',
  }) as CloudEvent;
}

const alertIdOf = (event: CloudEvent) => (event.data as AlertPayload).alert_id;
const kinds = (outcomes: AlertOutcome[]) =>
  outcomes.map((outcome) =>
    outcome.outcome === 'held' ? `held ${outcome.repeats}/${outcome.threshold}` : outcome.outcome,
  );

describe.each(BACKENDS)('repeat thresholds of the device-event policy (domain §7, %s)', (backend) => {
  const db = useIncidentDatabase(backend);
  const clock = manualClock('2026-11-25T14:00:05.000Z');
  const engine = () => new IncidentEngine(db(), clock);
  let buildings = 500;
  const building = () => String(++buildings);
  let categories = 0;
  /** A policy row of its own for one test: `count` alerts within `window` per `scope`. */
  const policy = async (row: { policy?: string; count: number; window: string; scope: string; bypass?: string }) => {
    const code = `safety.repeat_${backend}_${++categories}`;
    await db().query(
      `INSERT INTO device_event_policies (category_code, policy, repeat_count, repeat_window, repeat_scope,
              repeat_bypass_severity, note)
       VALUES ($1, $2, $3, $4::interval, $5, $6, 'test')`,
      [code, row.policy ?? 'alert_only', row.count, row.window, row.scope, row.bypass ?? null],
    );
    return code;
  };

  it('is seeded for the §7 rows that have one: fire lane, e-bike in elevator, access control', async () => {
    const { rows } = await db().query(
      `SELECT category_code, policy, repeat_count, extract(epoch FROM repeat_window)::integer AS window_s,
              repeat_scope, repeat_bypass_severity
         FROM device_event_policies WHERE repeat_count IS NOT NULL AND note <> 'test' ORDER BY category_code`,
    );
    expect(rows).toEqual([
      {
        category_code: 'safety.access',
        policy: 'alert_only',
        repeat_count: 2,
        window_s: 86_400,
        repeat_scope: 'device',
        repeat_bypass_severity: null,
      },
      {
        category_code: 'safety.ebike_elevator',
        policy: 'alert_only',
        repeat_count: 5,
        window_s: 7 * 86_400,
        repeat_scope: 'building',
        repeat_bypass_severity: null,
      },
      {
        category_code: 'safety.fire_lane',
        policy: 'auto_incident',
        repeat_count: 3,
        window_s: 86_400,
        repeat_scope: 'device',
        repeat_bypass_severity: 'major',
      },
    ]);
  });

  it('holds e-bikes of one building below 5 a week, and opens the incident at the fifth with the others as evidence', async () => {
    const place = building();
    const category = 'safety.ebike_elevator';
    const week = [0, 1, 2, 3].map((day) =>
      raised({ category, device: `elv-${place}-${day % 2}`, building: place, at: day * DAY }),
    );
    const held = [];
    for (const event of week) held.push(await engine().fromAlert(event));
    // Another building's e-bikes do not count here.
    held.push(await engine().fromAlert(raised({ category, device: 'elv-elsewhere', building: building(), at: DAY })));
    expect(kinds(held)).toEqual(['held 1/5', 'held 2/5', 'held 3/5', 'held 4/5', 'held 1/5']);
    const { rows: recorded } = await db().query(
      'SELECT alert_id, recorded_at, incident_id FROM held_alerts WHERE building = $1 ORDER BY occurred_at',
      [place],
    );
    expect(recorded).toEqual(
      week.map((event) => ({ alert_id: alertIdOf(event), recorded_at: clock(), incident_id: null })),
    );

    // Visible while they count, newest first.
    const pending = (await engine().heldAlerts({ category: 'safety', community: COMMUNITY, pending: true })).alerts;
    expect(pending.filter((item) => item.building === place).map((item) => item.alertId)).toEqual(
      week.map(alertIdOf).reverse(),
    );

    const fifth = raised({ category, device: `elv-${place}-0`, building: place, at: 6 * DAY });
    const opened = await engine().fromAlert(fifth);
    expect(opened).toMatchObject({
      outcome: 'created',
      policy: 'alert_only',
      incident: {
        state: 'REPORTED',
        categoryCode: category,
        alertId: alertIdOf(fifth),
        occurrences: 5,
        firstOccurredAt: new Date(at(0)),
        lastOccurredAt: new Date(at(6 * DAY)),
      },
    });
    const incident = (opened as Extract<AlertOutcome, { outcome: 'created' }>).incident;
    const evidence = await engine().evidence(incident.id);
    expect(evidence.map((item) => [item.kind, item.alertId])).toEqual(
      [...week, fifth].map((event) => ['alert_raised', alertIdOf(event)]),
    );
    const steps = await engine().steps(incident.id);
    expect(steps[0]?.data).toMatchObject({
      policy: 'alert_only',
      repeat: { scope: 'building', count: 5, window_ms: 7 * DAY, alerts: 5 },
    });
    const { rows: consumed } = await db().query<{ incident_id: string }>(
      'SELECT DISTINCT incident_id FROM held_alerts WHERE building = $1',
      [place],
    );
    expect(consumed).toEqual([{ incident_id: incident.id }]);
    const taken = (await engine().heldAlerts({ category })).alerts.filter((item) => item.building === place);
    expect(taken.map((item) => item.incidentId)).toEqual([...week, fifth].map(() => incident.id));
    // An update of an earlier alert finds the incident it is evidence of.
    const update = { ...(week[1] as CloudEvent), id: 'evt-update-1', type: 'cn.gridlink.alert.updated.v1' };
    expect(await engine().fromAlert(update as CloudEvent)).toMatchObject({
      outcome: 'linked',
      incident: { id: incident.id },
    });
  });

  it('counts an alert exactly one window earlier out, one millisecond later in', async () => {
    const category = await policy({ count: 3, window: '1 day', scope: 'device' });
    const place = building();
    const edge = [0, 12 * HOUR, DAY].map((ms) => raised({ category, device: 'door-edge', building: place, at: ms }));
    expect(kinds(await engine().fromAlerts(edge))).toEqual(['held 1/3', 'held 2/3', 'held 2/3']);
    const inside = [0, 12 * HOUR, DAY - 1].map((ms) =>
      raised({ category, device: 'door-inside', building: place, at: ms }),
    );
    const outcomes = await engine().fromAlerts(inside);
    expect(kinds(outcomes)).toEqual(['held 1/3', 'held 2/3', 'created']);
    expect(outcomes[2]).toMatchObject({ incident: { occurrences: 3, firstOccurredAt: new Date(at(0)) } });
  });

  it('starts counting again after an incident: the alerts it took count no more', async () => {
    const category = await policy({ count: 2, window: '1 day', scope: 'device', policy: 'auto_incident' });
    const place = building();
    // Hours apart: past the 30-minute dedup window, so each pair is its own incident.
    const alerts = [0, 1, 2, 3, 4].map((n) =>
      raised({ category, device: 'door-again', building: place, at: n * HOUR }),
    );
    expect(kinds(await engine().fromAlerts(alerts))).toEqual([
      'held 1/2',
      'created',
      'held 1/2',
      'created',
      'held 1/2',
    ]);
  });

  it('opens the incident at once for an alert at or above the bypass severity (fire lane occupied > 30 min)', async () => {
    const category = 'safety.fire_lane';
    const place = building();
    const long = await engine().fromAlert(
      raised({ category, device: 'cam-lane-long', building: place, at: 0, severity: 'major' }),
    );
    expect(long).toMatchObject({ outcome: 'created', policy: 'auto_incident', incident: { occurrences: 1 } });
    const other = building();
    const short = [0, 2, 5].map((hours) =>
      raised({ category, device: 'cam-lane-short', building: other, at: hours * HOUR }),
    );
    expect(kinds(await engine().fromAlerts(short))).toEqual(['held 1/3', 'held 2/3', 'created']);
  });

  it('makes nothing twice on replay: a held alert is counted once, a reached threshold opens one incident', async () => {
    const category = await policy({ count: 3, window: '7 days', scope: 'building' });
    const place = building();
    const alerts = [0, 1, 2].map((day) => raised({ category, device: `elv-${day}`, building: place, at: day * DAY }));
    expect(kinds(await engine().fromAlerts([alerts[0] as CloudEvent, alerts[0] as CloudEvent]))).toEqual([
      'held 1/3',
      'held 1/3',
    ]);
    expect(kinds(await engine().fromAlerts([alerts[0] as CloudEvent, alerts[1] as CloudEvent]))).toEqual([
      'held 1/3',
      'held 2/3',
    ]);
    const first = await engine().fromAlerts(alerts);
    expect(kinds(first)).toEqual(['held 1/3', 'held 2/3', 'created']);
    const again = await engine().fromAlerts(alerts);
    expect(kinds(again)).toEqual(['linked', 'linked', 'linked']);
    const { rows } = await db().query('SELECT count(*) AS n FROM incidents WHERE category_code = $1', [category]);
    expect(rows).toEqual([{ n: 1 }]);
    const id = (first[2] as Extract<AlertOutcome, { outcome: 'created' }>).incident.id;
    expect(await engine().evidence(id)).toHaveLength(3);
  });

  it('keeps one incident when alerts of one scope race on several connections', async () => {
    const category = await policy({ count: 3, window: '1 day', scope: 'device' });
    const place = building();
    const alerts = Array.from({ length: 6 }, () => raised({ category, device: 'door-race', building: place, at: 0 }));
    const outcomes = await Promise.all(alerts.map((event) => engine().fromAlert(event)));
    expect(kinds(outcomes).filter((kind) => kind === 'created')).toHaveLength(1);
    expect(kinds(outcomes).filter((kind) => kind === 'merged')).toHaveLength(3);
    const { rows } = await db().query('SELECT occurrences FROM incidents WHERE category_code = $1', [category]);
    expect(rows).toEqual([{ occurrences: 6 }]);
  });

  it('refuses a threshold on a never row, or half a threshold', async () => {
    await expect(
      db().query(
        "INSERT INTO device_event_policies (category_code, policy, repeat_count, repeat_window, repeat_scope) VALUES ('privacy.test_never', 'never', 2, '1 day', 'device')",
      ),
    ).rejects.toThrow(/device_event_policies_repeat_not_never/);
    await expect(
      db().query(
        "INSERT INTO device_event_policies (category_code, policy, repeat_count) VALUES ('safety.test_half', 'alert_only', 2)",
      ),
    ).rejects.toThrow(/device_event_policies_repeat_whole/);
  });
});
