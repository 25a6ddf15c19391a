import { type CloudEvent, createCloudEvent, type Severity } from '@gridlink/protocol';
import { describe, expect, it } from 'vitest';
import { api, BACKENDS, registerGateway, TEST_ADMIN_TOKEN, useTestCloud } from '../test-support.js';

const HOME = '320803001001';
const HOME_GRID = '320803001001001';
const ELSEWHERE = '320803002001';
const DEVICE = 'gas-b3-u2-0401';
const AT = '2026-11-25T08:00:00.000Z';

let seq = 0;

function alertEvent(
  gateway: string,
  type: 'raised' | 'updated',
  alertId: string,
  options: { severity?: Severity; place?: Record<string, unknown>; device?: string } = {},
): CloudEvent {
  seq++;
  const device = options.device ?? DEVICE;
  return createCloudEvent({
    id: `evt-scope-${seq}`,
    type: `cn.gridlink.alert.${type}.v1`,
    gatewayId: gateway,
    deviceId: device,
    time: AT,
    priority: 'alarm',
    data: {
      alert_id: alertId,
      rule_id: 'gas.leak',
      device_id: device,
      state: 'active',
      severity: options.severity ?? 'major',
      category: 'emergency.gas_leak',
      since: AT,
      last_seen: AT,
      occurrences: 1,
      message: { zh: '燃气泄漏', en: 'Gas leak' },
      place: options.place ?? { community: HOME, grid: HOME_GRID, building: '3', unit: '2', floor: 4 },
    },
  } as never) as CloudEvent;
}

function clearedEvent(gateway: string, alertId: string): CloudEvent {
  seq++;
  return createCloudEvent({
    id: `evt-scope-${seq}`,
    type: 'cn.gridlink.alert.cleared.v1',
    gatewayId: gateway,
    deviceId: DEVICE,
    time: AT,
    priority: 'alarm',
    data: { alert_id: alertId, rule_id: 'gas.leak', device_id: DEVICE, cleared_at: AT, reason: 'condition_false' },
  } as never) as CloudEvent;
}

/**
 * A gateway's token acts only within the community the gateway serves and on its own alerts: alert
 * ids and dedup keys belong to one gateway, and an alert placed elsewhere is refused at intake.
 */
