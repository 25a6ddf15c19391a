import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import mqtt from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../cli/main.js';
import { testDataDir } from '../test-support.js';
import { startConsoleGateway } from './console-test-support.js';

const cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

const GAS_ID = 'gas-b2-u1-0601';

async function start() {
  const started = await startConsoleGateway({
    devices: [
      { id: 'dc-b1-u1-0101', kind: 'door_contact', building: '1', unit: '1' },
      { id: GAS_ID, kind: 'gas_detector', building: '2', unit: '1' },
    ],
  });
  cleanup.push(() => started.stop());
  const cookie = await started.signIn(started.installer.username, started.installer.password);
  const post = async (path: string, body: unknown = {}, as = cookie) => {
    const response = await fetch(`${started.base}/api/console/${path}`, {
      method: 'POST',
      headers: { cookie: as, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    // biome-ignore lint/suspicious/noExplicitAny: test reads of JSON answers
    return { status: response.status, body: (await response.json()) as any };
  };
  const get = async (path: string) => {
    const response = await fetch(`${started.base}/api/console/${path}`, { headers: { cookie } });
    // biome-ignore lint/suspicious/noExplicitAny: test reads of JSON answers
    return { status: response.status, body: (await response.json()) as any };
  };
  return { ...started, cookie, post, get, folder: started.gateway.rules.folder.dir };
}

const GAS_RULE = `version: 1
rules:
  - id: gas.lel
    name: { zh: 燃气浓度超限, en: Gas concentration high }
    selector: { kinds: [gas_detector] }
    condition: { type: threshold, field: gas_lel, op: '>=', value: 20, clear: { op: '<', value: 10 } }
    severity: critical
    category: emergency.gas_leak
    message: { zh: '燃气浓度 {gas_lel} %LEL', en: 'Gas at {gas_lel} %LEL' }
    actions:
      - type: command
        target: {}
        command: { valve: close }
`;
const BROKEN = GAS_RULE.replace('value: 20, clear', 'value: high, clear').replace(
  'severity: critical',
  'severity: dire',
);

/** What `gridlink-gateway rules check <name>` prints for `text`. */
async function cliCheck(name: string, text: string) {
  const dir = await mkdtemp(join(tmpdir(), 'gridlink-rules-check-'));
  cleanup.push(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, name), text);
  let stdout = '';
  let stderr = '';
  const code = await runCli(['rules', 'check', name], {
    stdout: { write: (chunk: string) => (stdout += chunk) },
    stderr: { write: (chunk: string) => (stderr += chunk) },
    env: {},
    cwd: dir,
  });
  return { code, stdout, stderr: stderr.trimEnd().split('\n') };
}

describe('the console’s rules API', () => {
  it('refuses every name that leaves the rules folder, and writes nothing outside it', async () => {
    const { post, folder } = await start();
    const outside = join(dirname(folder), 'escaped.yaml');
    for (const name of [
      '..%2Fescaped.yaml',
      '%2E%2E%2Fescaped.yaml',
      'gas%00.yaml',
      '%2Ftmp%2Fescaped.yaml',
      'a%5C..%5Cescaped.yaml',
      '.hidden.yaml',
      'rules.txt',
      '..%2F..%2Fetc%2Fpasswd',
    ]) {
      const saved = await post(`rules/files/${name}`, { text: GAS_RULE });
      expect(saved.status, name).toBe(400);
      expect(saved.body.detail, name).toMatch(/^name: /);
      const removed = await post(`rules/files/${name}/delete`);
      expect(removed.status, name).toBe(400);
    }
    expect(existsSync(outside)).toBe(false);
    expect(existsSync('/tmp/escaped.yaml')).toBe(false);
  });

  it('checks text as you type with exactly the lines `rules check` prints, each with its line and field', async () => {
    const { post } = await start();
    const broken = await post('rules/check', { name: 'gas.yaml', text: BROKEN });
    expect(broken.status).toBe(200);
    const cli = await cliCheck('gas.yaml', BROKEN);
    expect(cli.code).not.toBe(0);
    expect([`gridlink-gateway: ${broken.body.summary}`, ...broken.body.errors]).toEqual(cli.stderr);
    expect(broken.body.issues).toEqual([
      expect.objectContaining({ line: 6, field: 'rules.0.condition.value' }),
      expect.objectContaining({ line: 7, field: 'rules.0.severity' }),
    ]);

    const fine = await post('rules/check', { name: 'gas.yaml', text: GAS_RULE });
    expect(fine.body.ok).toBe(true);
    expect(fine.body.report).toBe((await cliCheck('gas.yaml', GAS_RULE)).stdout);
    expect(fine.body.rules[0]).toMatchObject({ id: 'gas.lel', what: expect.stringContaining('gas_lel >= 20') });

    const yaml = await post('rules/check', { name: 'gas.yaml', text: 'rules: [\n' });
    expect(yaml.body.issues[0]).toEqual({
      line: 1,
      column: expect.any(Number),
      message: expect.any(String),
      text: expect.stringMatching(/^gas\.yaml:1:/),
    });
    expect((await post('rules/check', { name: 'gas.yaml' })).body.detail).toMatch(/^text: /);
  });

  it('saves a valid file into the rules folder and reloads it; refuses a broken one without writing it', async () => {
    const { post, get, folder, gateway, registry } = await start();
    expect((await get('rules')).body).toMatchObject({ inForce: 0, load: { ok: true }, files: [] });

    const saved = await post('rules/files/gas.yaml', { text: GAS_RULE, create: true });
    expect(saved.status).toBe(200);
    expect(saved.body.reload).toEqual({ ok: true, rules: 1 });
    expect(readFileSync(join(folder, 'gas.yaml'), 'utf8')).toBe(GAS_RULE);
    expect(gateway.rules.ruleFiles().inForce).toBe(1);
    expect(saved.body.rules.files).toEqual([
      expect.objectContaining({ name: 'gas.yaml', source: 'folder', state: 'loaded', rules: 1, issues: [] }),
    ]);
    expect((await post('rules/files/gas.yaml', { text: GAS_RULE, create: true })).status).toBe(409);

    const refused = await post('rules/files/gas.yaml', { text: BROKEN });
    expect(refused.status).toBe(422);
    expect(refused.body.detail).toContain('gas.yaml:6:');
    expect(refused.body.detail).toContain('rules.0.condition.value');
    expect(readFileSync(join(folder, 'gas.yaml'), 'utf8')).toBe(GAS_RULE);
    expect(gateway.rules.ruleFiles().inForce).toBe(1);

    // The same rule id in a second file is refused as the loader would.
    const twice = await post('rules/files/gas2.yaml', { text: GAS_RULE });
    expect(twice.status).toBe(422);
    expect(twice.body.detail).toContain('rule id gas.lel is also defined in gas.yaml');

    const deleted = await post('rules/files/gas.yaml/delete');
    expect(deleted.body.reload).toEqual({ ok: true, rules: 0 });
    expect((await post('rules/files/gas.yaml/delete')).status).toBe(404);
    expect(registry.auditLog().map((entry) => [entry.action, entry.target ?? null])).toEqual([
      ['rules.delete', 'gas.yaml'],
      ['rules.create', 'gas.yaml'],
      ['login', null],
    ]);
  });

  it('lists a configured file outside the folder read-only, beside the folder’s own', async () => {
    const configured = join(testDataDir(), 'community.yaml');
    writeFileSync(configured, GAS_RULE);
    const started = await startConsoleGateway({ config: { rules: { files: [configured] } } });
    cleanup.push(() => started.stop());
    const cookie = await started.signIn(started.installer.username, started.installer.password);
    const response = await fetch(`${started.base}/api/console/rules`, { headers: { cookie } });
    const listed = (await response.json()) as { files: unknown[] };
    expect(listed).toMatchObject({ inForce: 1, load: { ok: true } });
    expect(listed.files).toEqual([
      expect.objectContaining({ name: configured, source: 'config', state: 'loaded', issues: [], rules: 1 }),
    ]);
  });

  it('keeps the last good rules when a file is broken on disk, and says which file and why', async () => {
    const { post, get, folder, gateway } = await start();
    await post('rules/files/gas.yaml', { text: GAS_RULE });
    // Written by hand (an editor over SSH): the watcher reloads, the loader refuses it.
    writeFileSync(join(folder, 'gas.yaml'), BROKEN);
    await expect.poll(() => gateway.rules.ruleFiles().load.ok, { timeout: 10_000 }).toBe(false);
    const listed = (await get('rules')).body;
    expect(listed.inForce).toBe(1);
    expect(listed.load.ok).toBe(false);
    expect(listed.files[0]).toMatchObject({ name: 'gas.yaml', state: 'broken', rules: 0 });
    expect(listed.files[0].issues.map((issue: { field: string }) => issue.field)).toEqual([
      'rules.0.condition.value',
      'rules.0.severity',
    ]);
    // A valid second file waits: the set is loaded whole or not at all.
    await post('rules/files/door.yaml', {
      text: GAS_RULE.replace('id: gas.lel', 'id: gas.other'),
    });
    expect((await get('rules')).body.files.map((file: { state: string }) => file.state)).toEqual(['waiting', 'broken']);
    // Fixed through the console: everything loads again.
    const fixed = await post('rules/files/gas.yaml', { text: GAS_RULE });
    expect(fixed.body.reload).toEqual({ ok: true, rules: 2 });
  });

  it('lists the built-in templates with their parameters and adds one to a file with the installer’s values', async () => {
    const { post, get } = await start();
    const { templates } = (await get('rules/templates')).body;
    const gas = templates.find((template: { id: string }) => template.id === 'builtin.gas.lel');
    expect(gas.params.map((param: { key: string }) => param.key)).toEqual(['gasLelPercent', 'gasClearLelPercent']);
    expect(gas.params[0]).toMatchObject({ type: 'number', unit: '%LEL', default: 20, name: { zh: '燃气报警浓度' } });

    const added = await post('rules/templates/add', {
      template: 'builtin.gas.lel',
      params: { gasLelPercent: 30, gasClearLelPercent: '12' },
      text: '',
    });
    expect(added.status).toBe(200);
    const checked = await post('rules/check', { name: 'new.yaml', text: added.body.text });
    expect(checked.body.rules).toEqual([
      expect.objectContaining({ id: 'builtin.gas.lel', what: expect.stringContaining('gas_lel >= 30 (clears < 12)') }),
    ]);
    // Added to an existing file, its rules and comments kept.
    const more = await post('rules/templates/add', {
      template: 'builtin.smoke.alarm',
      params: {},
      text: `# our rules\n${GAS_RULE}`,
    });
    expect(more.body.text.startsWith('# our rules\n')).toBe(true);
    expect(
      (await post('rules/check', { text: more.body.text })).body.rules.map((rule: { id: string }) => rule.id),
    ).toEqual(['gas.lel', 'builtin.smoke.alarm']);

    const bad = await post('rules/templates/add', {
      template: 'builtin.gas.lel',
      params: { gasLelPercent: 'lots' },
      text: '',
    });
    expect(bad.status).toBe(400);
    expect(bad.body.detail).toMatch(/^params\.gasLelPercent: expected a number above 0/);
    expect((await post('rules/templates/add', { template: 'builtin.nope', params: {} })).body.detail).toMatch(
      /^template: /,
    );
    expect((await post('rules/templates/add', { template: 'builtin.gas.lel', text: 'rules: [' })).body.detail).toMatch(
      /^text: /,
    );
  });

  it('dry-runs a file on a device’s recorded messages or pasted ones: what fires and what it would do, nothing sent', async () => {
    const { post, get, gateway, devices } = await start();
    const gas = devices.find((issued) => issued.device.id === GAS_ID);
    if (!gas) throw new Error('no gas detector');
    const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${gateway.ports.tcp}`, {
      clientId: GAS_ID,
      username: GAS_ID,
      password: gas.password,
      reconnectPeriod: 0,
    });
    cleanup.push(() => client.endAsync(true));
    const commands: string[] = [];
    client.on('message', (_topic, payload) => commands.push(payload.toString()));
    await client.subscribeAsync(`gridlink/${GAS_ID}/set`, { qos: 1 });
    await client.publishAsync(`gridlink/${GAS_ID}`, JSON.stringify({ gas_lel: 2 }), { qos: 1 });
    await client.publishAsync(`gridlink/${GAS_ID}`, JSON.stringify({ gas_lel: 40 }), { qos: 1 });
    await expect
      .poll(async () => (await get('rules/recorded')).body.devices)
      .toEqual([expect.objectContaining({ id: GAS_ID, count: 2 })]);

    const run = await post('rules/dry-run', { text: GAS_RULE, device: GAS_ID });
    expect(run.status).toBe(200);
    expect(run.body.replayed).toBe(2);
    expect(run.body.transitions).toEqual([
      expect.objectContaining({
        type: 'raised',
        ruleId: 'gas.lel',
        deviceId: GAS_ID,
        severity: 'critical',
        message: { zh: '燃气浓度 40 %LEL', en: 'Gas at 40 %LEL' },
        actions: ['command {valve: close} to the alerting device'],
      }),
    ]);
    expect(run.body.report).toMatch(/2 records replayed to .*: 1 raised, 0 cleared, 1 active at the end/);
    // Nothing ran for real: no alert, no command.
    expect(gateway.rules.active()).toEqual([]);
    expect(gateway.rules.actionStats()).toMatchObject({ commands: 0, webhooks: 0 });

    const pasted = await post('rules/dry-run', {
      text: GAS_RULE,
      messages: [
        JSON.stringify({
          at: '2026-11-25T14:52:18.646Z',
          device: { id: GAS_ID, kind: 'gas_detector' },
          topic: `gridlink/${GAS_ID}`,
          payload: { gas_lel: 25 },
        }),
        'not json',
      ].join('\n'),
    });
    expect(pasted.body.transitions.map((t: { type: string }) => t.type)).toEqual(['raised']);
    expect(pasted.body.problems).toEqual([{ line: 2, message: expect.stringContaining('invalid JSON') }]);

    expect((await post('rules/dry-run', { text: GAS_RULE })).body.detail).toMatch(/^device: /);
    expect((await post('rules/dry-run', { text: GAS_RULE, device: 'dc-b1-u1-0101' })).body.detail).toMatch(/^device: /);
    expect((await post('rules/dry-run', { text: BROKEN, device: GAS_ID })).status).toBe(422);
    expect(commands).toEqual([]);
  });
});
