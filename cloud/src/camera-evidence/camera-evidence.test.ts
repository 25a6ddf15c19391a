import { createHash } from 'node:crypto';
import { type CloudEvent, createCloudEvent } from '@gridlink/protocol';
import { describe, expect, it } from 'vitest';
import { signedIn } from '../people/test-support.js';
import { api, manualClock, registerGateway, useTestCloud } from '../test-support.js';

const HOME = '320803001001';
const HOME_GRID = '320803001001001';
const OTHER_GRID = '320803001001002';
const CAMERA = 'cam-gate-01';
const AT = '2026-11-25T08:00:00.000Z';

/** A small valid JPEG's first bytes and a marker: enough for the magic-byte check, distinct per `tag`. */
const jpeg = (tag: string) =>
  Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.from(`jpeg ${tag}`), Buffer.from([0xff, 0xd9])]);
const sha = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

let seq = 0;
function intrusion(gateway: string, alertId: string): CloudEvent {
  seq++;
  return createCloudEvent({
    id: `evt-evidence-${seq}`,
    type: 'cn.gridlink.alert.raised.v1',
    gatewayId: gateway,
    deviceId: CAMERA,
    time: AT,
    priority: 'alarm',
    data: {
      alert_id: alertId,
      rule_id: 'gas.leak',
      device_id: CAMERA,
      state: 'active',
      severity: 'major',
      category: 'emergency.gas_leak',
      since: AT,
      last_seen: AT,
      occurrences: 1,
      message: { zh: '燃气泄漏', en: 'Gas leak' },
      place: { community: HOME, grid: HOME_GRID, building: '3', unit: '2', floor: 4 },
      evidence: { snapshot_ref: `media/${CAMERA}/1.jpg` },
    },
  } as never) as CloudEvent;
}

/**
 * Camera snapshots from a gateway reach the incident born of their alert whichever comes first,
 * stored once per content hash; only people who see the incident see them; a fresh one is asked
 * of the gateway over the downlink and the request ends done, refused or timed out.
 */
