import { createHash } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { OnvifCameraSimulator } from '@gridlink/simulators';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { GatewayConfigInput } from '../config/schema.js';
import { InMemoryDirectory } from '../devices/directory.js';
import { Gateway } from '../gateway.js';
import { builtinRuleFile } from '../rules/templates.js';
import { testDataDir, testDevice, testGatewayConfig } from '../test-support.js';
import { startTestCloud, TEST_ADMIN_TOKEN, type TestCloud } from './test-cloud.js';

const GATEWAY = 'gw-evidence';
const CAMERA = 'cam-gate-01';
const CAMERA_PASSWORD = 'camera-secret-1';
const POLL = { timeout: 20_000, interval: 50 };

const cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

interface SnapshotRow {
  upload_id: string;
  device_id: string;
  alert_id: string | null;
  request_id: string | null;
  sha256: string;
  received_at: Date;
}

/** A simulated camera, a gateway with the built-in rules (camera tamper → alert) and a real cloud. */
async function system(attachments: NonNullable<GatewayConfigInput['uplink']>['attachments'] = {}) {
  const cloud: TestCloud = await startTestCloud(GATEWAY);
  cleanup.push(() => cloud.stop());
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const helloPort = socket.address().port;
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  const camera = new OnvifCameraSimulator({
    id: CAMERA,
    username: 'admin',
    password: CAMERA_PASSWORD,
    announceTo: [{ host: '127.0.0.1', port: helloPort }],
  });
  await camera.start();
  cleanup.push(() => camera.stop());
  const dataDir = testDataDir();
  const rulesFile = join(dataDir, 'rules.yaml');
  writeFileSync(rulesFile, builtinRuleFile());
  const config = testGatewayConfig({
    gateway: { id: GATEWAY, community: '320803001001', data_dir: dataDir },
    rules: { files: [rulesFile] },
    uplink: {
      enabled: true,
      url: cloud.url,
      token: cloud.token,
      backoff_initial_ms: 50,
      backoff_max_ms: 400,
      request_timeout_ms: 2000,
      downlink_wait_s: 1,
      attachments,
    },
    onvif: {
      enabled: true,
      cameras: [
        {
          id: CAMERA,
          probe: `127.0.0.1:${camera.discoveryPort}`,
          username: 'admin',
          password_env: 'CAM_GATE_01_PASSWORD',
        },
      ],
      discovery: { multicast: false, listen_hello: true, timeout_ms: 500 },
    },
  });
  const lines: string[] = [];
  const logger = pino(
    { level: 'info' },
    new Writable({
      write(chunk, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    }),
  );
  const directory = new InMemoryDirectory([await testDevice(CAMERA, 'onvif_camera', 'unused-mqtt-password')], []);
  const gateway = new Gateway({
    config,
    directory,
    logger,
    onvif: {
      env: { CAM_GATE_01_PASSWORD: CAMERA_PASSWORD },
      timing: { windowS: 4, pullTimeoutS: 1, requestTimeoutMs: 3000, checkIntervalMs: 500 },
      helloPort,
    },
  });
  await gateway.start();
  cleanup.push(() => gateway.stop());
  await expect.poll(() => gateway.onvif?.cameraHealth()[0], POLL).toMatchObject({ subscribed: true });
  const snapshots = () =>
    cloud.query<SnapshotRow>(
      'SELECT upload_id, device_id, alert_id, request_id, sha256, received_at FROM camera_snapshots ORDER BY received_at',
    );
  const alertRaised = async () => {
    const rows = await cloud.query<{ alert_id: string; received_at: Date }>(
      `SELECT data->>'alert_id' AS alert_id, received_at FROM gateway_events WHERE type = 'cn.gridlink.alert.raised.v1'`,
    );
    return rows[0];
  };
  return { cloud, camera, gateway, dataDir, lines, snapshots, alertRaised };
}

describe('camera evidence from the gateway to the cloud', () => {
  it('sends the snapshot of a camera alert after the alert, linked by its alert id, even when both waited for the link', async () => {
    const { cloud, camera, gateway, dataDir, snapshots, alertRaised } = await system();
    cloud.proxy.set({ kind: 'refuse' }, { cut: true });
    camera.setTamper(true);
    const uplink = gateway.uplink;
    // Both wait in the outbox: the alarm, and the picture behind it.
    await expect.poll(() => uplink?.stats().attachments.waiting, POLL).toBe(1);
    expect(uplink?.outbox.hasUrgent()).toBe(true);
    cloud.proxy.set({ kind: 'pass' });

    await expect.poll(async () => (await snapshots()).length, POLL).toBe(1);
    const [snapshot] = await snapshots();
    const alert = await alertRaised();
    expect(snapshot).toMatchObject({ device_id: CAMERA, alert_id: alert?.alert_id, request_id: null });
    // The alarm went first.
    expect(alert?.received_at.getTime()).toBeLessThanOrEqual(snapshot?.received_at.getTime() ?? 0);
    // The bytes are the snapshot the camera event fetched.
    const ref = (
      await cloud.query<{ ref: string }>(
        `SELECT data->'evidence'->>'snapshot_ref' AS ref FROM gateway_events WHERE type = 'cn.gridlink.alert.raised.v1'`,
      )
    )[0]?.ref as string;
    expect(snapshot?.sha256).toBe(
      createHash('sha256')
        .update(readFileSync(join(dataDir, ref)))
        .digest('hex'),
    );
    await expect.poll(() => uplink?.stats().attachments, POLL).toMatchObject({ waiting: 0, sent: 1, refused: 0 });
  });

  it('answers a fresh-snapshot request of the cloud with a new picture of the camera', async () => {
    const { cloud, camera, snapshots } = await system();
    camera.setTamper(true);
    await expect.poll(async () => (await snapshots()).length, POLL).toBe(1);
    const alertId = (await snapshots())[0]?.alert_id as string;
    const incident = await (async () => {
      let id: string | undefined;
      await expect
        .poll(async () => {
          id = (
            await cloud.query<{ incident_id: string }>(
              'SELECT incident_id FROM incident_alerts WHERE gateway_id = $1 AND alert_id = $2',
              [GATEWAY, alertId],
            )
          )[0]?.incident_id;
          return id;
        }, POLL)
        .toBeDefined();
      return id as string;
    })();
    // As the incident page's request does: recorded, then sent down to the gateway.
    await cloud.query(
      `INSERT INTO snapshot_requests (id, incident_id, gateway_id, device_ids, requested_by, requested_at, deadline)
       VALUES ('req-fresh-1', $1, $2, $3, 'test', now(), now() + interval '1 minute')`,
      [incident, GATEWAY, [CAMERA]],
    );
    const queued = await fetch(`${cloud.cloud.url}/api/v1/gateways/${GATEWAY}/downlink`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        id: 'snapshot.req-fresh-1',
        type: 'camera.snapshot',
        created_at: new Date().toISOString(),
        data: { request_id: 'req-fresh-1', incident_id: incident, device_ids: [CAMERA] },
      }),
    });
    expect(queued.status).toBe(201);
    await expect
      .poll(async () => (await snapshots()).find((row) => row.request_id === 'req-fresh-1'), POLL)
      .toMatchObject({ device_id: CAMERA, alert_id: null, upload_id: `req-fresh-1.${CAMERA}` });
    const ack = await cloud.query<{ result: string }>("SELECT result FROM downlink WHERE id = 'snapshot.req-fresh-1'");
    expect(ack).toEqual([{ result: 'applied' }]);
  });

  it('refuses a snapshot over uplink.attachments.max_bytes on the gateway, saying so, and the alert still goes up', async () => {
    const { cloud, camera, gateway, lines, snapshots, alertRaised } = await system({ max_bytes: 1024 });
    camera.setTamper(true);
    await expect.poll(alertRaised, POLL).toBeDefined();
    await expect.poll(() => gateway.uplink?.stats().attachments.refused, POLL).toBe(1);
    // Counted where installers look (bridge/request/outbox/status answers these stats).
    expect(gateway.uplink?.stats().attachments.lastError).toContain('uplink.attachments.max_bytes');
    const refusal = lines
      .map((line) => JSON.parse(line) as { msg: string; level: number })
      .find((line) => line.msg.includes('uplink.attachments.max_bytes'));
    expect(refusal?.level).toBe(50);
    expect(refusal?.msg).toMatch(/over uplink\.attachments\.max_bytes \(1024\): not sent .*the alert goes without it/);
    expect(await snapshots()).toEqual([]);
    expect(cloud.proxy.connections).toBeGreaterThan(0);
  });
});
