import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import mqtt from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { DeviceRegistry, registryPathIn } from '../registry/index.js';
import { startGatewayProcess } from './gateway-process.js';

const bin = fileURLToPath(new URL('./bin.ts', import.meta.url));
const children: ChildProcess[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

async function startGateway(config: string) {
  const started = await startGatewayProcess(config);
  children.push(started.child);
  return started;
}

describe('gridlink-gateway start (a real process)', () => {
  it('refuses a bad configuration with every error and exit code 1', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gridlink-cli-'));
    dirs.push(dir);
    const config = join(dir, 'gateway.yaml');
    await writeFile(config, 'gateway:\n  id: GW 1\nmqtt:\n  port: 70000\n');
    const child = spawn(process.execPath, [
      '--import',
      'tsx',
      '--conditions=gridlink-source',
      bin,
      'start',
      '--config',
      config,
    ]);
    children.push(child);
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise((resolve) => child.once('exit', resolve));
    expect(code).toBe(1);
    expect(stderr).toContain('gateway.id:');
    expect(stderr).toContain('gateway.community:');
    expect(stderr).toContain('mqtt.port:');
  }, 30_000);

  it('survives kill -9 with its registry intact, and stops cleanly on SIGTERM', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gridlink-cli-'));
    dirs.push(dir);
    const registry = DeviceRegistry.open(registryPathIn(join(dir, 'data')));
    const { password } = await registry.addDevice({ id: 'th-1', kind: 'temp_humidity' });
    registry.close();
    const config = join(dir, 'gateway.yaml');
    await writeFile(
      config,
      [
        'gateway:',
        '  id: gw-cli-test',
        '  community: "320803001001"',
        `  data_dir: ${JSON.stringify(join(dir, 'data'))}`,
        'mqtt:',
        '  host: 127.0.0.1',
        '  port: 0',
        'http:',
        '  port: 0',
        '',
      ].join('\n'),
    );
    const connect = (port: number) =>
      mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, {
        clientId: 'th-1',
        username: 'th-1',
        password,
        reconnectPeriod: 0,
      });

    const first = await startGateway(config);
    const device = await connect(first.port);
    await device.publishAsync('gridlink/th-1', '{"temperature":21.5}', { qos: 1 });
    first.child.kill('SIGKILL');
    await new Promise((resolve) => first.child.once('exit', resolve));
    device.end(true);

    const second = await startGateway(config);
    const again = await connect(second.port);
    await again.publishAsync('gridlink/th-1', '{"temperature":21.6}', { qos: 1 });
    await again.endAsync();
    second.child.kill('SIGTERM');
    const code = await new Promise((resolve) => second.child.once('exit', resolve));
    expect(code).toBe(0);
    expect(second.output()).toContain('"gateway stopped"');
  }, 60_000);
});
