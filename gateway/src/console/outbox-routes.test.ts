import { join } from 'node:path';
import type { CloudEvent } from '@gridlink/protocol';
import Database from 'better-sqlite3';
import mqtt from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestCloud } from '../uplink/test-cloud.js';
import { startConsoleGateway } from './console-test-support.js';

const cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

const GATEWAY = 'gw-test';
const GAS_ID = 'gas-b2-u1-0601';
const GAS_RULE = `version: 1
rules:
  - id: gas.lel
    name: { zh: 燃气浓度超限, en: Gas concentration high }
    selector: { kinds: [gas_detector] }
    condition: { type: threshold, field: gas_lel, op: '>=', value: 20, clear: { op: '<', value: 10 } }
    severity: critical
    category: emergency.gas_leak
    message: { zh: '燃气浓度 {gas_lel} %LEL', en: 'Gas at {gas_lel} %LEL' }
`;

// biome-ignore lint/suspicious/noExplicitAny: test reads of JSON answers
type Answer = { status: number; body: any };

/**
 * A gateway whose cloud has no community on record for it: the cloud refuses its alerts that
 * name a place (a real refusal of the real intake), until the community is set.
 */
async function system() {
  const cloud = await startTestCloud(GATEWAY, { community: null });
  cleanup.push(() => cloud.stop());
  const started = await startConsoleGateway({
    devices: [{ id: GAS_ID, kind: 'gas_detector', building: '2', unit: '1' }],
    config: {
      // The inventory names places too: off, so the alert is the one refused event.
      inventory: { enabled: false },
      uplink: {
        enabled: true,
        url: cloud.url,
        token: cloud.token,
        backoff_initial_ms: 50,
        backoff_max_ms: 400,
        request_timeout_ms: 2000,
        downlink: false,
      },
    },
  });
  cleanup.push(() => started.stop());
  const installer = await started.signIn(started.installer.username, started.installer.password);
  const observer = await started.signIn(started.observer.username, started.observer.password);
  const call = async (path: string, body?: unknown, cookie = installer): Promise<Answer> => {
    const response = await fetch(`${started.base}/api/console/${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { cookie, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, body: await response.json() };
  };
  expect((await call('rules/files/gas.yaml', { text: GAS_RULE })).body.reload.ok).toBe(true);
  const gas = started.devices[0];
  if (!gas) throw new Error('no gas detector');
  const device = await mqtt.connectAsync(`mqtt://127.0.0.1:${started.gateway.ports.tcp}`, {
    clientId: GAS_ID,
    username: GAS_ID,
    password: gas.password,
    reconnectPeriod: 0,
  });
  cleanup.push(() => device.endAsync(true));
  const gasAt = (lel: number) =>
    device.publishAsync(`gridlink/${GAS_ID}`, JSON.stringify({ gas_lel: lel }), { qos: 1 });
  const quarantined = async () => (await call('outbox')).body.quarantined as Array<Record<string, unknown>>;
  return { ...started, cloud, call, installer, observer, gasAt, quarantined };
}

