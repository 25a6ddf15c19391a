import { type AlertPayload, type CloudEvent, createCloudEvent } from '@gridlink/protocol';
import { describe, expect, it } from 'vitest';
import { BACKENDS, manualClock } from '../test-support.js';
import { type AlertOutcome, IncidentEngine } from './engine.js';
import { useIncidentDatabase } from './test-database.js';

const GATEWAY = 'gw-320803-001';
const COMMUNITY = '320803001001';

let counter = 0;

/** A raised alert of `category` whose own time is `time` (an instant with its offset), on a door of its own. */
function raised(category: string, time: string): CloudEvent {
  counter++;
  const at = new Date(time).toISOString();
  const device = `door-${process.pid}-${counter}`;
  const data: AlertPayload = {
    alert_id: `after-hours-${process.pid}-${counter}`,
    rule_id: 'door-forced',
    device_id: device,
    state: 'active',
    severity: 'minor',
    category,
    since: at,
    last_seen: at,
    occurrences: 1,
    message: { zh: '门被强行打开', en: 'Door forced open' },
    // A building of its own: no alert joins another's incident.
    place: { community: COMMUNITY, building: `h${counter}`, unit: '1', floor: 1 },
  };
  return createCloudEvent({
    id: `evt-after-hours-${process.pid}-${counter}`,
    type: 'cn.gridlink.alert.raised.v1',
    gatewayId: GATEWAY,
    deviceId: device,
    time: at,
    data,
    priority: 'alarm',
  }) as CloudEvent;
}

const kind = (outcome: AlertOutcome) =>
  outcome.outcome === 'held' ? `held ${outcome.repeats}/${outcome.threshold}` : outcome.outcome;

/**
 * Domain §7 "access control: … incident if repeated or after hours": within the policy row's
 * after-hours range (local China time, start inside, end outside) an alert opens an incident at
 * once; outside it the repeat threshold holds it. The alert's own time decides, never the time
 * the cloud processes it.
 */
describe.each(BACKENDS)('after hours of the device-event policy (domain §7, %s)', (backend) => {
  const db = useIncidentDatabase(backend);
  // Midday in China while the alerts below happened at night, and the other way round.
  const clock = manualClock('2026-11-25T04:00:00.000Z');
  const engine = () => new IncidentEngine(db(), clock);

  it('is seeded for access control: 22:00 to 06:00, beside its repeat threshold', async () => {
    const { rows } = await db().query(
      `SELECT category_code, to_char(after_hours_start, 'HH24:MI') AS start, to_char(after_hours_end, 'HH24:MI') AS end
         FROM device_event_policies WHERE after_hours_start IS NOT NULL ORDER BY category_code`,
    );
    expect(rows).toEqual([{ category_code: 'safety.access', start: '22:00', end: '06:00' }]);
  });

  it('opens an incident at once from 22:00 to just before 06:00 across midnight, and holds the alert outside', async () => {
    const cases: Array<[string, string]> = [
      ['2026-11-24T21:59:59.999+08:00', 'held 1/2'],
      ['2026-11-24T22:00:00.000+08:00', 'created'],
      ['2026-11-24T23:59:59.999+08:00', 'created'],
      ['2026-11-25T00:00:00.000+08:00', 'created'],
      ['2026-11-25T05:59:59.999+08:00', 'created'],
      ['2026-11-25T06:00:00.000+08:00', 'held 1/2'],
      ['2026-11-25T12:00:00.000+08:00', 'held 1/2'],
    ];
    for (const [time, expected] of cases) {
      // The door_forced alert follows its parent row, safety.access.
      const outcome = await engine().fromAlert(raised('safety.access.door_forced', time));
      expect(kind(outcome), time).toBe(expected);
    }
  });

  it('records why the incident opened: the policy and its after-hours range', async () => {
    const outcome = await engine().fromAlert(raised('safety.access.door_held_open', '2026-11-25T02:30:00+08:00'));
    expect(outcome).toMatchObject({
      outcome: 'created',
      policy: 'alert_only',
      incident: { state: 'REPORTED', categoryCode: 'safety.access.door_held_open', occurrences: 1 },
    });
    const incident = (outcome as Extract<AlertOutcome, { outcome: 'created' }>).incident;
    const steps = await engine().steps(incident.id);
    expect(steps[0]?.data).toEqual({
      rule_id: 'door-forced',
      policy: 'alert_only',
      after_hours: { start: '22:00', end: '06:00' },
    });
  });

  it('goes by the alert’s own time, not by when the cloud processes it', async () => {
    // Processed at 03:00 China time, the alert happened at 10:00: held.
    const night = manualClock('2026-11-25T19:00:00.000Z');
    const late = new IncidentEngine(db(), night);
    expect(kind(await late.fromAlert(raised('safety.access', '2026-11-25T10:00:00+08:00')))).toBe('held 1/2');
    // Processed at midday (the suite's clock), the alert happened at 23:30 the night before: an incident.
    expect(kind(await engine().fromAlert(raised('safety.access', '2026-11-24T23:30:00+08:00')))).toBe('created');
  });

  it('takes a range within one day, and opens incidents of an alert-only row without a threshold only inside it', async () => {
    const category = `safety.lunch_${backend}`;
    await db().query(
      `INSERT INTO device_event_policies (category_code, policy, after_hours_start, after_hours_end, note)
       VALUES ($1, 'alert_only', '12:00', '13:30', 'test')`,
      [category],
    );
    const cases: Array<[string, string]> = [
      ['2026-11-25T11:59:59.999+08:00', 'ignored'],
      ['2026-11-25T12:00:00.000+08:00', 'created'],
      ['2026-11-25T13:29:59.999+08:00', 'created'],
      ['2026-11-25T13:30:00.000+08:00', 'ignored'],
      ['2026-11-25T00:00:00.000+08:00', 'ignored'],
    ];
    for (const [time, expected] of cases) {
      const outcome = await engine().fromAlert(raised(category, time));
      expect(kind(outcome), time).toBe(expected);
      if (expected === 'ignored') expect(outcome).toMatchObject({ reason: 'alert_only' });
    }
  });

  it('refuses a range that is empty or on a never row (database constraints)', async () => {
    const refused = async (sql: string) =>
      db()
        .query(sql)
        .then(
          () => 'stored',
          (err: { code?: string }) => err.code,
        );
    expect(
      await refused(
        `INSERT INTO device_event_policies (category_code, policy, after_hours_start, after_hours_end, note)
         VALUES ('safety.empty_${backend}', 'alert_only', '22:00', '22:00', 'test')`,
      ),
    ).toBe('23514');
    expect(
      await refused(
        `INSERT INTO device_event_policies (category_code, policy, after_hours_start, after_hours_end, note)
         VALUES ('privacy.night_${backend}', 'never', '22:00', '06:00', 'test')`,
      ),
    ).toBe('23514');
    expect(
      await refused(
        `INSERT INTO device_event_policies (category_code, policy, after_hours_start, note)
         VALUES ('safety.half_${backend}', 'alert_only', '22:00', 'test')`,
      ),
    ).toBe('23514');
  });
});
