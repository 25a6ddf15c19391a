import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudConfig, IN_MEMORY, type RunningCloud, startCloud } from '@gridlink/cloud';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GRID_WORKER, startUsers } from './start-users.js';

const COMMUNITY = '320803001001';
const GRIDS = ['320803001001001', '320803001001002', '320803001001003'];
const ADMIN_TOKEN = 'start-users-admin-token-0123456789abcdef';

describe("npm start's people", () => {
  const dir = mkdtempSync(join(tmpdir(), 'gridlink-start-users-'));
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

  it('puts a grid worker on duty in every grid of the community, so automatic dispatch always finds one', async () => {
    const now = new Date();
    const signIns = await startUsers(cloud.url, ADMIN_TOKEN, { community: COMMUNITY, grids: GRIDS }, now);
    expect(signIns.map((signIn) => signIn.username)).toContain(GRID_WORKER);
    const onDuty = [];
    for (const grid of GRIDS) {
      const response = await fetch(`${cloud.url}/api/v1/grids/${grid}/on-duty`, {
        headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      });
      expect(response.status).toBe(200);
      const body = (await response.json()) as { on_duty: { userId: string } | null };
      expect(body.on_duty, `grid ${grid}`).not.toBeNull();
      onDuty.push(body.on_duty?.userId);
    }
    // One worker per grid, each signing in with the password printed for the run.
    expect(new Set(onDuty).size).toBe(GRIDS.length);
    for (const signIn of signIns.filter((candidate) => candidate.username.startsWith(GRID_WORKER))) {
      const login = await fetch(`${cloud.url}/api/v1/sessions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: signIn.username, password: signIn.password }),
      });
      expect(login.status, signIn.username).toBe(201);
    }

    // A second run over the same database makes them again, without a conflict.
    const again = await startUsers(cloud.url, ADMIN_TOKEN, { community: COMMUNITY, grids: GRIDS }, now);
    expect(again.map((signIn) => signIn.username)).toEqual(signIns.map((signIn) => signIn.username));
  });
});
