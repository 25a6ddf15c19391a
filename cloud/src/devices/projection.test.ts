import {
  type CloudEvent,
  createCloudEvent,
  type InventoryDevice,
  parseCloudEvent,
  type UplinkData,
  type UplinkType,
} from '@gridlink/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { BACKENDS } from '../test-support.js';
import { projectDeviceEvent, projectDeviceEvents, pruneDeviceHistory } from './projection.js';
import { availabilityIntervals, devicesOfCommunity, devicesOfGateway } from './read.js';
import { useDeviceDatabase } from './test-database.js';

const T0 = Date.parse('2026-11-25T08:00:00.000Z');
const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();
const RECEIVED = new Date(T0 + 24 * 3_600_000);

let counter = 0;
/** A valid event of `type` from `gatewayId`, as the intake would have stored it. */
function event<T extends UplinkType>(gatewayId: string, type: T, data: UplinkData<T>, deviceId?: string): CloudEvent {
  counter++;
  const built = createCloudEvent({
    id: `evt-${process.pid}-${counter}`,
    type,
    gatewayId,
    ...(deviceId === undefined ? {} : { deviceId }),
    time: (data as { observed_at?: string }).observed_at ?? at(0),
    data,
    priority: 'telemetry',
  });
  const parsed = parseCloudEvent(built);
  if (!parsed.ok) throw parsed.error;
  return parsed.value;
}

const device = (id: string, status: InventoryDevice['status'] = 'active'): InventoryDevice => ({
  device_id: id,
  device_kind: 'smoke_detector',
  place: { community: '320803001001', building: '3' },
  tags: [],
  status,
});

