import { connectAsync } from 'mqtt';
import pg from 'pg';
import { describe, expect, it, onTestFinished } from 'vitest';
import { createTestDatabase, createTestInfluxDatabase, testServices, testTopicPrefix } from './index.js';

describe('services provided by the global setup', () => {
  it('gives each service a URL and says where it came from', () => {
    const { postgres, mqtt, influx } = testServices();
    expect(postgres.url).toMatch(/^postgres(ql)?:\/\//);
    expect(mqtt.url).toMatch(/^mqtts?:\/\//);
    expect(influx.url).toMatch(/^https?:\/\//);
    for (const { origin } of [postgres, mqtt, influx]) {
      expect(['env', 'binary', 'container']).toContain(origin);
    }
  });

  it('PostgreSQL answers `select 1` in a fresh test database', async () => {
    const db = await createTestDatabase();
    onTestFinished(db.drop);
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    onTestFinished(() => client.end());

    const result = await client.query<{ one: number; db: string }>('select 1 as one, current_database() as db');
    expect(result.rows).toEqual([{ one: 1, db: db.name }]);
  });

  it('MQTT delivers a QoS 1 message published under a unique topic prefix', async () => {
    const { url } = testServices().mqtt;
    const prefix = testTopicPrefix('qos1');
    const subscriber = await connectAsync(url);
    onTestFinished(() => subscriber.endAsync());
    const publisher = await connectAsync(url);
    onTestFinished(() => publisher.endAsync());

    await subscriber.subscribeAsync(`${prefix}/#`, { qos: 1 });
    const received = new Promise<{ topic: string; payload: string; qos: number }>((resolve) => {
      subscriber.on('message', (topic, payload, packet) =>
        resolve({ topic, payload: payload.toString(), qos: packet.qos }),
      );
    });
    await publisher.publishAsync(`${prefix}/meter/1`, 'hello', { qos: 1 });

    await expect(received).resolves.toEqual({
      topic: `${prefix}/meter/1`,
      payload: 'hello',
      qos: 1,
    });
  });

  it('InfluxDB returns a point written with line protocol (precision=ms) from /query', async () => {
    const db = await createTestInfluxDatabase();
    onTestFinished(db.drop);

    const write = await fetch(`${db.url}/write?db=${db.database}&precision=ms`, {
      method: 'POST',
      body: 'meter,device=m1 power=42.5 1700000000000',
    });
    expect(write.status).toBe(204);

    const params = new URLSearchParams({
      db: db.database,
      epoch: 'ms',
      q: 'SELECT "power", "device" FROM "meter"',
    });
    const query = await fetch(`${db.url}/query?${params}`);
    expect(await query.json()).toEqual({
      results: [
        {
          statement_id: 0,
          series: [
            {
              name: 'meter',
              columns: ['time', 'power', 'device'],
              values: [[1700000000000, 42.5, 'm1']],
            },
          ],
        },
      ],
    });
  });
});
