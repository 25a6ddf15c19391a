import type { ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, describe, expect, it } from 'vitest';
import { killHard, startGatewayProcess } from '../cli/gateway-process.js';
import { runCli } from '../cli/main.js';
import { testDataDir } from '../test-support.js';
import { gatewayFiles, startTestCloud, type TestCloud } from '../uplink/test-cloud.js';
import { CONFIG_COPY } from './backup.js';

const DEVICES = ['wm-1', 'wm-2', 'wm-3'];
const GATEWAY = 'gw-drill';

const freePort = () =>
  new Promise<number>((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

async function cli(argv: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; out: string }> {
  let out = '';
  const sink = {
    write: (chunk: string) => {
      out += chunk;
      return true;
    },
  };
  const code = await runCli(argv, { stdout: sink, stderr: sink, env, cwd: process.cwd() });
  return { code, out };
}

let cloud: TestCloud | undefined;
let publishing = true;
const children: ChildProcess[] = [];
const clients: MqttClient[] = [];
afterAll(async () => {
  publishing = false;
  await Promise.all(clients.map((client) => client.endAsync(true)));
  for (const child of children) await killHard(child);
  await cloud?.stop();
});

describe('the restore drill (real gateway processes, real MQTT devices, the real cloud on PostgreSQL)', () => {
  it('delivers every event acknowledged before the backup exactly once after a restore elsewhere; events acknowledged after the backup was taken are not promised', async () => {
    cloud = await startTestCloud(GATEWAY);
    const link = cloud.proxy;
    // The cloud is away: the outbox fills while the devices publish.
    link.set({ kind: 'refuse' });
    const port = await freePort();
    const files = await gatewayFiles({
      gatewayId: GATEWAY,
      cloudUrl: cloud.url,
      token: cloud.token,
      devices: DEVICES.map((id) => ({ id, kind: 'water_meter' as const })),
      mqttPort: port,
      backoff: { initialMs: 50, maxMs: 200 },
    });
    // Small batches, so the old gateway can be stopped having delivered only part of its outbox.
    writeFileSync(files.config, `${readFileSync(files.config, 'utf8')}  batch_max_events: 20\n`);
    const first = await startGatewayProcess(files.config, { env: files.env });
    children.push(first.child);

    // Each device publishes QoS1 readings with consecutive totals; a reading counts as acknowledged
    // once its PUBACK arrived, which the gateway sends only after the outbox committed it.
    const acknowledged = new Map<string, number[]>(DEVICES.map((id) => [id, []]));
    const publishers = DEVICES.map(async (id) => {
      const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, {
        clientId: id,
        username: id,
        password: files.passwords.get(id) as string,
        reconnectPeriod: 0,
      });
      clients.push(client);
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
    const count = (id: string) => acknowledged.get(id)?.length ?? 0;
    await expect.poll(() => DEVICES.every((id) => count(id) >= 30), { timeout: 30_000 }).toBe(true);

    // The backup point: everything acknowledged by now must survive. Taken under load, from
    // another process than the gateway's (this one), through the command an operator runs.
    const ackedAtBackup = new Map(DEVICES.map((id) => [id, [...(acknowledged.get(id) ?? [])]]));
    const backupDir = join(testDataDir(), 'backup');
    const backup = await cli(['backup', backupDir, '--config', files.config], files.env);
    expect(backup, backup.out).toMatchObject({ code: 0 });
    const ackedAfterBackup = new Map(DEVICES.map((id) => [id, count(id)]));
    await expect
      .poll(() => DEVICES.every((id) => count(id) >= (ackedAfterBackup.get(id) ?? 0) + 5), { timeout: 30_000 })
      .toBe(true);

    // The cloud comes back over a slow link and the old gateway delivers part of its outbox (events
    // that are also in the backup, so the restored gateway sends them again): then the box is lost.
    link.set({ kind: 'slow', delayMs: 100 });
    const deviceEvents = async () =>
      (await cloud?.query<{ id: string; device_id: string; total: number }>(
        `SELECT id, device_id, (data->'payload'->>'total_volume')::int AS total
         FROM gateway_events WHERE type = 'cn.gridlink.device.event.v1' ORDER BY arrival`,
      )) ?? [];
    await expect.poll(async () => (await deviceEvents()).length, { timeout: 30_000 }).toBeGreaterThan(0);
    link.set({ kind: 'refuse' }, { cut: true });
    publishing = false;
    await Promise.all(publishers);
    await Promise.all(clients.splice(0).map((client) => client.endAsync(true)));
    await killHard(first.child);
    const deliveredByTheLostBox = (await deviceEvents()).length;

    // A new box: the backup's configuration with a new data directory, the data restored into it.
    const newDataDir = join(testDataDir(), 'data');
    const newConfig = join(testDataDir(), 'gateway.yaml');
    const saved = readFileSync(join(backupDir, CONFIG_COPY), 'utf8');
    writeFileSync(newConfig, saved.replace(/data_dir: .*/, `data_dir: ${JSON.stringify(newDataDir)}`));
    const restore = await cli(['restore', backupDir, '--config', newConfig], files.env);
    expect(restore, restore.out).toMatchObject({ code: 0 });
    link.set({ kind: 'pass' });
    const second = await startGatewayProcess(newConfig, { env: files.env });
    children.push(second.child);

    // Done when the restored outbox is empty (the whole backup delivered).
    const outbox = new Database(join(newDataDir, 'outbox.db'), { readonly: true, fileMustExist: true });
    try {
      await expect
        .poll(() => (outbox.prepare('SELECT count(*) AS n FROM outbox').get() as { n: number }).n, {
          timeout: 60_000,
        })
        .toBe(0);
    } finally {
      outbox.close();
    }

    const rows = await deviceEvents();
    expect(deliveredByTheLostBox).toBeLessThan(rows.length);
    for (const id of DEVICES) {
      const totals = rows.filter((row) => row.device_id === id).map((row) => row.total);
      // Never twice: the cloud takes an event id once, and the restored outbox kept the ids.
      expect(new Set(totals).size).toBe(totals.length);
      // Everything acknowledged before the backup is there.
      expect(totals).toEqual(expect.arrayContaining(ackedAtBackup.get(id) ?? []));
      // Nothing that was never acknowledged; what the backup held is a prefix of each device's readings.
      expect([...totals].sort((a, b) => a - b)).toEqual(acknowledged.get(id)?.slice(0, totals.length));
    }
  }, 180_000);
});
