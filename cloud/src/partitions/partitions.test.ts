import { describe, expect, it } from 'vitest';
import type { Queryable } from '../db/db.js';
import { BACKENDS, manualClock, silentLogger, useMigratedDatabase } from '../test-support.js';
import { PartitionJob, type PartitionSettings } from './job.js';
import { chinaMonth, ensureMonths, monthPartitions } from './months.js';

const SETTINGS: PartitionSettings = {
  monthsAhead: 3,
  retentionMonths: { gateway_events: 13, incident_steps: 0, device_availability: 13 },
  healthRetentionDays: 90,
  readingsRetentionDays: 30,
};

/** The partition a row of gateway_events with this id sits in. */
async function partitionOf(q: Queryable, id: string): Promise<string | undefined> {
  const { rows } = await q.query<{ part: string }>(
    'SELECT tableoid::regclass::text AS part FROM gateway_events WHERE id = $1',
    [id],
  );
  return rows[0]?.part;
}

async function insertEvent(q: Queryable, id: string, time: string): Promise<void> {
  await q.query(
    `INSERT INTO gateway_events (source, id, gateway_id, type, priority, time, received_at, data)
     VALUES ('/gateways/gw-part', $1, 'gw-part', 'cn.gridlink.device.state.v1', 'state', $2, $2, '{}')`,
    [id, time],
  );
}

/**
 * The monthly partitions' upkeep on the injectable clock (migration 0055, cloud/src/partitions):
 * months made ahead, rows waiting in DEFAULT moved into their month when it is made, whole months
 * dropped past each table's retention and never a row younger than it. Times are years ahead of
 * the migration's own months, so what the job makes is what the test sees.
 */
describe.each(BACKENDS)('monthly partitions (%s)', (backend) => {
  const db = useMigratedDatabase(backend, { what: 'partitioned database' });

  it('makes the China month of the clock and the months ahead, each table alike, and a second run makes nothing', async () => {
    // 2031-03-31T16:30Z is already 1 April in China.
    const clock = manualClock('2031-03-31T16:30:00.000Z');
    const job = new PartitionJob(db(), clock, silentLogger(), SETTINGS);
    const first = await job.upkeep();
    expect(first.map((r) => [r.table, r.made])).toEqual(
      [
        'gateway_events',
        'incident_steps',
        'patrol_positions',
        'device_health',
        'gateway_health',
        'device_availability',
        'device_readings',
      ].map((table) => [table, ['2031-04-01', '2031-05-01', '2031-06-01', '2031-07-01']]),
    );
    expect(await monthPartitions(db(), 'incident_steps')).toEqual(
      expect.arrayContaining(['default', '203104', '203105', '203106', '203107']),
    );
    expect((await job.upkeep()).flatMap((r) => r.made)).toEqual([]);
    // The month's bounds are China's: the last hour of 31 March (UTC+8) is in April's partition.
    await insertEvent(db(), 'evt-china-april', '2031-03-31T16:00:00.000Z');
    await insertEvent(db(), 'evt-china-march', '2031-03-31T15:59:59.999Z');
    expect(await partitionOf(db(), 'evt-china-april')).toBe('gateway_events_203104');
    expect(await partitionOf(db(), 'evt-china-march')).not.toBe('gateway_events_203104');
  });

  it('takes a row of a month not made yet in DEFAULT, and moves it into its month when the job makes it', async () => {
    const clock = manualClock('2032-01-10T00:00:00.000Z');
    const job = new PartitionJob(db(), clock, silentLogger(), SETTINGS);
    await job.upkeep();
    await insertEvent(db(), 'evt-early-may', '2032-05-02T00:00:00.000Z');
    expect(await partitionOf(db(), 'evt-early-may')).toBe('gateway_events_default');
    clock.advance(60 * 86_400_000); // 10 March: May is two months ahead
    const run = await job.upkeep();
    expect(run.find((r) => r.table === 'gateway_events')?.made).toEqual(['2032-05-01', '2032-06-01']);
    expect(await partitionOf(db(), 'evt-early-may')).toBe('gateway_events_203205');
  });

  it('drops whole months past the retention and the older rows in DEFAULT, never a row younger than the limit', async () => {
    const clock = manualClock('2040-06-15T04:00:00.000Z');
    const job = new PartitionJob(db(), clock, silentLogger(), SETTINGS);
    // The months back from the clock, made as the job made them then.
    for (let back = 16; back >= 0; back--) {
      for (const table of ['gateway_events', 'incident_steps'] as const)
        await ensureMonths(db(), table, new Date(`${chinaMonth(clock(), -back)}T12:00:00.000Z`), 0);
    }
    // One event a day for 16 months, plus a few whose months were never made (in DEFAULT).
    await db().query(
      `INSERT INTO gateway_events (source, id, gateway_id, type, priority, time, received_at, data)
       SELECT '/gateways/gw-keep', 'day-' || n, 'gw-keep', 'cn.gridlink.device.state.v1', 'state', t, t, '{}'
         FROM generate_series(1, 490) AS n, LATERAL (SELECT $1::timestamptz - n * interval '1 day' AS t) AS d`,
      [clock()],
    );
    await insertEvent(db(), 'evt-ancient', '2030-01-01T00:00:00.000Z');
    const cutoff = new Date('2039-05-15T04:00:00.000Z'); // 13 China months before the clock
    const before = await db().query<{ n: number }>(
      "SELECT count(*)::int AS n FROM gateway_events WHERE source = '/gateways/gw-keep' AND time >= $1",
      [cutoff],
    );
    const run = await job.upkeep();
    const events = run.find((r) => r.table === 'gateway_events');
    expect(events?.cutoff).toBe(cutoff.toISOString());
    expect(events?.dropped).toBeGreaterThan(0);
    const after = await db().query<{ n: number; oldest: Date }>(
      "SELECT count(*)::int AS n, min(time) AS oldest FROM gateway_events WHERE source = '/gateways/gw-keep'",
    );
    // Every row younger than the limit is still there; older ones only from the month it falls in.
    expect(after.rows[0]?.n).toBeGreaterThanOrEqual(before.rows[0]?.n ?? Number.NaN);
    expect(after.rows[0]?.oldest.getTime()).toBeGreaterThanOrEqual(new Date('2039-04-30T16:00:00.000Z').getTime());
    expect(await partitionOf(db(), 'evt-ancient')).toBeUndefined();
    expect(await monthPartitions(db(), 'gateway_events')).not.toContain('203904');
    expect(await monthPartitions(db(), 'gateway_events')).toContain('203905');
    // incident_steps keeps every month (retention 0): nothing of it was dropped.
    expect(run.find((r) => r.table === 'incident_steps')).toMatchObject({ dropped: 0, cutoff: null });
    expect(await monthPartitions(db(), 'incident_steps')).toContain('203902');
  });

  it('leaves a table to the replica holding its upkeep lock', async () => {
    const clock = manualClock('2045-02-01T00:00:00.000Z');
    const job = new PartitionJob(db(), clock, silentLogger(), SETTINGS);
    const runs = await Promise.all([job.upkeep(), new PartitionJob(db(), clock, silentLogger(), SETTINGS).upkeep()]);
    const made = runs.flatMap((run) => run.filter((r) => r.table === 'device_health').flatMap((r) => r.made));
    // Made once in all, whichever replica (or both, one after the other on a single connection) ran it.
    expect(made.sort()).toEqual(['2045-02-01', '2045-03-01', '2045-04-01', '2045-05-01']);
  });
});
