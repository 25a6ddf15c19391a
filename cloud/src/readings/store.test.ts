import { type CloudEvent, createCloudEvent, parseCloudEvent, type UplinkData } from '@gridlink/protocol';
import { describe, expect, it } from 'vitest';
import { BACKENDS, useMigratedDatabase } from '../test-support.js';
import { pruneReadings, readingSeries, storeReadings } from './store.js';

const T0 = Date.parse('2026-11-25T08:00:00.000Z');
const at = (minutes: number) => new Date(T0 + minutes * 60_000);
const iso = (minutes: number) => at(minutes).toISOString();

let counter = 0;
type Fields = UplinkData<'cn.gridlink.telemetry.summary.v1'>['fields'];

/** A gateway's summary of one device's window, as the intake would have stored it. */
function summary(gatewayId: string, deviceId: string, start: number, end: number, fields: Fields): CloudEvent {
  counter++;
  const parsed = parseCloudEvent(
    createCloudEvent({
      id: `tm-${process.pid}-${counter}`,
      type: 'cn.gridlink.telemetry.summary.v1',
      gatewayId,
      deviceId,
      time: iso(end),
      priority: 'telemetry',
      data: {
        device_id: deviceId,
        device_kind: 'temp_humidity',
        window_start: iso(start),
        window_end: iso(end),
        fields,
      },
    }),
  );
  if (!parsed.ok) throw parsed.error;
  return parsed.value;
}

const stats = (mean: number, count = 5) => ({ count, min: mean - 1, max: mean + 1, mean, last: mean });

describe.each(BACKENDS)('the readings store (%s)', (backend) => {
  // 0001 (gateways), 0002 and 0018 (the community a gateway serves), and the readings themselves.
  const db = useMigratedDatabase(backend, { what: 'readings database', versions: new Set([1, 2, 18, 36]) });
  let community = 320803001200;
  async function newCommunity() {
    community++;
    const code = String(community);
    const gateway = `gw-${code}`;
    await db().query('INSERT INTO gateways (id, created_at, community) VALUES ($1, now(), $2)', [gateway, code]);
    return { code, gateway };
  }

  it('keeps one row per device and window, a series per reading field in profile order', async () => {
    const { code, gateway } = await newCommunity();
    const events = [
      summary(gateway, 'th-1', 0, 5, { temperature: stats(21), humidity: stats(50), battery: stats(90) }),
      summary(gateway, 'th-1', 5, 10, { temperature: stats(22) }),
    ];
    expect(await storeReadings(db(), events, at(11))).toBe(2);
    const series = await readingSeries(db(), code, 'th-1', at(-60));
    expect(series.map((s) => [s.field, s.unit, s.name.zh, s.points.length])).toEqual([
      ['temperature', '°C', '温度', 2],
      ['humidity', '%RH', '湿度', 1],
    ]);
    expect(series[0]?.points[1]).toEqual({
      window_start: iso(5),
      window_end: iso(10),
      count: 5,
      min: 21,
      max: 23,
      mean: 22,
      last: 22,
    });
  });

  it('adds nothing for a duplicate, and keeps the window reaching furthest whatever the order', async () => {
    const { code, gateway } = await newCommunity();
    const firstPart = summary(gateway, 'th-2', 0, 2, { temperature: stats(10, 2) });
    const whole = summary(gateway, 'th-2', 0, 5, { temperature: stats(12, 5) });
    // Newest first, then the older part, then both again in one batch: the same row each time.
    await storeReadings(db(), [whole], at(6));
    expect(await storeReadings(db(), [firstPart], at(7))).toBe(0);
    expect(await storeReadings(db(), [firstPart, whole, whole], at(8))).toBe(0);
    const reversed = await newCommunity();
    await storeReadings(db(), [summary(reversed.gateway, 'th-2', 0, 2, { temperature: stats(10, 2) })], at(6));
    await storeReadings(db(), [summary(reversed.gateway, 'th-2', 0, 5, { temperature: stats(12, 5) })], at(7));
    for (const where of [code, reversed.code]) {
      const [temperature] = await readingSeries(db(), where, 'th-2', at(-60));
      expect(temperature?.points).toEqual([
        { window_start: iso(0), window_end: iso(5), count: 5, min: 11, max: 13, mean: 12, last: 12 },
      ]);
    }
  });

  it('skips a gateway with no community on record and reads only the period and community asked', async () => {
    const { code, gateway } = await newCommunity();
    expect(await storeReadings(db(), [summary('gw-unknown', 'th-3', 0, 5, { temperature: stats(1) })], at(6))).toBe(0);
    await storeReadings(
      db(),
      [
        summary(gateway, 'th-3', -120, -115, { temperature: stats(5) }),
        summary(gateway, 'th-3', 0, 5, { temperature: stats(6) }),
      ],
      at(6),
    );
    const [recent] = await readingSeries(db(), code, 'th-3', at(-60));
    expect(recent?.points.map((p) => p.mean)).toEqual([6]);
    expect(await readingSeries(db(), String(Number(code) + 1000), 'th-3', at(-600))).toEqual([]);
  });

  it('takes a gateway’s window of many devices as one summary each, the same rows as one at a time', async () => {
    const { code, gateway } = await newCommunity();
    const parsed = parseCloudEvent(
      createCloudEvent({
        id: `rw-${process.pid}-${++counter}`,
        type: 'cn.gridlink.readings.window.v1',
        gatewayId: gateway,
        time: iso(5),
        priority: 'telemetry',
        data: {
          gateway_id: gateway,
          window_start: iso(0),
          window_end: iso(5),
          part: 1,
          parts: 1,
          devices: [
            { device_id: 'th-5', device_kind: 'temp_humidity', fields: { temperature: stats(30) } },
            { device_id: 'th-6', device_kind: 'temp_humidity', fields: { humidity: stats(60) } },
          ],
        },
      }),
    );
    if (!parsed.ok) throw parsed.error;
    expect(await storeReadings(db(), [parsed.value, parsed.value], at(6))).toBe(2);
    // The same window one device at a time, as older gateways send it: nothing new.
    expect(await storeReadings(db(), [summary(gateway, 'th-5', 0, 5, { temperature: stats(30) })], at(7))).toBe(0);
    expect((await readingSeries(db(), code, 'th-5', at(-60)))[0]?.points.map((p) => p.mean)).toEqual([30]);
    expect((await readingSeries(db(), code, 'th-6', at(-60)))[0]?.field).toBe('humidity');
  });

  it('prunes the windows that started before the retention period', async () => {
    const { code, gateway } = await newCommunity();
    await storeReadings(
      db(),
      [
        summary(gateway, 'th-4', -3 * 1440, -3 * 1440 + 5, { temperature: stats(1) }),
        summary(gateway, 'th-4', 0, 5, { temperature: stats(2) }),
      ],
      at(6),
    );
    expect(await pruneReadings(db(), at(-1440))).toBeGreaterThanOrEqual(1);
    const [left] = await readingSeries(db(), code, 'th-4', at(-10 * 1440));
    expect(left?.points.map((p) => p.mean)).toEqual([2]);
  });
});
