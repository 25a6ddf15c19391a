import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { seededRandom } from '@gridlink/simulators';
import { testSeed } from '@gridlink/testkit';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, describe, expect, it } from 'vitest';
import { killHard, startGatewayProcess } from '../cli/gateway-process.js';
import { gatewayFiles, startTestCloud, type TestCloud } from './test-cloud.js';

const ROUNDS = 20;
const DEVICES = ['wm-1', 'wm-2', 'wm-3', 'wm-4'];
const GATEWAY = 'gw-kill';

const freePort = () =>
  new Promise<number>((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

let cloud: TestCloud | undefined;
let child: ChildProcess | undefined;
const clients: MqttClient[] = [];
afterAll(async () => {
  if (child) await killHard(child);
  await Promise.all(clients.map((client) => client.endAsync(true)));
  await cloud?.stop();
});

describe('the uplink under kill -9 (a real gateway process, the real cloud on PostgreSQL)', () => {
  it(`puts every acknowledged event in PostgreSQL exactly once, in each device’s order, across ${ROUNDS} kills at random moments`, async () => {
    // The kill moments come from a printed seed: GRIDLINK_TEST_SEED replays the same delays.
    const seed = testSeed('kill -9 delays');
    const random = seededRandom(seed);
    cloud = await startTestCloud(GATEWAY);
    const port = await freePort();
    const { config, passwords, env } = await gatewayFiles({
      gatewayId: GATEWAY,
      cloudUrl: cloud.cloud.url,
      token: cloud.token,
      devices: DEVICES.map((id) => ({ id, kind: 'water_meter' as const })),
      mqttPort: port,
      backoff: { initialMs: 50, maxMs: 300 },
    });

    // Each device publishes QoS1 readings with consecutive totals, one in flight at a time, and
    // resends what was not acknowledged when the gateway comes back (mqtt.js keeps it in its store).
    const acknowledged = new Map<string, number[]>(DEVICES.map((id) => [id, []]));
    let publishing = true;
    const publishers = DEVICES.map(async (id) => {
      const client = mqtt.connect(`mqtt://127.0.0.1:${port}`, {
        clientId: id,
        username: id,
        password: passwords.get(id) as string,
        reconnectPeriod: 50,
        connectTimeout: 2000,
        clean: false,
      });
      clients.push(client);
      client.on('error', () => {}); // refused while the gateway is down: it reconnects
      for (let n = 0; publishing; n++) {
        const payload = JSON.stringify({
          ts: new Date().toISOString(),
          total_volume: n,
          interval_volume: 1,
          interval_s: 60,
        });
        await client.publishAsync(`gridlink/${id}/event/reading`, payload, { qos: 1 });
        acknowledged.get(id)?.push(n);
      }
    });

    for (let round = 0; round < ROUNDS; round++) {
      const gateway = await startGatewayProcess(config, { env });
      child = gateway.child;
      await new Promise((resolve) => setTimeout(resolve, 150 + random() * 500));
      await killHard(gateway.child);
    }

    const last = await startGatewayProcess(config, { env });
    child = last.child;
    // Every device gets a few readings acknowledged by the gateway that stays up, then stops.
    const ackedBefore = new Map(DEVICES.map((id) => [id, acknowledged.get(id)?.length ?? 0]));
    await expect
      .poll(() => DEVICES.every((id) => (acknowledged.get(id)?.length ?? 0) >= (ackedBefore.get(id) ?? 0) + 3), {
        timeout: 30_000,
        message: `seed ${seed}`,
      })
      .toBe(true);
    publishing = false;
    await Promise.all(publishers);

    const total = [...acknowledged.values()].reduce((sum, list) => sum + list.length, 0);
    const stored = async () =>
      (await cloud?.query<{ device_id: string; total: number; device_seq: string }>(
        `SELECT device_id, (data->'payload'->>'total_volume')::int AS total, device_seq
         FROM gateway_events WHERE type = 'cn.gridlink.device.event.v1' ORDER BY arrival`,
      )) ?? [];
    await expect.poll(async () => (await stored()).length, { timeout: 30_000, message: `seed ${seed}` }).toBe(total);

    const rows = await stored();
    for (const id of DEVICES) {
      const mine = rows.filter((row) => row.device_id === id);
      // exactly the acknowledged ones (a PUBACK lost to a kill is resent, and taken once), in order
      expect(
        mine.map((row) => row.total),
        `seed ${seed}`,
      ).toEqual(acknowledged.get(id));
      const seqs = mine.map((row) => Number(row.device_seq));
      expect(seqs, `seed ${seed}`).toEqual([...seqs].sort((a, b) => a - b));
    }
    expect(total).toBeGreaterThan(ROUNDS * DEVICES.length);
  }, 180_000);
});