describe('camera evidence (postgres)', () => {
  const clock = manualClock(new Date().toISOString());
  const cloud = useTestCloud('postgres', { clock });

  const upload = (gateway: string, token: string, bytes: Buffer, query: Record<string, string>) =>
    fetch(`${cloud().url}/api/v1/gateways/${gateway}/attachments?${new URLSearchParams(query)}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'image/jpeg' },
      body: bytes,
    }).then(async (response) => ({
      status: response.status,
      body: (await response.json()) as Record<string, unknown>,
    }));
  const sendAlert = async (gateway: string, token: string, event: CloudEvent) => {
    const response = await api(cloud(), 'POST', `/api/v1/gateways/${gateway}/events`, {
      token,
      rawBody: JSON.stringify([event]),
      contentType: 'application/cloudevents-batch+json',
    });
    expect(response.status).toBe(200);
  };
  const incidentOf = async (gateway: string, alertId: string) => {
    let id: string | undefined;
    await expect
      .poll(
        async () => {
          const { rows } = await cloud().db.query<{ id: string }>(
            'SELECT incident_id AS id FROM incident_alerts WHERE gateway_id = $1 AND alert_id = $2',
            [gateway, alertId],
          );
          id = rows[0]?.id;
          return id;
        },
        { timeout: 20_000 },
      )
      .toBeDefined();
    return id as string;
  };
  const cameraFiles = async (token: string, incident: string) => {
    const response = await api<{ attachments: Array<{ id: string; tag: string; sha256: string; url: string }> }>(
      cloud(),
      'GET',
      `/api/v1/incidents/${incident}/attachments`,
      { token },
    );
    return {
      status: response.status,
      files: (response.body.attachments ?? []).filter((file) => file.tag === 'camera'),
    };
  };

  it('links a snapshot sent before its alert and one sent after, storing the same picture once; a worker of another grid cannot see it', async () => {
    const token = await registerGateway(cloud(), 'gw-evid', HOME);
    const operator = await signedIn(cloud(), 'evid-operator', [{ role: 'operator', scope: '320803001' }]);
    const worker = await signedIn(cloud(), 'evid-worker', [{ role: 'grid_worker', scope: HOME_GRID }], HOME);
    const stranger = await signedIn(cloud(), 'evid-stranger', [{ role: 'grid_worker', scope: OTHER_GRID }], HOME);
    const picture = jpeg('gate at 08:00');

    // The picture overtakes its alert: kept, waiting for the incident.
    const early = await upload('gw-evid', token, picture, {
      upload_id: 'al-early.1',
      device_id: CAMERA,
      taken_at: AT,
      sha256: sha(picture),
      alert_id: 'al-early',
    });
    expect(early).toEqual({ status: 201, body: { status: 'stored', incident_id: null } });
    await sendAlert('gw-evid', token, intrusion('gw-evid', 'al-early'));
    const first = await incidentOf('gw-evid', 'al-early');
    // Linked once the alert made its incident, before anyone reads the incident's files.
    await expect
      .poll(
        async () =>
          (
            await cloud().db.query<{ incident_id: string }>(
              `SELECT a.incident_id FROM camera_snapshots s JOIN attachments a ON a.id = s.attachment_id
                WHERE s.gateway_id = 'gw-evid' AND s.upload_id = 'al-early.1'`,
            )
          ).rows[0]?.incident_id,
        { timeout: 20_000 },
      )
      .toBe(first);
    const listed = await cameraFiles(operator.token, first);
    expect(listed.files).toHaveLength(1);
    expect(listed.files[0]?.sha256).toBe(sha(picture));

    // The alert first (a repeat, joining the same incident), then the same picture for it: linked
    // at once; the bytes are stored once.
    await sendAlert('gw-evid', token, intrusion('gw-evid', 'al-late'));
    const second = await incidentOf('gw-evid', 'al-late');
    const late = await upload('gw-evid', token, picture, {
      upload_id: 'al-late.1',
      device_id: CAMERA,
      taken_at: AT,
      sha256: sha(picture),
      alert_id: 'al-late',
    });
    expect(late).toEqual({ status: 201, body: { status: 'stored', incident_id: second } });
    // A retry of the same upload changes nothing.
    expect(
      (
        await upload('gw-evid', token, picture, {
          upload_id: 'al-late.1',
          device_id: CAMERA,
          taken_at: AT,
          sha256: sha(picture),
          alert_id: 'al-late',
        })
      ).body.status,
    ).toBe('duplicate');
    const blobs = await cloud().db.query<{ n: string }>(
      'SELECT count(*) AS n FROM attachment_blobs WHERE sha256 = $1',
      [sha(picture)],
    );
    expect(Number(blobs.rows[0]?.n)).toBe(1);
    expect(second).toBe(first);
    const both = (await cameraFiles(operator.token, second)).files;
    expect(both.map((file) => file.sha256)).toEqual([sha(picture), sha(picture)]);

    // The grid's worker sees the image through its signed link; a worker of another grid does not.
    const own = await cameraFiles(worker.token, first);
    const file = own.files[0] as { id: string; url: string };
    const image = await fetch(`${cloud().url}${file.url}`);
    expect(image.status).toBe(200);
    expect(image.headers.get('content-type')).toBe('image/jpeg');
    expect(Buffer.from(await image.arrayBuffer())).toEqual(picture);
    expect((await cameraFiles(stranger.token, first)).status).toBe(404);
    const theirs = await fetch(`${cloud().url}/api/v1/attachments/${file.id}`, {
      headers: { authorization: `Bearer ${stranger.token}` },
    });
    expect(theirs.status).toBe(404);
  });

  it('attack: a gateway cannot attach to another gateway’s alert, nor send what is not a JPEG or PNG, nor lie about the hash', async () => {
    const token = await registerGateway(cloud(), 'gw-evid-a', HOME);
    const intruder = await registerGateway(cloud(), 'gw-evid-b', HOME);
    await sendAlert('gw-evid-a', token, intrusion('gw-evid-a', 'al-a'));
    const incident = await incidentOf('gw-evid-a', 'al-a');
    const picture = jpeg('not yours');
    const other = await upload('gw-evid-b', intruder, picture, {
      upload_id: 'x.1',
      device_id: CAMERA,
      taken_at: AT,
      sha256: sha(picture),
      alert_id: 'al-a',
    });
    expect(other.body).toEqual({ status: 'stored', incident_id: null });
    const operator = await signedIn(cloud(), 'evid-operator-2', [{ role: 'operator', scope: '320803001' }]);
    expect((await cameraFiles(operator.token, incident)).files).toEqual([]);
    // Its own token for another gateway's path is refused outright.
    expect(
      (
        await upload('gw-evid-a', intruder, picture, {
          upload_id: 'x.2',
          device_id: CAMERA,
          taken_at: AT,
          sha256: sha(picture),
          alert_id: 'al-a',
        })
      ).status,
    ).toBe(403);

    const html = Buffer.from('<html><script>alert(1)</script></html>');
    const notImage = await upload('gw-evid-a', token, html, {
      upload_id: 'x.3',
      device_id: CAMERA,
      taken_at: AT,
      sha256: sha(html),
      alert_id: 'al-a',
    });
    expect(notImage.status).toBe(415);
    const lie = await upload('gw-evid-a', token, picture, {
      upload_id: 'x.4',
      device_id: CAMERA,
      taken_at: AT,
      sha256: sha(html),
      alert_id: 'al-a',
    });
    expect(lie.status).toBe(400);
    expect(JSON.stringify(lie.body)).toContain('sha256');
    const unnamed = await upload('gw-evid-a', token, picture, {
      upload_id: 'x.5',
      device_id: CAMERA,
      taken_at: AT,
      sha256: sha(picture),
    });
    expect(unnamed.status).toBe(400);
    expect(JSON.stringify(unnamed.body)).toContain('alert_id');
  });

  it('asks the gateway for a fresh snapshot: done when it arrives, failed with the gateway’s reason, or after the timeout', async () => {
    const token = await registerGateway(cloud(), 'gw-evid-r', HOME);
    const dispatcher = await signedIn(cloud(), 'evid-dispatcher', [{ role: 'operator', scope: '320803001' }]);
    const callback = await signedIn(cloud(), 'evid-property', [{ role: 'property_manager', scope: HOME }], HOME);
    await sendAlert('gw-evid-r', token, intrusion('gw-evid-r', 'al-r'));
    const incident = await incidentOf('gw-evid-r', 'al-r');
    const path = `/api/v1/incidents/${incident}/snapshot-requests`;

    // No camera picture on the incident yet: no camera to ask.
    expect((await api(cloud(), 'POST', path, { token: dispatcher.token, body: { request_id: 'req-0' } })).status).toBe(
      400,
    );
    const first = jpeg('at the alert');
    await upload('gw-evid-r', token, first, {
      upload_id: 'al-r.1',
      device_id: CAMERA,
      taken_at: AT,
      sha256: sha(first),
      alert_id: 'al-r',
    });

    expect((await api(cloud(), 'POST', path, { token: callback.token, body: { request_id: 'req-x' } })).status).toBe(
      403,
    );
    const asked = await api<{ state: string; device_ids: string[] }>(cloud(), 'POST', path, {
      token: dispatcher.token,
      body: { request_id: 'req-1' },
    });
    expect(asked.status).toBe(201);
    expect(asked.body).toMatchObject({ state: 'pending', device_ids: [CAMERA] });
    // The same request again (a double click, a retry) is the same request.
    expect((await api(cloud(), 'POST', path, { token: dispatcher.token, body: { request_id: 'req-1' } })).status).toBe(
      200,
    );

    const polled = await api<{ messages: Array<{ id: string; type: string; data: unknown }> }>(
      cloud(),
      'GET',
      '/api/v1/gateways/gw-evid-r/downlink',
      { token },
    );
    expect(polled.body.messages).toEqual([
      expect.objectContaining({
        id: 'snapshot.req-1',
        type: 'camera.snapshot',
        data: { request_id: 'req-1', incident_id: incident, device_ids: [CAMERA] },
      }),
    ]);
    const fresh = jpeg('fresh');
    // A request of another gateway's cannot be answered.
    const stranger = await registerGateway(cloud(), 'gw-evid-s', HOME);
    expect(
      (
        await upload('gw-evid-s', stranger, fresh, {
          upload_id: 'req-1.cam',
          device_id: CAMERA,
          taken_at: AT,
          sha256: sha(fresh),
          request_id: 'req-1',
        })
      ).status,
    ).toBe(404);
    await upload('gw-evid-r', token, fresh, {
      upload_id: 'req-1.cam',
      device_id: CAMERA,
      taken_at: AT,
      sha256: sha(fresh),
      request_id: 'req-1',
    });
    const done = await api<{ state: string; attachment_ids: string[] }>(cloud(), 'GET', `${path}/req-1`, {
      token: dispatcher.token,
    });
    expect(done.body.state).toBe('done');
    expect(done.body.attachment_ids).toHaveLength(1);

    // The gateway could not take one: failed, with its reason.
    await api(cloud(), 'POST', path, { token: dispatcher.token, body: { request_id: 'req-2' } });
    await api(cloud(), 'POST', '/api/v1/gateways/gw-evid-r/downlink/acks', {
      token,
      body: {
        acks: [{ id: 'snapshot.req-2', result: 'rejected', error: 'camera cam-gate-01: snapshot failed: timeout' }],
      },
    });
    const refused = await api<{ state: string; error: string }>(cloud(), 'GET', `${path}/req-2`, {
      token: dispatcher.token,
    });
    expect(refused.body).toMatchObject({
      state: 'failed',
      failure: 'refused',
      error: 'camera cam-gate-01: snapshot failed: timeout',
    });

    // Nobody answers (the gateway's link is down): failed once the timeout passes.
    await api(cloud(), 'POST', path, { token: dispatcher.token, body: { request_id: 'req-3' } });
    expect(
      (await api<{ state: string }>(cloud(), 'GET', `${path}/req-3`, { token: dispatcher.token })).body.state,
    ).toBe('pending');
    clock.advance(31_000);
    const late = await api<{ state: string; error: string }>(cloud(), 'GET', `${path}/req-3`, {
      token: dispatcher.token,
    });
    expect(late.body).toMatchObject({ state: 'failed', failure: 'not_fetched' });
    expect(late.body.error).toMatch(/^timeout/);
  });
});
