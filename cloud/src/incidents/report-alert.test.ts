import { type CloudEvent, createCloudEvent } from '@gridlink/protocol';
import { beforeAll, describe, expect, it } from 'vitest';
import { signedIn } from '../people/test-support.js';
import { api, manualClock, registerGateway, useTestCloud } from '../test-support.js';

const COMMUNITY = '320803001001';
const GRID = '320803001001001';
const OTHER_COMMUNITY = '320803001002';
const GATEWAY = 'gw-320803-101';
const OTHER_GATEWAY = 'gw-320803-102';
const METER = 'water-3-2-0401';
const AT = '2026-11-25T08:00:00.000Z';
const CATEGORY = 'special_population.elderly_welfare';

let seq = 0;
/** The gateway's elderly-no-water alert as its uplink sends it. */
function noWater(gateway: string, alertId: string, community = COMMUNITY): CloudEvent {
  seq++;
  return createCloudEvent({
    id: `evt-no-water-${seq}`,
    type: 'cn.gridlink.alert.raised.v1',
    gatewayId: gateway,
    deviceId: METER,
    time: AT,
    priority: 'alarm',
    data: {
      alert_id: alertId,
      rule_id: 'builtin.elderly.no_water',
      device_id: METER,
      state: 'active',
      severity: 'major',
      category: CATEGORY,
      since: AT,
      last_seen: AT,
      occurrences: 1,
      message: { zh: '独居老人长时间未用水', en: 'Elderly resident used no water' },
      place: { community, grid: `${community}001`, building: '3', unit: '2', floor: 4 },
    },
  } as never) as CloudEvent;
}

/**
 * A report naming the gateway alert it is about (the care-visit flow's) and the alert itself
 * through the gateway's uplink make one incident, whichever reaches the cloud first; a report
 * cannot tie itself to the alert of a gateway outside the community it reports in.
 */
