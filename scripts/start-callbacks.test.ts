import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudConfig, IN_MEMORY, type RunningCloud, startCloud } from '@gridlink/cloud';
import { cloudCaller, signIn } from '@gridlink/simulators';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeForCallback } from './start-callbacks.js';
import { GRID_WORKER, startUsers } from './start-users.js';

const COMMUNITY = '320803001001';
const GRID = '320803001001001';
const ADMIN_TOKEN = 'start-callbacks-admin-token-0123456789abcdef';

describe("npm start's callbacks", () => {
  const dir = mkdtempSync(join(tmpdir(), 'gridlink-start-callbacks-'));
  let cloud: RunningCloud;
  beforeAll(async () => {
    const config = CloudConfig.parse({
      cloud: { data_dir: dir },
      http: { host: '127.0.0.1', port: 0 },
      database: { data_dir: IN_MEMORY },
      auth: { admin_token: ADMIN_TOKEN },
      log: { level: 'silent' },
    });
    cloud = await startCloud(config, pino({ level: 'silent' }));
  }, 30_000);
  afterAll(async () => {
    await cloud?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('gives the callback agent a sign-in and a couple of closed incidents in their queue', async () => {
    const signIns = await startUsers(cloud.url, ADMIN_TOKEN, { community: COMMUNITY, grids: [GRID] }, new Date());
    const passwordOf = (username: string) => signIns.find((s) => s.username === username)?.password ?? '';
    expect(passwordOf('dev.callback')).toMatch(/^[\w-]{20,}$/);
    const dispatcher = cloudCaller(cloud.url, await signIn(cloud.url, 'dev.dispatcher', passwordOf('dev.dispatcher')));
    const worker = cloudCaller(cloud.url, await signIn(cloud.url, GRID_WORKER, passwordOf(GRID_WORKER)));
    const closed = await closeForCallback({ dispatcher, worker, community: COMMUNITY, grid: GRID, runId: 'test' });
    expect(closed).toHaveLength(2);

    const agent = cloudCaller(cloud.url, await signIn(cloud.url, 'dev.callback', passwordOf('dev.callback')));
    const queue = await agent<{ items: Array<{ id: string }> }>('GET', '/callbacks/queue');
    expect(queue.items.map((item) => item.id)).toEqual(closed);
  }, 60_000);
});
