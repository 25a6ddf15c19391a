import { type CloudEvent, createCloudEvent } from '@gridlink/protocol';
import { pino } from 'pino';
import { beforeAll, describe, expect, it } from 'vitest';
import { ingestBatch } from '../intake/intake.js';
import { BACKENDS, manualClock, stateEvent, useTestCloud } from '../test-support.js';
import { EventProjector, type StoredEvent } from './projector.js';

const GATEWAY = 'gw-projector';
const STATE = 'cn.gridlink.device.state.v1';
const AVAILABILITY = 'cn.gridlink.device.availability.v1';

describe.each(BACKENDS)('the event projector (%s)', (backend) => {
  const clock = manualClock();
  const cloud = useTestCloud(backend, { clock });
  beforeAll(async () => {
    await cloud().registry.register(GATEWAY);
  });

  const store = async (count: number) => {
    const events = Array.from({ length: count }, () => stateEvent(GATEWAY));
    await ingestBatch(cloud().db, clock, GATEWAY, events);
    return events.map((event) => event.id);
  };
  const projector = (name: string, seen: string[], handle?: (event: StoredEvent) => Promise<void>) =>
    new EventProjector(cloud().db, {
      name,
      types: [STATE],
      logger: pino({ level: 'silent' }),
      clock,
      batchSize: 3,
      settleMs: 30_000,
      handle:
        handle ??
        (async ({ event }) => {
          seen.push(event.id);
        }),
    });

  it('sweeps settled events in arrival order, in batches, and resumes from its cursor after a restart', async () => {
    const first = await store(5);
    clock.advance(31_000);
    const recent = await store(2); // not settled yet: left for a later sweep
    const seen: string[] = [];
    expect(await projector('orders', seen).drain()).toBe(5);
    expect(seen).toEqual(first);

    clock.advance(31_000);
    const again: string[] = [];
    expect(await projector('orders', again).drain()).toBe(2); // a new instance: from the cursor
    expect(again).toEqual(recent);
  });

  it('never sweeps past an event not settled yet, even when a later one is', async () => {
    clock.advance(31_000);
    await projector('held', []).drain(); // the events of the tests before
    const [slow, quick] = await store(2);
    clock.advance(31_000);
    // The first one's insert took long: received (and committed) late, its arrival number early.
    await cloud().db.query('UPDATE gateway_events SET received_at = $1 WHERE id = $2', [clock(), slow]);
    const seen: string[] = [];
    expect(await projector('held', seen).drain()).toBe(0);
    clock.advance(31_000);
    expect(await projector('held', seen).drain()).toBe(2);
    expect(seen).toEqual([slow, quick]);
  });

  it('sweeps several types in one arrival order', async () => {
    const availability = (i: number) =>
      createCloudEvent({
        id: `av-${process.pid}-${Date.now()}-${i}`,
        type: AVAILABILITY,
        gatewayId: GATEWAY,
        deviceId: 'smoke-b3-u2-0401',
        time: '2026-11-25T14:52:18.646Z',
        data: {
          device_id: 'smoke-b3-u2-0401',
          device_kind: 'smoke_detector',
          state: 'offline',
          reason: 'heartbeat_missed',
        },
        priority: 'state',
      }) as CloudEvent;
    const mixed = Array.from({ length: 7 }, (_, i) => (i % 3 === 0 ? availability(i) : stateEvent(GATEWAY)));
    await ingestBatch(cloud().db, clock, GATEWAY, mixed);
    clock.advance(31_000);
    const seen: string[] = [];
    const sweeper = new EventProjector(cloud().db, {
      name: 'mixed',
      types: [STATE, AVAILABILITY],
      logger: pino({ level: 'silent' }),
      clock,
      batchSize: 3,
      settleMs: 30_000,
      handle: async ({ event }) => {
        if (mixed.some((m) => m.id === event.id)) seen.push(event.id);
      },
    });
    await sweeper.drain();
    expect(seen).toEqual(mixed.map((event) => event.id));
  });

  it('sets aside an event its handler cannot take, with the error, and goes on', async () => {
    const ids = await store(4);
    clock.advance(31_000);
    const seen: string[] = [];
    const handled = await projector('poison', seen, async ({ event }) => {
      if (event.id === ids[1]) throw new Error('no grid owns this place');
      seen.push(event.id);
    }).drain();
    expect(handled).toBeGreaterThanOrEqual(4);
    expect(seen).toEqual(expect.arrayContaining([ids[0], ids[2], ids[3]]));
    const { rows } = await cloud().db.query('SELECT id, error FROM projection_failures WHERE name = $1', ['poison']);
    expect(rows).toEqual([{ id: ids[1], error: 'no grid owns this place' }]);
  });

  it('lets two replicas sweep at once: every event handled, the cursor at the end', async () => {
    const ids = await store(9);
    clock.advance(31_000);
    const seen = new Set<string>();
    const add = async ({ event }: StoredEvent) => {
      seen.add(event.id);
    };
    await Promise.all([projector('replicas', [], add).drain(), projector('replicas', [], add).drain()]);
    for (const id of ids) expect(seen.has(id)).toBe(true);
    const { rows } = await cloud().db.query<{ last_arrival: number }>(
      'SELECT last_arrival FROM projection_cursors WHERE name = $1',
      ['replicas'],
    );
    const { rows: max } = await cloud().db.query<{ arrival: number }>(
      'SELECT max(arrival) AS arrival FROM gateway_events',
    );
    expect(Number(rows[0]?.last_arrival)).toBe(Number(max[0]?.arrival));
  });

  it('handles new events at once, without waiting for the sweep', async () => {
    const seen: string[] = [];
    const events = [stateEvent(GATEWAY), { ...stateEvent(GATEWAY), type: 'cn.gridlink.device.event.v1' }];
    await projector('inline', seen).handleNew(events as never);
    expect(seen).toEqual([events[0]?.id]);
  });

  it('passes over in its sweep what it handled as it arrived; what it failed or forgot is swept', async () => {
    const events = Array.from({ length: 4 }, () => stateEvent(GATEWAY));
    await ingestBatch(cloud().db, clock, GATEWAY, events);
    const seen: string[] = [];
    const failing = events[1]?.id;
    let fail = true;
    const once = new EventProjector(cloud().db, {
      name: 'once',
      types: [STATE],
      logger: pino({ level: 'silent' }),
      clock,
      settleMs: 30_000,
      rememberNew: 2,
      handle: async ({ event }) => {
        if (fail && event.id === failing) throw new Error('not now');
        seen.push(event.id);
      },
    });
    await once.handleNew(events as never);
    expect(seen).toEqual([events[0]?.id, events[2]?.id, events[3]?.id]);
    fail = false;
    clock.advance(31_000);
    await once.drain();
    // The failed one, and the first handled (forgotten beyond the bound of two), once more; the
    // sweep starts from the beginning, so other tests' events are in it too.
    const mine = new Set(events.map((event) => event.id));
    expect(seen.slice(3).filter((id) => mine.has(id))).toEqual([events[0]?.id, events[1]?.id]);
  });

  it('hands a projection that takes batches the events in arrival order, a batch at a time', async () => {
    const ids = await store(5);
    clock.advance(31_000);
    const batches: string[][] = [];
    const batched = new EventProjector(cloud().db, {
      name: 'batched',
      types: [STATE],
      logger: pino({ level: 'silent' }),
      clock,
      batchSize: 3,
      settleMs: 30_000,
      handle: async () => {
        throw new Error('one by one only when a batch fails');
      },
      handleBatch: async (events) => {
        batches.push(events.map(({ event }) => event.id));
      },
    });
    await batched.drain();
    expect(batches.flat().slice(-5)).toEqual(ids);
    expect(batches.every((batch) => batch.length <= 3)).toBe(true);
    await batched.handleNew([stateEvent(GATEWAY), stateEvent(GATEWAY)]);
    expect(batches.at(-1)).toHaveLength(2);
  });

  it('takes the events of a failed batch one by one, setting aside only the one that fails', async () => {
    const ids = await store(3);
    clock.advance(31_000);
    const seen: string[] = [];
    await new EventProjector(cloud().db, {
      name: 'batch-poison',
      types: [STATE],
      logger: pino({ level: 'silent' }),
      clock,
      settleMs: 30_000,
      handle: async ({ event }) => {
        if (event.id === ids[1]) throw new Error('no grid owns this place');
        seen.push(event.id);
      },
      handleBatch: async (events) => {
        if (events.some(({ event }) => event.id === ids[1])) throw new Error('no grid owns this place');
      },
    }).drain();
    expect(seen).toEqual(expect.arrayContaining([ids[0], ids[2]]));
    const { rows } = await cloud().db.query('SELECT id FROM projection_failures WHERE name = $1', ['batch-poison']);
    expect(rows).toEqual([{ id: ids[1] }]);
  });
});
