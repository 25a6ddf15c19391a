import { describe, expect, it } from 'vitest';
import { IncidentEngine } from '../incidents/engine.js';
import { ingestBatch } from '../intake/intake.js';
import { BACKENDS, manualClock, silentLogger, stateEvent, useMigratedDatabase } from '../test-support.js';
import { PartitionJob, type PartitionSettings } from './job.js';

const SETTINGS: PartitionSettings = {
  monthsAhead: 1,
  retentionMonths: { gateway_events: 13, incident_steps: 0, device_availability: 13 },
  healthRetentionDays: 90,
  readingsRetentionDays: 30,
};
const MINUTE = 60_000;
const GW = 'gw-boundary';

/**
 * The keys that lost their uniqueness to the partitioning hold across a month boundary: the
 * intake's (source, id) now with the event's time, the steps' (incident_id, request_id) under the
 * incident's row lock. 2033-05-31T15:59Z is the last minute of May in China (UTC+8).
 */
describe.each(BACKENDS)('idempotency across a month boundary (%s)', (backend) => {
  const db = useMigratedDatabase(backend, { what: 'partitioned database' });

  it('stores a replayed event once: replayed after the month turned, after its month was made and its row moved out of DEFAULT', async () => {
    const clock = manualClock('2033-05-31T15:59:00.000Z');
    const job = new PartitionJob(db(), clock, silentLogger(), { ...SETTINGS, monthsAhead: 0 });
    await job.upkeep(); // May alone: June's rows go to DEFAULT for now
    const late = stateEvent(GW, 'smoke-1', { time: '2033-05-31T15:59:30.000Z' });
    const june = stateEvent(GW, 'smoke-1', { time: '2033-05-31T16:00:30.000Z' });
    expect((await ingestBatch(db(), clock, GW, [late, june])).accepted).toBe(2);

    clock.advance(2 * MINUTE); // June in China
    expect(
      (
        await ingestBatch(db(), clock, GW, [
          { ...late, replayed: true },
          { ...june, replayed: true },
        ])
      ).results,
    ).toEqual([
      { id: late.id, status: 'duplicate' },
      { id: june.id, status: 'duplicate' },
    ]);
    await job.upkeep(); // makes June: the June event moves from DEFAULT into it
    const where = await db().query<{ id: string; part: string }>(
      'SELECT id, tableoid::regclass::text AS part FROM gateway_events WHERE gateway_id = $1 ORDER BY id',
      [GW],
    );
    expect(new Map(where.rows.map((row) => [row.id, row.part]))).toEqual(
      new Map([
        [late.id, 'gateway_events_203305'],
        [june.id, 'gateway_events_203306'],
      ]),
    );
    const again = await ingestBatch(db(), clock, GW, [june, late, june]);
    expect(again.results.map((r) => r.status)).toEqual(['duplicate', 'duplicate', 'duplicate']);
    expect(where.rows).toHaveLength(2);
    expect((await db().query('SELECT 1 FROM gateway_events WHERE gateway_id = $1', [GW])).rows).toHaveLength(2);
  });

  it('applies a transition retried after the month turned once, and of concurrent retries one', async () => {
    const clock = manualClock('2033-05-31T15:58:00.000Z');
    const job = new PartitionJob(db(), clock, silentLogger(), SETTINGS);
    await job.upkeep();
    const engine = new IncidentEngine(db(), clock);
    const { incident } = await engine.report({
      requestId: 'boundary-report',
      source: 'hotline_12345',
      category: 'urban_management.manhole_cover',
      title: '井盖缺失',
      place: { community: '320803001001', grid: '320803001001001' },
      actor: 'op-li',
      role: 'operator',
    });
    const accept = {
      incidentId: incident.id,
      requestId: 'boundary-accept',
      action: 'accept',
      actor: 'op-li',
      role: 'operator',
    } as const;
    const first = await engine.transition(accept);
    expect(first.repeated).toBe(false);

    clock.advance(5 * MINUTE); // 00:03 on 1 June in China: a new step would go to June's partition
    const retried = await engine.transition(accept);
    expect(retried).toMatchObject({ repeated: true, step: { seq: first.step.seq, at: first.step.at } });

    const file = { ...accept, requestId: 'boundary-file', action: 'file' } as const;
    const racing = await Promise.allSettled([
      engine.transition(file),
      engine.transition(file),
      engine.transition(file),
    ]);
    expect(racing.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled']);
    const steps = await db().query<{ seq: number; request_id: string; part: string }>(
      'SELECT seq, request_id, tableoid::regclass::text AS part FROM incident_steps WHERE incident_id = $1 ORDER BY seq',
      [incident.id],
    );
    expect(steps.rows).toEqual([
      { seq: 1, request_id: 'boundary-report', part: 'incident_steps_203305' },
      { seq: 2, request_id: 'boundary-accept', part: 'incident_steps_203305' },
      { seq: 3, request_id: 'boundary-file', part: 'incident_steps_203306' },
    ]);
  });

  it('keeps the steps append-only and tied to their incident in every partition', async () => {
    const { rows } = await db().query<{ incident_id: string }>(
      "SELECT incident_id FROM incident_steps WHERE request_id = 'boundary-file'",
    );
    const incidentId = rows[0]?.incident_id;
    await expect(
      db().query("UPDATE incident_steps SET comment = 'x' WHERE incident_id = $1", [incidentId]),
    ).rejects.toThrow('incident_steps is append-only');
    await expect(db().query('DELETE FROM incident_steps WHERE incident_id = $1', [incidentId])).rejects.toThrow(
      'incident_steps is append-only',
    );
    // The time limits may still set a step's light.
    await db().query("UPDATE incident_steps SET light = 'green' WHERE incident_id = $1 AND seq = 3", [incidentId]);
    await expect(
      db().query(
        `INSERT INTO incident_steps (incident_id, seq, request_id, action, to_state, version, actor, role, at)
         VALUES ('INC-none', 1, 'r', 'report', 'REPORTED', 1, 'a', 'operator', '2033-06-01T00:00:00Z')`,
      ),
    ).rejects.toThrow(/foreign key/);
  });
});