describe.each(BACKENDS)('what a gateway’s token reaches (%s)', (backend) => {
  const cloud = useTestCloud(backend);
  const send = async (gateway: string, token: string, events: CloudEvent[]) => {
    const response = await api<{ results: Array<{ id: string; status: string; error?: string }> }>(
      cloud(),
      'POST',
      `/api/v1/gateways/${gateway}/events`,
      { token, rawBody: JSON.stringify(events), contentType: 'application/cloudevents-batch+json' },
    );
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    return response.body.results;
  };
  /** Waits until the alert intake has recorded `event` as evidence of some incident (it was handled). */
  const handled = async (event: CloudEvent) => {
    await expect
      .poll(
        async () =>
          (
            await cloud().db.query('SELECT 1 FROM incident_evidence WHERE source_key = $1', [
              `${event.source}#${event.id}`,
            ])
          ).rows.length,
        { timeout: 30_000 },
      )
      .toBe(1);
  };
  const incidentOf = async (gateway: string, alertId: string) => {
    const { rows } = await cloud().db.query<{ id: string; severity: string; occurrences: number }>(
      'SELECT id, severity, occurrences FROM incidents WHERE gateway_id = $1 AND alert_id = $2',
      [gateway, alertId],
    );
    return rows[0];
  };

  it('attack: another gateway’s token cannot add evidence to, raise or clear a gateway’s incident by its alert id', async () => {
    const own = await registerGateway(cloud(), `gw-own-${backend}`, HOME);
    const other = await registerGateway(cloud(), `gw-other-${backend}`, ELSEWHERE);
    const raised = alertEvent(`gw-own-${backend}`, 'raised', 'al-gas-1');
    await send(`gw-own-${backend}`, own, [raised]);
    await handled(raised);
    const incident = await incidentOf(`gw-own-${backend}`, 'al-gas-1');
    expect(incident).toMatchObject({ severity: 'major', occurrences: 1 });

    // The other gateway names the same alert id, in its own community.
    const place = { community: ELSEWHERE, building: '1', unit: '1' };
    const cleared = clearedEvent(`gw-other-${backend}`, 'al-gas-1');
    const results = await send(`gw-other-${backend}`, other, [
      alertEvent(`gw-other-${backend}`, 'updated', 'al-gas-1', { severity: 'critical', place }),
      cleared,
    ]);
    expect(results.map((result) => result.status)).toEqual(['accepted', 'accepted']);
    await handled(cleared);
    const evidence = await cloud().db.query<{ source_key: string }>(
      'SELECT source_key FROM incident_evidence WHERE incident_id = $1',
      [incident?.id],
    );
    expect(evidence.rows.map((row) => row.source_key).filter((key) => key.includes('gw-other'))).toEqual([]);
    expect(await incidentOf(`gw-own-${backend}`, 'al-gas-1')).toEqual(incident);
    // Its own alert of that id is its own incident, in its own community.
    const { rows } = await cloud().db.query<{ community: string }>(
      'SELECT community FROM incidents WHERE gateway_id = $1',
      [`gw-other-${backend}`],
    );
    expect(rows).toEqual([{ community: ELSEWHERE }]);
  });

  it('attack: a second gateway of the same community does not merge its alerts into the first one’s incident', async () => {
    const first = await registerGateway(cloud(), `gw-first-${backend}`, HOME);
    const second = await registerGateway(cloud(), `gw-second-${backend}`, HOME);
    const placeOf = { community: HOME, grid: HOME_GRID, building: '8', unit: '1', floor: 2 };
    const firstAlert = alertEvent(`gw-first-${backend}`, 'raised', 'al-first', { place: placeOf });
    await send(`gw-first-${backend}`, first, [firstAlert]);
    await handled(firstAlert);
    const before = await incidentOf(`gw-first-${backend}`, 'al-first');
    const secondAlert = alertEvent(`gw-second-${backend}`, 'raised', 'al-second', {
      place: placeOf,
      severity: 'critical',
    });
    await send(`gw-second-${backend}`, second, [secondAlert]);
    await handled(secondAlert);
    expect(await incidentOf(`gw-first-${backend}`, 'al-first')).toEqual(before);
    expect(await incidentOf(`gw-second-${backend}`, 'al-second')).toMatchObject({ severity: 'critical' });
  });

  it('attack: a forged alert placed in another gateway’s grid opens no incident there', async () => {
    const forger = await registerGateway(cloud(), `gw-forger-${backend}`, ELSEWHERE);
    const results = await send(`gw-forger-${backend}`, forger, [
      alertEvent(`gw-forger-${backend}`, 'raised', 'al-forged-1', { severity: 'critical' }),
      alertEvent(`gw-forger-${backend}`, 'raised', 'al-forged-2', {
        severity: 'critical',
        place: { community: ELSEWHERE, grid: HOME_GRID },
      }),
    ]);
    expect(results.map((result) => result.status)).toEqual(['rejected', 'rejected']);
    expect(results[0]?.error).toMatch(/data\.place\.community: "320803001001" is not community 320803002001/);
    expect(results[1]?.error).toMatch(/data\.place\.grid: "320803001001001" is not a grid of community 320803002001/);
    const { rows } = await cloud().db.query('SELECT id FROM incidents WHERE gateway_id = $1', [`gw-forger-${backend}`]);
    expect(rows).toEqual([]);
  });

  it('attack: a gateway registered without a community cannot place alerts anywhere until one is set', async () => {
    const registered = await api<{ token: string }>(cloud(), 'POST', '/api/v1/gateways', {
      token: TEST_ADMIN_TOKEN,
      body: { id: `gw-nowhere-${backend}` },
    });
    const token = registered.body.token;
    const refused = await send(`gw-nowhere-${backend}`, token, [
      alertEvent(`gw-nowhere-${backend}`, 'raised', 'al-nowhere'),
    ]);
    expect(refused[0]).toMatchObject({ status: 'rejected', error: expect.stringMatching(/no community on record/) });
    const set = await api(cloud(), 'PUT', `/api/v1/gateways/gw-nowhere-${backend}/community`, {
      token: TEST_ADMIN_TOKEN,
      body: { community: HOME },
    });
    expect(set.status).toBe(200);
    const accepted = await send(`gw-nowhere-${backend}`, token, [
      alertEvent(`gw-nowhere-${backend}`, 'raised', 'al-nowhere'),
    ]);
    expect(accepted[0]?.status).toBe('accepted');
    // Only the admin token sets it.
    const byGateway = await api(cloud(), 'PUT', `/api/v1/gateways/gw-nowhere-${backend}/community`, {
      token,
      body: { community: ELSEWHERE },
    });
    expect(byGateway.status).toBe(401);
  });
});
