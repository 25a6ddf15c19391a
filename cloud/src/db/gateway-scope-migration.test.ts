import { type CloudEvent, createCloudEvent } from '@gridlink/protocol';
import { beforeAll, describe, expect, it } from 'vitest';
import { IncidentEngine } from '../incidents/engine.js';
import { BACKENDS, manualClock, useMigratedDatabase } from '../test-support.js';
import { migrate, readMigrations } from './migrate.js';

const COMMUNITY = '320803001001';
const GRID = '320803001001001';
const AT = new Date('2026-11-25T08:00:00.000Z');
const BEFORE = new Set(Array.from({ length: 16 }, (_, at) => at + 1));

function cleared(gateway: string, alertId: string): CloudEvent {
  return createCloudEvent({
    id: `evt-clear-${gateway}-${alertId}`,
    type: 'cn.gridlink.alert.cleared.v1',
    gatewayId: gateway,
    deviceId: 'smoke-1',
    time: AT.toISOString(),
    priority: 'alarm',
    data: {
      alert_id: alertId,
      rule_id: 'smoke.alarm',
      device_id: 'smoke-1',
      cleared_at: AT.toISOString(),
      reason: 'condition_false',
    },
  } as never) as CloudEvent;
}

/**
 * Data written before alerts were keyed by gateway stays valid: each linked alert finds its gateway
 * (the source of the event that raised it, else the incident's), held alerts and open incidents keep
 * counting under their gateway's keys, and a gateway with devices installed in one community serves it.
 */
describe.each(BACKENDS)('migrations 0017 and 0018 over earlier data (%s)', (backend) => {
  const db = useMigratedDatabase(backend, { what: 'database before gateway-scoped alerts', versions: BEFORE });

  beforeAll(async () => {
    const q = db();
    for (const [code, level, parent] of [
      ['320803', 'district', null],
      ['320803001', 'street', '320803'],
      [COMMUNITY, 'community', '320803001'],
      [GRID, 'grid', COMMUNITY],
    ] as const) {
      await q.query('INSERT INTO territory_units (code, level, parent_code, name_zh) VALUES ($1, $2, $3, $4)', [
        code,
        level,
        parent,
        code,
      ]);
    }
    for (const gateway of ['gw-a', 'gw-b']) {
      await q.query('INSERT INTO gateways (id, created_at) VALUES ($1, $2)', [gateway, AT]);
    }
    await q.query(
      `INSERT INTO device_placements (gateway_id, device_id, installed_at, grid_code, community_code)
       VALUES ('gw-a', 'smoke-1', $1, $2, $3)`,
      [AT, GRID, COMMUNITY],
    );
    await q.query(
      `INSERT INTO incidents (id, state, category_code, severity, source, community, grid, gateway_id, alert_id,
              intake_request_id, dedup_key, first_occurred_at, last_occurred_at, title, created_at, updated_at)
       VALUES ('INC-20261125-000001', 'REPORTED', 'emergency.fire', 'major', 'iot', $1, $2, 'gw-a', 'al-1',
               'alert:al-1', 'emergency.fire@device:smoke-1', $3, $3, 'smoke', $3, $3)`,
      [COMMUNITY, GRID, AT],
    );
    // al-2 was raised by gw-b and merged into gw-a's incident: its evidence names its source.
    await q.query(
      `INSERT INTO incident_evidence (incident_id, kind, source_key, alert_id, occurred_at, recorded_at)
       VALUES ('INC-20261125-000001', 'alert_raised', '/gateways/gw-b/devices/smoke-2#evt-2', 'al-2', $1, $1)`,
      [AT],
    );
    await q.query(
      `INSERT INTO incident_alerts (alert_id, incident_id, linked_at)
       VALUES ('al-1', 'INC-20261125-000001', $1), ('al-2', 'INC-20261125-000001', $1)`,
      [AT],
    );
    await q.query(
      `INSERT INTO held_alerts (alert_id, policy_category, scope_key, category_code, severity, drill, gateway_id,
              device_id, source_key, occurred_at, recorded_at, data)
       VALUES ('al-3', 'safety.access', 'safety.access|false|device:door-1', 'safety.access', 'minor', false, 'gw-b',
               'door-1', '/gateways/gw-b/devices/door-1#evt-3', $1, $1, '{}')`,
      [AT],
    );
    const all = await readMigrations();
    await migrate(
      q,
      all.filter((migration) => !BEFORE.has(migration.version)),
    );
  }, 60_000);

  it('keys every earlier alert, held alert and open incident by its gateway', async () => {
    const q = db();
    expect((await q.query('SELECT gateway_id, alert_id FROM incident_alerts ORDER BY alert_id')).rows).toEqual([
      { gateway_id: 'gw-a', alert_id: 'al-1' },
      { gateway_id: 'gw-b', alert_id: 'al-2' },
    ]);
    expect((await q.query('SELECT scope_key FROM held_alerts')).rows).toEqual([
      { scope_key: 'gw-b|safety.access|false|device:door-1' },
    ]);
    expect((await q.query('SELECT dedup_key FROM incidents')).rows).toEqual([
      { dedup_key: 'gw-a|emergency.fire@device:smoke-1' },
    ]);
    expect((await q.query('SELECT id, community FROM gateways ORDER BY id')).rows).toEqual([
      { id: 'gw-a', community: COMMUNITY },
      { id: 'gw-b', community: null },
    ]);
  });

  it('lets each gateway clear its own earlier alert, and not the other’s', async () => {
    const engine = new IncidentEngine(db(), manualClock());
    expect(await engine.fromAlert(cleared('gw-b', 'al-2'))).toMatchObject({
      outcome: 'linked',
      incident: { id: 'INC-20261125-000001' },
    });
    expect(await engine.fromAlert(cleared('gw-b', 'al-1'))).toMatchObject({ outcome: 'ignored' });
    expect(await engine.fromAlert(cleared('gw-a', 'al-1'))).toMatchObject({ outcome: 'linked' });
  });
});
