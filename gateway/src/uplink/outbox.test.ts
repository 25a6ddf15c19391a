import { join } from 'node:path';
import { type CloudEvent, createCloudEvent, type Priority } from '@gridlink/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { testDataDir } from '../test-support.js';
import { Outbox } from './outbox.js';

const open: Outbox[] = [];
afterEach(() => {
  for (const outbox of open.splice(0)) outbox.close();
});

function outboxAt(dir = testDataDir()) {
  const outbox = new Outbox(join(dir, 'outbox.db'));
  open.push(outbox);
  return { outbox, dir };
}

let n = 0;
function event(device: string, priority: Priority, id = `evt-${++n}`): Omit<CloudEvent, 'deviceseq'> {
  const { deviceseq: _none, ...rest } = createCloudEvent({
    id,
    type: 'cn.gridlink.device.state.v1',
    gatewayId: 'gw-1',
    deviceId: device,
    time: '2026-11-25T14:52:18.646Z',
    priority,
    data: { device_id: device, device_kind: 'temp_humidity', state: { temperature: 21.5 } },
  });
  return rest;
}

describe('the outbox', () => {
  it('commits appends of one turn together, and they survive a reopen', async () => {
    const { outbox, dir } = outboxAt();
    const seqs = await Promise.all(Array.from({ length: 500 }, (_, i) => outbox.append(event(`th-${i % 5}`, 'state'))));
    expect(new Set(seqs).size).toBe(500);
    outbox.close();
    open.pop();
    const { outbox: reopened } = outboxAt(dir);
    expect(reopened.depth()).toEqual({ alarm: 0, state: 500, telemetry: 0 });
  });

  it('numbers each device’s events consecutively, in commit order, and keeps ids unchanged', async () => {
    const { outbox } = outboxAt();
    await outbox.append(event('th-1', 'state', 'a'));
    await outbox.append(event('th-2', 'state', 'b'));
    await outbox.append(event('th-1', 'state', 'c'));
    const sent: CloudEvent[] = [];
    for (let entries = outbox.peek(10); entries.length > 0; entries = outbox.peek(10)) {
      sent.push(...entries.map((entry) => entry.event));
      outbox.acknowledge(entries.map((entry) => entry.seq));
    }
    expect(sent.map((e) => `${e.deviceid}:${e.deviceseq}:${e.id}`).sort()).toEqual([
      'th-1:0:a',
      'th-1:1:c',
      'th-2:0:b',
    ]);
  });

  it('takes the same event twice as one (idempotent on source and id)', async () => {
    const { outbox } = outboxAt();
    const first = await outbox.append(event('th-1', 'state', 'same'));
    const again = await outbox.append(event('th-1', 'state', 'same'));
    expect(again).toBe(first);
    expect(outbox.depth().state).toBe(1);
  });

  it('sends alarms before a backlog of telemetry, but never reorders one device’s events', async () => {
    const { outbox } = outboxAt();
    for (let i = 0; i < 3; i++) await outbox.append(event('th-1', 'telemetry', `t${i}`));
    await outbox.append(event('smoke-1', 'alarm', 'alarm-1'));
    await outbox.append(event('th-1', 'alarm', 'th-alarm')); // behind th-1's own telemetry
    expect(outbox.peek(2).map((entry) => entry.event.id)).toEqual(['alarm-1', 't0']);
  });

  it('quarantines an event the cloud refused, with its error, so the device’s next event goes', async () => {
    const { outbox } = outboxAt();
    await outbox.append(event('th-1', 'state', 'poison'));
    await outbox.append(event('th-1', 'state', 'fine'));
    const [head] = outbox.peek(1);
    outbox.quarantine(head?.seq ?? 0, 'data.state.temperature: expected number', 1000);
    expect(outbox.peek(1).map((entry) => entry.event.id)).toEqual(['fine']);
    expect(outbox.quarantined()).toEqual([
      {
        seq: head?.seq,
        id: 'poison',
        source: '/gateways/gw-1/devices/th-1',
        error: 'data.state.temperature: expected number',
        at: 1000,
      },
    ]);
  });
});
