import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { DeviceMessage } from '@gridlink/protocol';
import { describe, expect, it } from 'vitest';
import { GatewayBus } from '../bus.js';
import type { DeviceRecord } from '../devices/directory.js';
import { DeviceHistory } from './device-history.js';

const device: DeviceRecord = { id: 'smoke-1', kind: 'smoke_detector', status: 'active', passwordHash: '' };
const state = (battery: number): DeviceMessage => ({ type: 'state', deviceId: 'smoke-1', state: { battery } });

describe('DeviceHistory', () => {
  it('keeps each device’s latest messages, dead letters and availability, newest first, in fixed rings', () => {
    const bus = new GatewayBus();
    const history = new DeviceHistory(bus, 'gridlink', { messages: 3, deadLetters: 2, availability: 2 });
    const detach = history.attach();
    for (let i = 0; i < 10; i++) {
      bus.emit('message', { device, message: state(i), receivedAt: 1_000 * i });
      bus.emit('invalid', { device, topic: 'gridlink/smoke-1', error: `error ${i}`, receivedAt: 1_000 * i });
      bus.emit('availability', { device, state: i % 2 ? 'online' : 'offline', reason: 'connected', at: 1_000 * i });
    }
    const activity = history.activity('smoke-1');
    expect(activity.messages.map((m) => m.body)).toEqual(['{"battery":9}', '{"battery":8}', '{"battery":7}']);
    expect(activity.messages[0]).toMatchObject({ type: 'state', at: '1970-01-01T00:00:09.000Z' });
    expect(activity.deadLetters.map((d) => d.error)).toEqual(['error 9', 'error 8']);
    expect(activity.availability.map((a) => a.state)).toEqual(['online', 'offline']);
    expect(history.recorded('smoke-1').map((m) => m.payload)).toEqual([{ battery: 7 }, { battery: 8 }, { battery: 9 }]);
    expect(history.recorded('smoke-1')[0]).toMatchObject({
      topic: 'gridlink/smoke-1',
      device: { kind: 'smoke_detector' },
    });
    expect(history.summary()).toEqual([{ id: 'smoke-1', count: 3, last: '1970-01-01T00:00:09.000Z' }]);
    expect(history.activity('other')).toEqual({
      messages: [],
      deadLetters: [],
      availability: [],
      dropped: { messages: 0, deadLetters: 0, availability: 0 },
    });
    // The rings alone dropped entries: that is what a ring is for, not counted.
    expect(history.activity('smoke-1').dropped).toEqual({ messages: 0, deadLetters: 0, availability: 0 });

    detach();
    bus.emit('message', { device, message: state(99), receivedAt: 99_000 });
    expect(history.activity('smoke-1').messages[0]?.body).toBe('{"battery":9}');
  });

  const deviceNamed = (id: string): DeviceRecord => ({ ...device, id });
  /** ~1 KB as JSON, its number first. */
  const big = (i: number) => ({ i, note: 'x'.repeat(900) });

  it('keeps a device within its bytes, dropping its oldest entries first and counting them for its page', () => {
    const bus = new GatewayBus();
    const history = new DeviceHistory(bus, 'gridlink', { deviceBytes: 5_000 });
    history.attach();
    bus.emit('availability', { device, state: 'online', reason: 'connected', at: 0 });
    for (let i = 1; i <= 10; i++) {
      bus.emit('message', { device, message: { type: 'state', deviceId: 'smoke-1', state: big(i) }, receivedAt: i });
    }
    bus.emit('invalid', { device, topic: 'gridlink/smoke-1', error: 'e'.repeat(1500), receivedAt: 11 });
    bus.emit('message', { device: deviceNamed('quiet-1'), message: state(1), receivedAt: 12 });

    const activity = history.activity('smoke-1');
    // 5,000 bytes hold the 1.5 KB error and three 1 KB messages; the rest went, oldest first.
    expect(activity.messages.map((m) => JSON.parse(m.body).i)).toEqual([10, 9, 8]);
    expect(activity.deadLetters).toHaveLength(1);
    expect(activity.availability).toEqual([]);
    expect(activity.dropped).toEqual({ messages: 7, deadLetters: 0, availability: 1 });
    expect(history.recorded('smoke-1').map((m) => m.payload.i)).toEqual([8, 9, 10]);
    // Another device's history is untouched.
    expect(history.activity('quiet-1').messages).toHaveLength(1);
    expect(history.activity('quiet-1').dropped.messages).toBe(0);
  });

  it('keeps all devices together within their bytes, dropping the oldest entry of all first', () => {
    const bus = new GatewayBus();
    const history = new DeviceHistory(bus, 'gridlink', { totalBytes: 20_000 });
    history.attach();
    let at = 0;
    for (let round = 0; round < 5; round++) {
      for (let d = 0; d < 20; d++) {
        const message = { type: 'state' as const, deviceId: `d-${d}`, state: big(round) };
        bus.emit('message', { device: deviceNamed(`d-${d}`), message, receivedAt: at++ });
        expect(history.stats().bytes).toBeLessThanOrEqual(20_000);
      }
    }
    // 20,000 bytes hold the last ~18 messages: the devices heard last keep their latest one.
    const kept = Array.from({ length: 20 }, (_, d) => history.activity(`d-${d}`));
    expect(kept[19]?.messages.map((m) => JSON.parse(m.body).i)).toEqual([4]);
    expect(kept[19]?.dropped.messages).toBe(4);
    expect(kept[0]?.messages).toEqual([]);
    expect(kept[0]?.dropped.messages).toBe(5);
    const total = kept.reduce((sum, a) => sum + a.messages.length, 0);
    expect(total).toBe(history.stats().entries);
    expect(total).toBeGreaterThan(10);
    expect(history.summary()[0]).toMatchObject({ id: 'd-19', count: 1 });
  });

  it('holds entries, not the record of entries already gone: its queue stays as long as what it keeps', () => {
    const bus = new GatewayBus();
    const history = new DeviceHistory(bus, 'gridlink', { messages: 3 });
    history.attach();
    for (let i = 0; i < 50_000; i++) {
      bus.emit('message', { device: deviceNamed(`d-${i % 7}`), message: state(i % 100), receivedAt: i });
    }
    expect(history.stats().entries).toBe(21);
    expect(history.stats().queued).toBeLessThan(21 + 3000);
  });

  it('holds no more heap than its byte bound says, 2,000 devices flooding readings and dead letters (measured after a full GC)', () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const heapUsed = () => {
      gc();
      gc();
      return process.memoryUsage().heapUsed;
    };
    const totalBytes = 4_194_304;
    const devices = Array.from({ length: 2000 }, (_, d) => deviceNamed(`th-${d}`));
    const bus = new GatewayBus();
    const base = heapUsed();
    const history = new DeviceHistory(bus, 'gridlink', { totalBytes });
    history.attach();
    for (let round = 0; round < 60; round++) {
      for (const [d, device] of devices.entries()) {
        const reading = { temperature: 20 + (round % 10) / 10, humidity: 40 + (d % 50), battery: 88, rssi: -61 };
        const message = { type: 'state' as const, deviceId: device.id, state: reading };
        bus.emit('message', { device, message, receivedAt: 1_800_000_000_000 + round * 2000 + d });
        if (d % 10 === 0) {
          const error = `payload: Unexpected token 'A', "AAAA" is not valid JSON (round ${round})`;
          bus.emit('invalid', { device, topic: `gridlink/${device.id}`, error, receivedAt: 1_800_000_000_000 + round });
        }
      }
    }
    const held = heapUsed() - base;
    expect(history.stats().bytes).toBeLessThanOrEqual(totalBytes);
    // What it holds on the heap (entries, texts, lists, the queue of all) is what it counts, give or
    // take the lists' spare room, besides a few hundred bytes a device for its lists and record.
    expect(held).toBeLessThan(totalBytes * 1.1 + devices.length * 512);
    expect(history.stats().entries).toBeGreaterThan(10_000);
  });

  it('records a device as its messages described it, one shared record while it stays the same', () => {
    const bus = new GatewayBus();
    const history = new DeviceHistory(bus, 'gridlink');
    history.attach();
    bus.emit('message', { device, message: state(1), receivedAt: 1 });
    bus.emit('message', { device: { ...device }, message: state(2), receivedAt: 2 });
    bus.emit('message', { device: { ...device, tags: ['elderly_alone'] }, message: state(3), receivedAt: 3 });
    const recorded = history.recorded('smoke-1');
    expect(recorded.map((m) => m.device.tags)).toEqual([undefined, undefined, ['elderly_alone']]);
    expect(recorded[0]?.device).toBe(recorded[1]?.device);
  });
});