describe.each(BACKENDS)('the device projection (%s)', (backend) => {
  const db = useDeviceDatabase(backend);

  /** Each gateway's kept counts as the fleet list reads them, and as counting its devices gives them. */
  async function gatewayCounts() {
    const query = (text: string) => db().query<{ gateway_id: string; active: number; online: number }>(text);
    const [kept, counted] = await Promise.all([
      query('SELECT gateway_id, active, online FROM gateway_device_counts WHERE active <> 0 OR online <> 0'),
      query(`SELECT gateway_id, count(*) FILTER (WHERE status = 'active')::integer AS active,
                    count(*) FILTER (WHERE status = 'active' AND availability = 'online')::integer AS online
               FROM devices GROUP BY gateway_id
             HAVING count(*) FILTER (WHERE status = 'active') > 0`),
    ]);
    const byGateway = (rows: typeof kept.rows) =>
      Object.fromEntries(rows.map((row) => [row.gateway_id, { active: row.active, online: row.online }]));
    return { kept: byGateway(kept.rows), counted: byGateway(counted.rows) };
  }

  // Whatever a test did (reordered, concurrent, replaced gateways), the kept counts still agree.
  afterEach(async () => {
    const { kept, counted } = await gatewayCounts();
    expect(kept).toEqual(counted);
  });
  let community = 320803001100;
  /** A fresh community served by a fresh gateway, so tests share the database without meeting. */
  async function newCommunity() {
    community++;
    const code = String(community);
    const gateway = `gw-${code}-a`;
    await db().query('INSERT INTO gateways (id, created_at, community) VALUES ($1, now(), $2)', [gateway, code]);
    const sync = (
      gatewayId: string,
      minutes: number,
      devices: InventoryDevice[],
      part = 1,
      parts = 1,
      syncId = `sync-${minutes}`,
    ) =>
      event(gatewayId, 'cn.gridlink.inventory.sync.v1', {
        gateway_id: gatewayId,
        community: code,
        sync_id: syncId,
        part,
        parts,
        devices,
        observed_at: at(minutes),
        seq: minutes,
      });
    const changed = (gatewayId: string, minutes: number, record: InventoryDevice) =>
      event(gatewayId, 'cn.gridlink.inventory.changed.v1', { ...record, observed_at: at(minutes), seq: minutes });
    const project = async (...events: CloudEvent[]) => {
      for (const e of events) expect(await projectDeviceEvent(db(), e, RECEIVED)).toBe('applied');
    };
    const statuses = async () =>
      Object.fromEntries((await devicesOfCommunity(db(), code)).map((d) => [d.device_id, d.status]));
    return { code, gateway, sync, changed, project, statuses };
  }

  it('reconciles a full sync: a device it leaves out becomes missing, never deleted, and comes back when listed again', async () => {
    const { gateway, sync, changed, project, statuses } = await newCommunity();
    await project(sync(gateway, 10, [device('smoke-a'), device('smoke-b'), device('smoke-c')]));
    expect(await statuses()).toEqual({ 'smoke-a': 'active', 'smoke-b': 'active', 'smoke-c': 'active' });

    await project(sync(gateway, 20, [device('smoke-a'), device('smoke-b')]));
    expect(await statuses()).toEqual({ 'smoke-a': 'active', 'smoke-b': 'active', 'smoke-c': 'missing' });

    // A change observed before the sync that missed the device arrives late: it stays missing.
    await project(changed(gateway, 15, device('smoke-c')));
    expect((await statuses())['smoke-c']).toBe('missing');
    // A newer one brings it back.
    await project(changed(gateway, 25, device('smoke-c')));
    expect((await statuses())['smoke-c']).toBe('active');
  });

  it('waits for every part of a sync: a partial sync marks nothing missing, a repeated part changes nothing', async () => {
    const { gateway, sync, project, statuses } = await newCommunity();
    await project(sync(gateway, 10, [device('smoke-a'), device('smoke-b'), device('smoke-c')]));

    // Part 2 of 2 arrives first (reordered), alone: smoke-a and smoke-b, in part 1, stay active.
    await project(sync(gateway, 20, [device('smoke-c')], 2, 2, 'sync-split'));
    expect(await statuses()).toEqual({ 'smoke-a': 'active', 'smoke-b': 'active', 'smoke-c': 'active' });

    // Part 1 lists only smoke-a: once complete, smoke-b (in neither part) is missing.
    await project(sync(gateway, 20, [device('smoke-a')], 1, 2, 'sync-split'));
    expect(await statuses()).toEqual({ 'smoke-a': 'active', 'smoke-b': 'missing', 'smoke-c': 'active' });

    await project(sync(gateway, 20, [device('smoke-c')], 2, 2, 'sync-split'));
    expect(await statuses()).toEqual({ 'smoke-a': 'active', 'smoke-b': 'missing', 'smoke-c': 'active' });
  });

  it('never lets a stale sync undo a newer change', async () => {
    const { gateway, sync, changed, project, statuses } = await newCommunity();
    await project(sync(gateway, 10, [device('smoke-a'), device('smoke-b')]));
    await project(changed(gateway, 30, device('smoke-a', 'retired')));
    await project(changed(gateway, 31, device('smoke-new')));
    // A sync observed at minute 20, delivered after the changes (it waited in the outbox).
    await project(sync(gateway, 20, [device('smoke-a'), device('smoke-b')]));
    expect(await statuses()).toEqual({ 'smoke-a': 'retired', 'smoke-b': 'active', 'smoke-new': 'active' });
  });

  it('follows a gateway replaced by a new one for the same community', async () => {
    const { code, gateway: old, sync, changed, project, statuses } = await newCommunity();
    const replacement = `gw-${code}-b`;
    await db().query('INSERT INTO gateways (id, created_at, community) VALUES ($1, now(), $2)', [replacement, code]);
    await project(sync(old, 10, [device('smoke-a'), device('smoke-b'), device('smoke-c')]));

    await project(sync(replacement, 60, [device('smoke-a'), device('smoke-b'), device('smoke-d')]));
    // The old gateway's last words arrive after its successor's first sync.
    await project(changed(old, 50, device('smoke-a', 'retired')), sync(old, 55, [device('smoke-c')]));

    expect(await statuses()).toEqual({
      'smoke-a': 'active',
      'smoke-b': 'active',
      'smoke-c': 'missing',
      'smoke-d': 'active',
    });
    expect((await devicesOfGateway(db(), replacement)).map((d) => d.device_id)).toEqual([
      'smoke-a',
      'smoke-b',
      'smoke-d',
    ]);
    expect((await devicesOfGateway(db(), old)).map((d) => [d.device_id, d.status])).toEqual([['smoke-c', 'missing']]);
  });

  it('keeps the newest health whatever order and however often it arrives, and every summary once', async () => {
    const { code, gateway, project } = await newCommunity();
    const health = (minutes: number, battery: number) =>
      event(
        gateway,
        'cn.gridlink.device.health.v1',
        {
          device_id: 'smoke-a',
          device_kind: 'smoke_detector',
          availability: 'online',
          last_seen: at(minutes - 1),
          battery,
          signal_dbm: -80,
          faults: battery < 20 ? ['E03'] : [],
          tamper: false,
          observed_at: at(minutes),
          seq: minutes,
        },
        'smoke-a',
      );
    const [h1, h2, h3] = [health(10, 90), health(20, 50), health(30, 15)];
    await project(h1, h3, h2, h3, h1);
    const [view] = await devicesOfCommunity(db(), code);
    expect(view?.health).toEqual({
      observed_at: at(30),
      last_seen: at(29),
      battery: 15,
      signal_dbm: -80,
      faults: ['E03'],
      tamper: false,
    });
    const { rows } = await db().query<{ n: number }>(
      'SELECT count(*)::int AS n FROM device_health WHERE community = $1',
      [code],
    );
    expect(rows[0]?.n).toBe(3);
  });

  it('converges when replicas handle duplicated and reordered health and inventory at once', async () => {
    const { code, gateway, sync, changed, statuses } = await newCommunity();
    const events: CloudEvent[] = [];
    for (let minute = 1; minute <= 12; minute++) {
      events.push(
        event(
          gateway,
          'cn.gridlink.device.health.v1',
          {
            device_id: `smoke-${minute % 3}`,
            device_kind: 'smoke_detector',
            availability: 'online',
            last_seen: at(minute),
            battery: 100 - minute,
            faults: [],
            tamper: false,
            observed_at: at(minute),
            seq: minute,
          },
          `smoke-${minute % 3}`,
        ),
      );
    }
    events.push(sync(gateway, 5, [device('smoke-0'), device('smoke-1'), device('smoke-2'), device('smoke-9')]));
    events.push(sync(gateway, 8, [device('smoke-0'), device('smoke-1'), device('smoke-2')]));
    events.push(changed(gateway, 9, device('smoke-2', 'retired')));
    // Every event twice, in a scrambled order, all at once (a pool of connections on PostgreSQL).
    const scrambled = [...events, ...events].sort((a, b) =>
      a.id.split('').reverse().join() < b.id.split('').reverse().join() ? -1 : 1,
    );
    await Promise.all(scrambled.map((e) => projectDeviceEvent(db(), e, RECEIVED)));
    expect(await statuses()).toEqual({
      'smoke-0': 'active',
      'smoke-1': 'active',
      'smoke-2': 'retired',
      'smoke-9': 'missing',
    });
    const battery = Object.fromEntries(
      (await devicesOfCommunity(db(), code)).map((d) => [d.device_id, d.health?.battery ?? null]),
    );
    expect(battery).toEqual({ 'smoke-0': 88, 'smoke-1': 90, 'smoke-2': 89, 'smoke-9': null });
  });

  it('keeps a device the newest sync left out missing when an older sync completes after it', async () => {
    const { gateway, sync, project, statuses } = await newCommunity();
    await project(sync(gateway, 8, [device('smoke-0')]));
    await project(sync(gateway, 5, [device('smoke-0'), device('smoke-9')]));
    expect(await statuses()).toEqual({ 'smoke-0': 'active', 'smoke-9': 'missing' });
  });

  it('takes an uplink batch in one go: duplicated, reordered and overlapping batches never move a device backwards', async () => {
    const { code, gateway } = await newCommunity();
    const health = (deviceId: string, minute: number, seq: number, battery: number) =>
      event(
        gateway,
        'cn.gridlink.device.health.v1',
        {
          device_id: deviceId,
          device_kind: 'smoke_detector',
          availability: 'online',
          last_seen: at(minute),
          battery,
          faults: battery < 20 ? ['low_battery'] : [],
          tamper: false,
          observed_at: at(minute),
          seq,
        },
        deviceId,
      );
    const availability = (deviceId: string, minute: number, state: 'online' | 'offline') =>
      createCloudEvent({
        id: `av-${process.pid}-${++counter}`,
        type: 'cn.gridlink.device.availability.v1',
        gatewayId: gateway,
        deviceId,
        time: at(minute),
        data: {
          device_id: deviceId,
          device_kind: 'smoke_detector',
          state,
          reason: state === 'online' ? 'connected' : 'heartbeat_missed',
        },
        priority: 'state',
      }) as CloudEvent;
    // Same observed_at, higher seq wins; a later minute wins over a higher seq of an earlier one.
    const newest = [health('b-1', 10, 3, 15), health('b-2', 12, 1, 70), availability('b-1', 11, 'offline')];
    const older = [
      health('b-1', 10, 2, 50),
      health('b-1', 9, 9, 60),
      health('b-2', 11, 7, 80),
      availability('b-1', 5, 'online'),
    ];
    const batchA = [...newest, ...older, ...newest];
    const batchB = [...older].reverse();
    const [a, b] = await Promise.all([
      projectDeviceEvents(db(), batchA, RECEIVED),
      projectDeviceEvents(db(), batchB, RECEIVED),
    ]);
    expect(new Set([...a, ...b])).toEqual(new Set(['applied']));
    // An older batch handled afterwards (a sweep, another replica) changes nothing.
    await projectDeviceEvents(db(), [...older, ...older], RECEIVED);
    const devices = Object.fromEntries((await devicesOfCommunity(db(), code)).map((d) => [d.device_id, d]));
    expect(devices['b-1']).toMatchObject({
      availability: 'offline',
      availability_since: at(11),
      health: { battery: 15, faults: ['low_battery'], observed_at: at(10), last_seen: at(10) },
    });
    expect(devices['b-2']).toMatchObject({ health: { battery: 70, observed_at: at(12) } });
    const { rows } = await db().query<{ n: number }>(
      'SELECT count(*)::integer AS n FROM device_health WHERE community = $1',
      [code],
    );
    expect(Number(rows[0]?.n)).toBe(5);
    expect((await availabilityIntervals(db(), code, 'b-1', 10)).map((i) => i.state)).toHaveLength(2);
  });

  it('takes batched health events: entries one by one under the same guards, mixed with the single-device events older gateways send', async () => {
    const { code, gateway } = await newCommunity();
    const entry = (deviceId: string, minute: number, seq: number, battery: number) => ({
      device_id: deviceId,
      device_kind: 'smoke_detector' as const,
      availability: 'online' as const,
      last_seen: at(minute),
      battery,
      faults: [],
      tamper: false,
      observed_at: at(minute),
      seq,
    });
    const batch = (...devices: ReturnType<typeof entry>[]) =>
      event(gateway, 'cn.gridlink.device.health_batch.v1', { devices });
    const single = (health: ReturnType<typeof entry>) =>
      event(gateway, 'cn.gridlink.device.health.v1', health, health.device_id);
    // Round 2 (minute 20) is newest; round 1 arrives late, twice, and one device's entry twice in a batch.
    const round1 = batch(entry('h-1', 10, 1, 90), entry('h-2', 10, 2, 80), entry('h-3', 10, 3, 70));
    const round2a = batch(entry('h-1', 20, 11, 60), entry('h-2', 20, 12, 50));
    const round2b = batch(entry('h-3', 20, 13, 40), entry('h-3', 20, 13, 40));
    const oldGateway = single(entry('h-4', 15, 4, 30));
    const staleSingle = single(entry('h-1', 15, 99, 99));
    const [a, b] = await Promise.all([
      projectDeviceEvents(db(), [round2b, round1, oldGateway, round2a], RECEIVED),
      projectDeviceEvents(db(), [round1, staleSingle, round2a, round1], RECEIVED),
    ]);
    expect(new Set([...a, ...b])).toEqual(new Set(['applied']));
    // Handled again later, one at a time (the sweep, another replica): nothing moves backwards.
    for (const e of [round1, staleSingle, round2b]) await projectDeviceEvent(db(), e, RECEIVED);
    const battery = Object.fromEntries(
      (await devicesOfCommunity(db(), code)).map((d) => [d.device_id, [d.health?.battery, d.health?.observed_at]]),
    );
    expect(battery).toEqual({
      'h-1': [60, at(20)],
      'h-2': [50, at(20)],
      'h-3': [40, at(20)],
      'h-4': [30, at(15)],
    });
    // Every summary kept once in the history, whichever event carried it.
    const { rows } = await db().query<{ n: number }>(
      'SELECT count(*)::integer AS n FROM device_health WHERE community = $1',
      [code],
    );
    expect(Number(rows[0]?.n)).toBe(3 + 3 + 1 + 1);
  });

  it('records availability as intervals, whatever order the changes arrive in', async () => {
    const { code, gateway, project } = await newCommunity();
    const change = (minutes: number, state: 'online' | 'offline', reason: 'connected' | 'heartbeat_missed') =>
      createCloudEvent({
        id: `av-${process.pid}-${++counter}`,
        type: 'cn.gridlink.device.availability.v1',
        gatewayId: gateway,
        deviceId: 'smoke-a',
        time: at(minutes),
        data: { device_id: 'smoke-a', device_kind: 'smoke_detector', state, reason },
        priority: 'state',
      }) as CloudEvent;
    const offline = change(20, 'offline', 'heartbeat_missed');
    await project(offline, change(10, 'online', 'connected'), change(30, 'online', 'connected'), offline);
    expect(await availabilityIntervals(db(), code, 'smoke-a')).toEqual([
      { state: 'online', reason: 'connected', started_at: at(10), ended_at: at(20) },
      { state: 'offline', reason: 'heartbeat_missed', started_at: at(20), ended_at: at(30) },
      { state: 'online', reason: 'connected', started_at: at(30), ended_at: null },
    ]);
    const [view] = await devicesOfCommunity(db(), code);
    expect([view?.availability, view?.availability_since, view?.status]).toEqual(['online', at(30), 'active']);
  });

  it("keeps each gateway's active and online counts as devices join, go offline, go missing and move, and never for health alone", async () => {
    const { code, gateway, sync, project } = await newCommunity();
    const replacement = `gw-${code}-b`;
    await db().query('INSERT INTO gateways (id, created_at, community) VALUES ($1, now(), $2)', [replacement, code]);
    const availability = (deviceId: string, minutes: number, state: 'online' | 'offline') =>
      createCloudEvent({
        id: `av-${process.pid}-${++counter}`,
        type: 'cn.gridlink.device.availability.v1',
        gatewayId: gateway,
        deviceId,
        time: at(minutes),
        data: { device_id: deviceId, device_kind: 'smoke_detector', state, reason: 'connected' },
        priority: 'state',
      }) as CloudEvent;
    const health = (minutes: number, ...deviceIds: string[]) =>
      event(gateway, 'cn.gridlink.device.health_batch.v1', {
        devices: deviceIds.map((deviceId, index) => ({
          device_id: deviceId,
          device_kind: 'smoke_detector' as const,
          availability: 'online' as const,
          last_seen: at(minutes),
          battery: 50 + minutes,
          faults: [],
          tamper: false,
          observed_at: at(minutes),
          seq: minutes * 100 + index,
        })),
      });
    const counts = async (id = gateway) => (await gatewayCounts()).kept[id] ?? { active: 0, online: 0 };

    await project(sync(gateway, 10, [device('c-a'), device('c-b'), device('c-c')]));
    await project(availability('c-a', 11, 'online'), availability('c-b', 11, 'online'));
    expect(await counts()).toEqual({ active: 3, online: 2 });

    // A health round changes no count, so the counts' row is not even written.
    const version = async () =>
      (
        await db().query<{ v: string }>('SELECT xmin::text AS v FROM gateway_device_counts WHERE gateway_id = $1', [
          gateway,
        ])
      ).rows[0]?.v;
    const before = await version();
    await project(health(15, 'c-a', 'c-b', 'c-c'));
    expect(await version()).toBe(before);
    // A device heard of first in a health summary is counted (active, its availability not known yet).
    await project(health(16, 'c-new'));
    expect(await counts()).toEqual({ active: 4, online: 2 });

    await project(availability('c-b', 20, 'offline'));
    await project(sync(gateway, 30, [device('c-b'), device('c-c'), device('c-new')]));
    expect(await counts()).toEqual({ active: 3, online: 0 });

    // The replacement takes two devices over; the third, in neither gateway's newest sync, goes missing.
    await project(sync(replacement, 40, [device('c-c'), device('c-new')]));
    expect([await counts(), await counts(replacement)]).toEqual([
      { active: 0, online: 0 },
      { active: 2, online: 0 },
    ]);
  });

  it('skips the events of a gateway that serves no community on record', async () => {
    await db().query("INSERT INTO gateways (id, created_at) VALUES ('gw-nowhere', now()) ON CONFLICT DO NOTHING");
    const e = event('gw-nowhere', 'cn.gridlink.inventory.changed.v1', {
      ...device('smoke-a'),
      observed_at: at(1),
      seq: 1,
    });
    expect(await projectDeviceEvent(db(), e, RECEIVED)).toBe('no_community');
  });

  it('forgets health summaries older than the retention period, never the devices', async () => {
    const { code, gateway, project } = await newCommunity();
    await project(
      event(gateway, 'cn.gridlink.gateway.health.v1', {
        gateway_id: gateway,
        version: '0.1.0',
        uptime_s: 60,
        clients: 3,
        outbox_depth: { alarm: 0, state: 1, telemetry: 2 },
        outbox_dropped: 0,
        cameras: { configured: 1, online: 1 },
        disk_free_bytes: 1e9,
        clock_offset_ms: null,
        observed_at: at(-100_000),
        seq: 1,
      }),
      event(
        gateway,
        'cn.gridlink.device.health.v1',
        {
          device_id: 'smoke-old',
          device_kind: 'smoke_detector',
          availability: 'unknown',
          last_seen: null,
          faults: [],
          tamper: true,
          observed_at: at(-100_000),
          seq: 2,
        },
        'smoke-old',
      ),
    );
    await pruneDeviceHistory(db(), new Date(T0 - 1000));
    const { rows } = await db().query<{ n: number }>(
      `SELECT (SELECT count(*) FROM device_health WHERE community = $1)
            + (SELECT count(*) FROM gateway_health WHERE gateway_id = $2) AS n`,
      [code, gateway],
    );
    expect(Number(rows[0]?.n)).toBe(0);
    expect((await devicesOfCommunity(db(), code)).map((d) => [d.device_id, d.health?.tamper])).toEqual([
      ['smoke-old', true],
    ]);
  });
});
