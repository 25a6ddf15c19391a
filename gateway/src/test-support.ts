import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { GatewayConfig, type GatewayConfigInput } from './config/schema.js';
import { hashPassword } from './credentials/password.js';
import type { DeviceRecord, ServiceRole } from './devices/directory.js';

const dataDirs: string[] = [];
process.once('exit', () => {
  for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
});

/** A fresh data directory, removed when the test process exits. */
export function testDataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'gridlink-gw-data-'));
  dataDirs.push(dir);
  return dir;
}

/** A gateway configuration for tests: loopback only, every port chosen by the OS, its own data dir. */
export function testGatewayConfig(overrides: Partial<GatewayConfigInput> = {}): GatewayConfig {
  return GatewayConfig.parse({
    ...overrides,
    gateway: { id: 'gw-test', community: '320803001001', data_dir: testDataDir(), ...overrides.gateway },
    mqtt: { host: '127.0.0.1', port: 0, ...overrides.mqtt },
    http: { host: '127.0.0.1', port: 0, ...overrides.http },
    log: { level: 'silent' },
  });
}

export const silentLogger = () => pino({ level: 'silent' });

export async function testDevice(
  id: string,
  kind: DeviceRecord['kind'],
  password: string,
  status: DeviceRecord['status'] = 'active',
): Promise<DeviceRecord> {
  return { id, kind, status, passwordHash: await hashPassword(password) };
}

export async function testService(username: string, role: ServiceRole, password: string) {
  return { username, role, passwordHash: await hashPassword(password) };
}
