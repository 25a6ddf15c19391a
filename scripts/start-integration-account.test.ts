import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudConfig, IN_MEMORY, type RunningCloud, startCloud, TerritoryStore } from '@gridlink/cloud';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INTEGRATION_USER, startIntegrationAccount } from './start-integration-account.js';

const ADMIN_TOKEN = 'integration-account-admin-token-0123456789';
const COMMUNITY = '320803001001';

describe("npm start's cloud account for Node-RED", () => {
  const dir = mkdtempSync(join(tmpdir(), 'gridlink-integration-account-'));
  let cloud: RunningCloud;
  const get = async (token: string, path: string) => {
    const response = await fetch(`${cloud.url}/api/v1${path}`, { headers: { authorization: `Bearer ${token}` } });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

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
    await new TerritoryStore(cloud.db).upsertUnits(
      [COMMUNITY.slice(0, 6), COMMUNITY.slice(0, 9), COMMUNITY].map((code) => ({ code, nameZh: code })),
    );
  }, 60_000);
  afterAll(async () => {
    await cloud?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is an operator of the community only, whose token reads incidents and may not make tokens', async () => {
    const account = await startIntegrationAccount(cloud.url, ADMIN_TOKEN, COMMUNITY);
    expect(account.token).toMatch(/^glt_/);
    const me = await get(account.token, '/me');
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ username: INTEGRATION_USER, roles: [{ role: 'operator', scope: COMMUNITY }] });
    expect((await get(account.token, '/incidents')).status).toBe(200);
    // A token never makes a token (that needs a session or the admin token).
    const minted = await fetch(`${cloud.url}/api/v1/users/${account.userId}/api-tokens`, {
      method: 'POST',
      headers: { authorization: `Bearer ${account.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'another' }),
    });
    expect(minted.status).toBe(403);
  });

  it('is made again at every start: the same user with one role, a new token, the earlier one revoked', async () => {
    const first = await startIntegrationAccount(cloud.url, ADMIN_TOKEN, COMMUNITY);
    const second = await startIntegrationAccount(cloud.url, ADMIN_TOKEN, COMMUNITY);
    expect(second.userId).toBe(first.userId);
    expect(second.token).not.toBe(first.token);
    expect((await get(first.token, '/me')).status).toBe(401);
    const me = await get(second.token, '/me');
    expect(me.body).toMatchObject({ roles: [{ role: 'operator', scope: COMMUNITY }] });
    const tokens = (await get(ADMIN_TOKEN, `/users/${second.userId}/api-tokens`)).body.api_tokens as Array<{
      revoked_at: string | null;
    }>;
    expect(tokens.filter((token) => token.revoked_at === null)).toHaveLength(1);
  });
});
