import { join } from 'node:path';
import { createCloudEvent } from '@gridlink/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { testDataDir } from '../test-support.js';
import { Outbox, type OutboxEvent } from './outbox.js';

const opened: Outbox[] = [];
afterEach(() => {
  for (const outbox of opened.splice(0)) outbox.close();
});

function open() {
  const outbox = new Outbox(join(testDataDir(), 'outbox.db'), { reserveBytes: 0 });
  opened.push(outbox);
  return outbox;
}

let counter = 0;
const health = (device: string, battery: number): OutboxEvent =>
  createCloudEvent({
    id: `dh-${++counter}`,
    type: 'cn.gridlink.device.health.v1',
    gatewayId: 'gw-test',
    deviceId: device,
    time: '2026-11-25T08:00:00.000Z',
    priority: 'telemetry',
    data: {
      device_id: device,
      device_kind: 'smoke_detector',
      availability: 'online',
      last_seen: null,
      battery,
      faults: [],
      tamper: false,
      observed_at: '2026-11-25T08:00:00.000Z',
      seq: counter,
    },
  });

const batteries = (outbox: Outbox) =>
  outbox.nextBatch(100).map((entry) => {
    const event = JSON.parse(entry.json) as { deviceid: string; data: { battery: number } };
    return [event.deviceid, event.data.battery];
  });

describe('coalescing in the outbox', () => {
  it('keeps one unsent event per key: the newest replaces the older, counted, whether appended together or apart', async () => {
    const outbox = open();
    await Promise.all([
      outbox.append(health('smoke-1', 90), { coalesceKey: 'h:smoke-1' }),
      outbox.append(health('smoke-2', 80), { coalesceKey: 'h:smoke-2' }),
      outbox.append(health('smoke-1', 70), { coalesceKey: 'h:smoke-1' }),
    ]);
    await outbox.append(health('smoke-1', 60), { coalesceKey: 'h:smoke-1' });
    expect(batteries(outbox).sort()).toEqual([
      ['smoke-1', 60],
      ['smoke-2', 80],
    ]);
    expect(outbox.depth().telemetry).toBe(2);
    expect(outbox.stats().coalesced).toBe(2);
  });

  it('lets an event in flight be replaced: its acknowledgement then finds nothing and the depth stays right', async () => {
    const outbox = open();
    await outbox.append(health('smoke-1', 90), { coalesceKey: 'h:smoke-1' });
    const [inFlight] = outbox.nextBatch(10);
    await outbox.append(health('smoke-1', 50), { coalesceKey: 'h:smoke-1' });
    outbox.acknowledge([inFlight?.seq ?? -1]);
    expect(outbox.depth().telemetry).toBe(1);
    expect(batteries(outbox)).toEqual([['smoke-1', 50]]);
  });

  it('never coalesces alarms or state changes', async () => {
    const outbox = open();
    const alarm = { ...health('smoke-1', 1), priority: 'alarm' as const };
    await expect(outbox.append(alarm, { coalesceKey: 'h:smoke-1' })).rejects.toThrow(/only telemetry/);
  });
});