describe('a report about a gateway alert (pglite)', () => {
  const clock = manualClock(AT);
  const cloud = useTestCloud('pglite', { clock });
  const gatewayTokens: Record<string, string> = {};
  let operator = '';
  let otherOperator = '';

  beforeAll(async () => {
    gatewayTokens[GATEWAY] = await registerGateway(cloud(), GATEWAY, COMMUNITY);
    gatewayTokens[OTHER_GATEWAY] = await registerGateway(cloud(), OTHER_GATEWAY, OTHER_COMMUNITY);
    operator = (await signedIn(cloud(), 'care-operator', [{ role: 'operator', scope: COMMUNITY }])).token;
    otherOperator = (await signedIn(cloud(), 'other-operator', [{ role: 'operator', scope: OTHER_COMMUNITY }])).token;
  }, 60_000);

  const sendAlert = async (event: CloudEvent) => {
    const gateway = event.gatewayid;
    const response = await api(cloud(), 'POST', `/api/v1/gateways/${gateway}/events`, {
      token: gatewayTokens[gateway] as string,
      rawBody: JSON.stringify([event]),
      contentType: 'application/cloudevents-batch+json',
    });
    expect(response.status).toBe(200);
  };
  const report = (
    token: string,
    requestId: string,
    alert: { gateway_id: string; alert_id: string },
    community = COMMUNITY,
  ) =>
    api<{ incident: { id: string }; repeated: boolean; code?: string; errors?: Array<{ pointer: string }> }>(
      cloud(),
      'POST',
      '/api/v1/incidents',
      {
        token,
        body: {
          request_id: requestId,
          source: 'property',
          category: CATEGORY,
          title: '独居老人长时间未用水,请上门探访',
          community,
          grid: GRID.startsWith(community) ? GRID : undefined,
          alert,
        },
      },
    );
  const linkOf = async (gateway: string, alertId: string) => {
    const { rows } = await cloud().db.query<{ incident_id: string }>(
      'SELECT incident_id FROM incident_alerts WHERE gateway_id = $1 AND alert_id = $2',
      [gateway, alertId],
    );
    return rows[0]?.incident_id;
  };
  /** The incidents the alert or its report opened: those linked to it and those the report filed. */
  const incidentsAbout = async (gateway: string, alertId: string, requestId: string) => {
    const { rows } = await cloud().db.query<{ id: string }>(
      `SELECT id FROM incidents
        WHERE id IN (SELECT incident_id FROM incident_alerts WHERE gateway_id = $1 AND alert_id = $2)
           OR intake_request_id LIKE '%' || $3 || '%'
           OR (gateway_id = $1 AND alert_id = $2)`,
      [gateway, alertId, requestId],
    );
    return rows.map((row) => row.id);
  };

  it('report first, then the alert: the alert joins the report’s incident, no second one', async () => {
    const filed = await report(operator, 'elderly-no-water:a-1', { gateway_id: GATEWAY, alert_id: 'a-1' });
    expect(filed.status, JSON.stringify(filed.body)).toBe(201);
    expect(filed.body.repeated).toBe(false);
    const incident = filed.body.incident.id;
    expect(await linkOf(GATEWAY, 'a-1')).toBe(incident);

    await sendAlert(noWater(GATEWAY, 'a-1'));
    // The alert is recorded on the report's incident: its uplink was handled.
    await expect
      .poll(
        async () =>
          (
            await cloud().db.query<{ n: number }>(
              `SELECT count(*)::integer AS n FROM incident_evidence WHERE incident_id = $1 AND alert_id = 'a-1'`,
              [incident],
            )
          ).rows[0]?.n,
        { timeout: 20_000 },
      )
      .toBe(1);
    expect(await incidentsAbout(GATEWAY, 'a-1', 'elderly-no-water:a-1')).toEqual([incident]);
  });

  it('the alert first, then the report: the report answers with the alert’s incident as a repeat', async () => {
    await sendAlert(noWater(GATEWAY, 'a-2'));
    await expect.poll(() => linkOf(GATEWAY, 'a-2'), { timeout: 20_000 }).toBeDefined();
    const incident = (await linkOf(GATEWAY, 'a-2')) as string;

    const filed = await report(operator, 'elderly-no-water:a-2', { gateway_id: GATEWAY, alert_id: 'a-2' });
    expect(filed.status, JSON.stringify(filed.body)).toBe(201);
    expect(filed.body).toMatchObject({ repeated: true, incident: { id: incident } });
    // Asked again, the same answer.
    const again = await report(operator, 'elderly-no-water:a-2', { gateway_id: GATEWAY, alert_id: 'a-2' });
    expect(again.body).toMatchObject({ repeated: true, incident: { id: incident } });
    expect(await incidentsAbout(GATEWAY, 'a-2', 'elderly-no-water:a-2')).toEqual([incident]);
  });

  it('both at once: one incident', async () => {
    const [filed] = await Promise.all([
      report(operator, 'elderly-no-water:a-3', { gateway_id: GATEWAY, alert_id: 'a-3' }),
      sendAlert(noWater(GATEWAY, 'a-3')),
    ]);
    expect(filed.status, JSON.stringify(filed.body)).toBe(201);
    await expect
      .poll(
        async () =>
          (
            await cloud().db.query<{ n: number }>(
              `SELECT count(*)::integer AS n FROM incident_evidence WHERE alert_id = 'a-3'`,
            )
          ).rows[0]?.n,
        { timeout: 20_000 },
      )
      .toBe(1);
    expect(await incidentsAbout(GATEWAY, 'a-3', 'elderly-no-water:a-3')).toEqual([filed.body.incident.id]);
  });

  it('refuses to tie a report to the alert of a gateway outside the community reported (403), linking nothing', async () => {
    await sendAlert(noWater(OTHER_GATEWAY, 'b-1', OTHER_COMMUNITY));
    await expect.poll(() => linkOf(OTHER_GATEWAY, 'b-1'), { timeout: 20_000 }).toBeDefined();
    const theirs = (await linkOf(OTHER_GATEWAY, 'b-1')) as string;

    // An operator of this community naming the other community's alert.
    const refused = await report(operator, 'elderly-no-water:b-1', { gateway_id: OTHER_GATEWAY, alert_id: 'b-1' });
    expect(refused.status, JSON.stringify(refused.body)).toBe(403);
    expect(refused.body).toMatchObject({ code: 'GL_FORBIDDEN', errors: [{ pointer: '/alert/gateway_id' }] });
    // A gateway that does not exist is refused alike: the answer confirms no gateway.
    const unknown = await report(operator, 'elderly-no-water:x-1', { gateway_id: 'gw-nowhere', alert_id: 'x-1' });
    expect(unknown.status).toBe(403);
    // Reporting in the other community is refused as before, whatever alert it names.
    const elsewhere = await report(
      operator,
      'elderly-no-water:b-1b',
      { gateway_id: OTHER_GATEWAY, alert_id: 'b-1' },
      OTHER_COMMUNITY,
    );
    expect(elsewhere.status).toBe(403);
    expect(await linkOf(OTHER_GATEWAY, 'b-1')).toBe(theirs);
    // That community's own operator gets the alert's incident.
    const own = await report(
      otherOperator,
      'elderly-no-water:b-1',
      { gateway_id: OTHER_GATEWAY, alert_id: 'b-1' },
      OTHER_COMMUNITY,
    );
    expect(own.body).toMatchObject({ repeated: true, incident: { id: theirs } });
  });

  it('names the field of a malformed alert reference', async () => {
    const bad = await report(operator, 'elderly-no-water:bad', { gateway_id: 'GW 1', alert_id: 'a-9' });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain('/alert/gateway_id');
  });
});
