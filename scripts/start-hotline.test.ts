import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudConfig, IN_MEMORY, type RunningCloud, startCloud } from '@gridlink/cloud';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startHotline } from './start-hotline.js';

const ADMIN_TOKEN = 'hotline-start-admin-token-0123456789abcdef';
const COMMUNITY = '320803001001';

/** Deliveries go over real HTTP on a shared machine: give them time, never a fixed sleep. */
const WAIT = { timeout: 15_000, interval: 20 };

describe("npm start's 12345 hotline platform", () => {
  const dir = mkdtempSync(join(tmpdir(), 'gridlink-hotline-start-'));
  let cloud: RunningCloud;

  beforeAll(async () => {
    cloud = await startCloud(
      CloudConfig.parse({
        cloud: { data_dir: dir },
        http: { host: '127.0.0.1', port: 0 },
        database: { data_dir: IN_MEMORY },
        auth: { admin_token: ADMIN_TOKEN },
        log: { level: 'silent' },
      }),
      pino({ level: 'silent' }),
    );
  }, 60_000);
  afterAll(async () => {
    await cloud?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('registers the platform, files two orders and hears their signed 受理 in its log, again after a restart', async () => {
    const log = join(dir, 'hotline-platform.log');
    const first = await startHotline(cloud.url, ADMIN_TOKEN, COMMUNITY, log);
    expect(first.filed).toHaveLength(2);
    await vi.waitFor(() => expect(first.simulator.pushes.map((p) => p.kind)).toEqual(['accepted', 'accepted']), WAIT);
    expect(first.simulator.refusedSignatures).toEqual([]);
    expect(first.summary()).toContain(log);
    await first.stop();
    // The next start finds the platform registered: its webhook moves and its secret rotates.
    const second = await startHotline(cloud.url, ADMIN_TOKEN, COMMUNITY, log);
    await vi.waitFor(() => expect(second.simulator.pushes).toHaveLength(2), WAIT);
    expect(second.simulator.refusedSignatures).toEqual([]);
    await second.stop();
    const lines = readFileSync(log, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines.join('\n')).not.toMatch(/1[3-9]\d{9}/);
  });
});