describe('the console’s outbox API', () => {
  it('shows an event the cloud refused with its error; resending delivers it once, with no second incident', async () => {
    const { cloud, call, observer, gasAt, quarantined, gateway, registry } = await system();
    await gasAt(40);
    await expect.poll(quarantined, { timeout: 20_000 }).toHaveLength(1);
    const [event] = await quarantined();
    const alertId = gateway.rules.active()[0]?.alert_id;
    expect(event).toMatchObject({
      priority: 'alarm',
      type: 'cn.gridlink.alert.raised.v1',
      deviceId: GAS_ID,
      id: expect.any(String),
      error: expect.stringContaining(`gateway ${GATEWAY} has no community on record`),
      preview: expect.stringContaining(alertId ?? 'no alert'),
    });
    const status = (await call('outbox')).body;
    expect(status).toMatchObject({ enabled: true, link: 'online', depth: { alarm: 0 } });
    expect(status.oldestAgeMs).toEqual({ alarm: null, state: null, telemetry: null });

    // The event as stored, to send once more later, as a second resend would.
    const outboxDb = new Database(join(gateway.rules.folder.dir, '..', 'outbox.db'), { readonly: true });
    const body = (outboxDb.prepare('SELECT body FROM quarantine').get() as { body: string }).body;
    outboxDb.close();

    expect((await call(`outbox/quarantine/${event?.seq}/resend`, {}, observer)).status).toBe(403);
    const noReason = await call(`outbox/quarantine/${event?.seq}/discard`, { reason: ' ' });
    expect(noReason.status).toBe(400);
    expect(noReason.body.detail).toMatch(/^reason: /);
    expect((await call('outbox/quarantine/abc/resend', {})).body.detail).toMatch(/^seq: /);

    // The cloud's operator sets the community; the installer sends the event again.
    await cloud.cloud.registry.setCommunity(GATEWAY, '320803001001');
    const resent = await call(`outbox/quarantine/${event?.seq}/resend`, {});
    expect(resent.status).toBe(200);
    expect(resent.body.resent).toBe(1);
    const delivered = async () =>
      (await cloud.events()).filter((row) => row.type === 'cn.gridlink.alert.raised.v1').map((row) => row.id);
    await expect.poll(delivered, { timeout: 20_000 }).toEqual([event?.id]);
    await expect.poll(quarantined).toEqual([]);
    expect((await call(`outbox/quarantine/${event?.seq}/resend`, {})).status).toBe(404);
    const incidents = () =>
      cloud.query<{ n: string }>('SELECT count(*) AS n FROM incidents WHERE alert_id = $1', [alertId]);
    await expect.poll(async () => (await incidents())[0]?.n, { timeout: 10_000 }).toBe('1');

    // Sent once more with the same id (a second resend): the cloud knows it, files nothing new.
    const before = gateway.uplink?.stats().sender.duplicates ?? 0;
    await gateway.uplink?.outbox.append(JSON.parse(body) as CloudEvent);
    gateway.uplink?.resend([]);
    await expect.poll(() => gateway.uplink?.stats().sender.duplicates, { timeout: 20_000 }).toBe(before + 1);
    expect(await delivered()).toEqual([event?.id]);
    expect((await incidents())[0]?.n).toBe('1');

    const audit = registry.auditLog().filter((entry) => entry.action.startsWith('outbox.'));
    expect(audit).toEqual([
      expect.objectContaining({
        action: 'outbox.resend',
        target: event?.id,
        username: 'installer-1',
        detail: expect.stringContaining('no community on record'),
      }),
    ]);
  }, 60_000);

  it('discards a refused event with the installer’s reason, audited, and answers with the cloud down', async () => {
    const { cloud, call, gasAt, quarantined, registry } = await system();
    await gasAt(40);
    await expect.poll(quarantined, { timeout: 20_000 }).toHaveLength(1);
    const [event] = await quarantined();
    const discarded = await call(`outbox/quarantine/${event?.seq}/discard`, {
      reason: 'test alarm during commissioning',
    });
    expect(discarded.status).toBe(200);
    expect(discarded.body.outbox.quarantined).toEqual([]);
    expect(registry.auditLog()[0]).toMatchObject({
      action: 'outbox.discard',
      target: event?.id,
      detail: expect.stringContaining('test alarm during commissioning'),
    });

    // The cloud goes away: the page still answers from the gateway's disk, with the link's error.
    cloud.proxy.set({ kind: 'refuse' }, { cut: true });
    await gasAt(2);
    await expect.poll(async () => (await call('outbox')).body.link, { timeout: 20_000 }).toBe('offline');
    const down = (await call('outbox')).body;
    expect(down.lastError).toEqual(expect.any(String));
    expect(down.depth.alarm).toBeGreaterThanOrEqual(1);
    expect(down.oldestAgeMs.alarm).toEqual(expect.any(Number));
    expect((await cloud.events()).map((row) => row.id)).not.toContain(event?.id);
  }, 60_000);

  it('says the uplink is off when it is, and refuses its actions', async () => {
    const started = await startConsoleGateway();
    cleanup.push(() => started.stop());
    const cookie = await started.signIn(started.installer.username, started.installer.password);
    const status = await fetch(`${started.base}/api/console/outbox`, { headers: { cookie } });
    expect(await status.json()).toEqual({ enabled: false });
    const resend = await fetch(`${started.base}/api/console/outbox/quarantine/1/resend`, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(resend.status).toBe(409);
  });
});
