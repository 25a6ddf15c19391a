import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type PreparedNodeRed, prepareNodeRed } from './node-red-settings.js';
import { buildGridlinkNodes, declaredNodeTypes } from './start-flows.js';
import { freePort, NodeRedStartError, type RunningNodeRed, startNodeRed } from './start-node-red.js';

/** The Gridlink nodes built as npm start builds them: the package folder, or why there is none. */
const gridlinkNodes = await buildGridlinkNodes();
// The palette is part of the repository: a build that fails is this test failing, never a skip.
if (gridlinkNodes.dir === undefined) throw new Error(gridlinkNodes.note);

async function tokenFor(url: string, username: string, password: string): Promise<Response> {
  return fetch(`${url}/auth/token`, {
    method: 'POST',
    body: new URLSearchParams({ client_id: 'node-red-admin', grant_type: 'password', scope: '*', username, password }),
  });
}

describe('Node-RED started for npm start, in its own process', { timeout: 90_000 }, () => {
  let dataDir: string;
  let prepared: PreparedNodeRed;
  let nodeRed: RunningNodeRed;
  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'gridlink-node-red-'));
    prepared = await prepareNodeRed({
      dataDir,
      port: await freePort(),
      ...(gridlinkNodes.dir ? { nodesPackageDir: gridlinkNodes.dir } : {}),
    });
    nodeRed = await startNodeRed(prepared, { portSetting: '--node-red-port' });
  }, 90_000);
  afterAll(async () => {
    await nodeRed?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('refuses the admin API without credentials', async () => {
    expect((await fetch(`${nodeRed.url}/settings`)).status).toBe(401);
    expect((await fetch(`${nodeRed.url}/flows`)).status).toBe(401);
    expect((await fetch(`${nodeRed.url}/nodes`, { headers: { accept: 'application/json' } })).status).toBe(401);
  });

  it('refuses a wrong password, and accepts the generated one', async () => {
    expect((await tokenFor(nodeRed.url, prepared.admin.username, 'not-the-password')).ok).toBe(false);
    const response = await tokenFor(nodeRed.url, prepared.admin.username, prepared.admin.newPassword ?? '');
    expect(response.status).toBe(200);
    const { access_token } = (await response.json()) as { access_token: string };
    const settings = await fetch(`${nodeRed.url}/settings`, { headers: { authorization: `Bearer ${access_token}` } });
    expect(settings.status).toBe(200);
    expect(await settings.json()).toMatchObject({ httpNodeRoot: '/hooks/' });
  });

  it('keeps its http-in endpoints behind the hooks account', async () => {
    // No flow serves /hooks/nothing: without credentials the answer is 401 before any route is looked up.
    expect((await fetch(`${nodeRed.url}/hooks/nothing`)).status).toBe(401);
    const basic = Buffer.from(`${prepared.hooks.username}:${prepared.hooks.password}`).toString('base64');
    expect((await fetch(`${nodeRed.url}/hooks/nothing`, { headers: { authorization: `Basic ${basic}` } })).status).toBe(
      404,
    );
  });

  it('lists the Gridlink node types in GET /nodes', async () => {
    const { access_token } = (await (
      await tokenFor(nodeRed.url, prepared.admin.username, prepared.admin.newPassword ?? '')
    ).json()) as { access_token: string };
    const response = await fetch(`${nodeRed.url}/nodes`, {
      headers: { authorization: `Bearer ${access_token}`, accept: 'application/json' },
    });
    const sets = (await response.json()) as { types: string[]; enabled: boolean; err?: string }[];
    const gridlink = sets.filter((set) => set.types.some((type) => type.startsWith('gridlink-')));
    // Every node type flows/ declares, loaded without error (gridlink-gateway, gridlink-device-in, …).
    expect(gridlink.flatMap((set) => set.types).sort()).toEqual(declaredNodeTypes().sort());
    expect(declaredNodeTypes()).toEqual(expect.arrayContaining(['gridlink-gateway', 'gridlink-cloud']));
    expect(gridlink.filter((set) => !set.enabled || set.err)).toEqual([]);
  });
});

describe('Node-RED that cannot start', { timeout: 60_000 }, () => {
  let dataDir: string;
  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'gridlink-node-red-fail-'));
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('names the port setting and the fix when the port is taken', async () => {
    const squatter: Server = createServer();
    await new Promise<void>((done) => squatter.listen(0, '127.0.0.1', done));
    const port = (squatter.address() as { port: number }).port;
    try {
      const prepared = await prepareNodeRed({ dataDir, port });
      const started = startNodeRed(prepared, { portSetting: '--node-red-port' });
      await expect(started).rejects.toThrow(NodeRedStartError);
      await expect(started).rejects.toThrow(
        `Node-RED: port ${port} on 127.0.0.1 is in use by another program. Set --node-red-port to a free port (0 picks one), or stop the program using port ${port}.`,
      );
    } finally {
      await new Promise<void>((done) => squatter.close(() => done()));
    }
  });

  it('shows the tail of its output when it stops while starting', async () => {
    const prepared = await prepareNodeRed({ dataDir, port: await freePort() });
    writeFileSync(prepared.settingsFile, "throw new Error('settings broken on purpose');\n");
    await expect(startNodeRed(prepared, { portSetting: '--node-red-port' })).rejects.toThrow(
      /Node-RED stopped while starting \(exit code \d+\)\. Its last lines:\n[\s\S]*settings broken on purpose/,
    );
  });
});

describe('Node-RED that stops by itself after it started', { timeout: 60_000 }, () => {
  it('is reported with its exit code, and stopping it afterwards is harmless', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'gridlink-node-red-crash-'));
    try {
      const prepared = await prepareNodeRed({ dataDir, port: await freePort() });
      const exits: (number | null)[] = [];
      const nodeRed = await startNodeRed(prepared, {
        portSetting: '--node-red-port',
        onUnexpectedExit: (code) => exits.push(code),
      });
      process.kill(nodeRed.pid, 'SIGKILL');
      await vi.waitFor(() => expect(exits).toEqual([null]), { timeout: 20_000 });
      await nodeRed.stop();
      expect(exits).toHaveLength(1);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('Node-RED when npm start is killed outright', { timeout: 90_000 }, () => {
  it('stops with it instead of running on as an orphan', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'gridlink-node-red-orphan-'));
    const parent = spawn(
      process.execPath,
      ['--import', 'tsx', fileURLToPath(new URL('./start-node-red.test-support.ts', import.meta.url)), dataDir],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    try {
      let output = '';
      parent.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString('utf8');
      });
      const started = await vi.waitFor(
        () => {
          const line = output.split('\n').find((l) => l.startsWith('{'));
          if (!line) throw new Error('Node-RED not started yet');
          return JSON.parse(line) as { pid: number; url: string };
        },
        { timeout: 60_000, interval: 100 },
      );
      expect((await fetch(`${started.url}/auth/login`)).status).toBe(200);
      parent.kill('SIGKILL');
      const alive = (pid: number) => {
        try {
          process.kill(pid, 0);
          return true;
        } catch {
          return false;
        }
      };
      await vi.waitFor(() => expect(alive(started.pid)).toBe(false), { timeout: 20_000, interval: 100 });
    } finally {
      parent.kill('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
