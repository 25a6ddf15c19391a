import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { NODE_RED_ADMIN, prepareNodeRed } from './node-red-settings.js';

// biome-ignore lint/suspicious/noTemplateCurlyInString: Node-RED's reference to the environment, not a template
const PASSWORD_REFERENCE = '${GRIDLINK_GATEWAY_PASSWORD}';
const modeOf = (file: string) => statSync(file).mode & 0o777;

describe('Node-RED settings for npm start', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'gridlink-node-red-settings-'));
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  it('makes an editor password at the first start, hands it back once and stores only its hash, owner-only', async () => {
    const printed = vi.spyOn(console, 'log');
    const first = await prepareNodeRed({ dataDir, port: 1880 });
    expect(first.admin.username).toBe(NODE_RED_ADMIN);
    const password = first.admin.newPassword ?? '';
    expect(password.length).toBeGreaterThanOrEqual(24);

    const access = JSON.parse(readFileSync(first.admin.accessFile, 'utf8'));
    expect(await bcrypt.compare(password, access.admin.password_hash)).toBe(true);
    expect(readFileSync(first.admin.accessFile, 'utf8')).not.toContain(password);
    expect(modeOf(first.admin.accessFile)).toBe(0o600);
    // Nothing is printed by the setup itself: the console prints the password once, from what it returns.
    expect(printed).not.toHaveBeenCalled();
    printed.mockRestore();
  });

  it('keeps the credential secret owner-only and out of the settings file, which reads it when loaded', async () => {
    const prepared = await prepareNodeRed({ dataDir, port: 1880 });
    const secretFile = join(dataDir, 'secrets', 'node-red', 'credential-secret');
    const secret = readFileSync(secretFile, 'utf8').trim();
    expect(secret.length).toBeGreaterThanOrEqual(24);
    expect(modeOf(secretFile)).toBe(0o600);
    expect(modeOf(join(dataDir, 'secrets', 'node-red'))).toBe(0o700);
    // Node-RED keeps the editor's session tokens in its user directory.
    expect(modeOf(prepared.userDir)).toBe(0o700);
    const settings = readFileSync(prepared.settingsFile, 'utf8');
    expect(settings).not.toContain(secret);
    expect(settings).not.toContain(prepared.hooks.password);
    expect(settings).not.toContain('$2');
    expect(prepared.settingsFile.endsWith('.cjs')).toBe(true);
  });

  it('loads settings that bind the editor to 127.0.0.1 behind the stored account and the hooks behind theirs', async () => {
    const prepared = await prepareNodeRed({ dataDir, port: 18_801 });
    const { createRequire } = await import('node:module');
    const settings = createRequire(import.meta.url)(prepared.settingsFile);
    expect(settings).toMatchObject({
      uiHost: '127.0.0.1',
      uiPort: 18_801,
      userDir: prepared.userDir,
      adminAuth: { type: 'credentials', users: [{ username: NODE_RED_ADMIN, permissions: '*' }] },
      httpNodeRoot: '/hooks',
      httpNodeAuth: { user: 'hooks' },
      externalModules: { palette: { allowInstall: false } },
    });
    expect(settings.credentialSecret).toBe(
      readFileSync(join(dataDir, 'secrets', 'node-red', 'credential-secret'), 'utf8').trim(),
    );
    expect(await bcrypt.compare(prepared.hooks.password, settings.httpNodeAuth.pass)).toBe(true);
    expect(settings.nodesDir).toBeUndefined();
  });

  it('reuses the account, the hash and the secret at a second start, without a new password', async () => {
    const first = await prepareNodeRed({ dataDir, port: 1880 });
    const secretFile = join(dataDir, 'secrets', 'node-red', 'credential-secret');
    const [access, secret] = [readFileSync(first.admin.accessFile, 'utf8'), readFileSync(secretFile, 'utf8')];
    const second = await prepareNodeRed({ dataDir, port: 1881 });
    expect(second.admin.newPassword).toBeUndefined();
    expect(readFileSync(second.admin.accessFile, 'utf8')).toBe(access);
    expect(readFileSync(secretFile, 'utf8')).toBe(secret);
    expect(second.hooks.password).toBe(first.hooks.password);
    expect(readFileSync(second.settingsFile, 'utf8')).toContain('uiPort: 1881');
  });

  it('makes a new password when the access file is deleted (the reset), keeping the credential secret', async () => {
    const first = await prepareNodeRed({ dataDir, port: 1880 });
    const secret = readFileSync(join(dataDir, 'secrets', 'node-red', 'credential-secret'), 'utf8');
    rmSync(first.admin.accessFile);
    const reset = await prepareNodeRed({ dataDir, port: 1880 });
    expect(reset.admin.newPassword).toBeDefined();
    expect(reset.admin.newPassword).not.toBe(first.admin.newPassword);
    expect(readFileSync(join(dataDir, 'secrets', 'node-red', 'credential-secret'), 'utf8')).toBe(secret);
    // An access file that cannot be read is a reset too, not a crash.
    writeFileSync(reset.admin.accessFile, '{ not json');
    expect((await prepareNodeRed({ dataDir, port: 1880 })).admin.newPassword).toBeDefined();
  });

  it("puts the ready flows in the flow file at the first start, once each shared config node, and leaves the integrator's flow file alone after", async () => {
    const ready = join(dataDir, 'ready');
    mkdirSync(ready);
    const gateway = { id: 'gw', type: 'gridlink-gateway', credentials: { password: PASSWORD_REFERENCE } };
    writeFileSync(join(ready, 'a.json'), JSON.stringify([{ id: 'tab-a', type: 'tab', label: 'A' }, gateway]));
    writeFileSync(join(ready, 'b.json'), JSON.stringify([{ id: 'tab-b', type: 'tab', label: 'B' }, gateway]));
    const first = await prepareNodeRed({ dataDir, port: 1880, readyFlowsDir: ready });
    expect(first.readyFlowsLoaded).toBe(2);
    const flowFile = join(first.userDir, 'flows.json');
    expect(JSON.parse(readFileSync(flowFile, 'utf8'))).toEqual([
      { id: 'tab-a', type: 'tab', label: 'A' },
      { id: 'gw', type: 'gridlink-gateway' },
      { id: 'tab-b', type: 'tab', label: 'B' },
    ]);
    // The credentials file holds the environment references, owner-only: Node-RED encrypts it at the first deploy.
    const credentialsFile = join(first.userDir, 'flows_cred.json');
    expect(JSON.parse(readFileSync(credentialsFile, 'utf8'))).toEqual({
      gw: { password: PASSWORD_REFERENCE },
    });
    expect(modeOf(credentialsFile)).toBe(0o600);
    writeFileSync(flowFile, '[]');
    expect((await prepareNodeRed({ dataDir, port: 1880, readyFlowsDir: ready })).readyFlowsLoaded).toBe(0);
    expect(readFileSync(flowFile, 'utf8')).toBe('[]');
  });

  it('refuses a ready flow with a secret in clear, naming the node and the field', async () => {
    const ready = join(dataDir, 'ready');
    mkdirSync(ready);
    writeFileSync(
      join(ready, 'leaky.json'),
      JSON.stringify([{ id: 'sms', type: 'http request', credentials: { password: 'hunter2-in-clear' } }]),
    );
    await expect(prepareNodeRed({ dataDir, port: 1880, readyFlowsDir: ready })).rejects.toThrow(
      /^leaky\.json: node sms credentials\.password: expected a reference to the environment/,
    );
  });

  it('refuses a ready flow that is not a list of nodes, naming the file', async () => {
    const ready = join(dataDir, 'ready');
    mkdirSync(ready);
    writeFileSync(join(ready, 'broken.json'), '{"id":"x"}');
    await expect(prepareNodeRed({ dataDir, port: 1880, readyFlowsDir: ready })).rejects.toThrow(
      /broken\.json: expected a list of Node-RED nodes/,
    );
  });
});
