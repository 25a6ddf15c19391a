import { ProtocolValidationError } from '@gridlink/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cloudClient } from './cloud-client.js';
import type { CloudLink } from './cloud-link.js';
import { CloudProblem } from './cloud-problem.js';
import { IncidentActions } from './incident-actions.js';
import { requestIdOf } from './request-id.js';
import { COMMUNITY, CuttableProxy, GRID_1, TestCloud } from './test-cloud.js';

function linkTo(url: string, token: string): CloudLink {
  const link = cloudClient(url, token);
  if (!link.ok) throw new Error(link.reason);
  return link.cloud;
}

describe('filing reports and taking transitions, against a real cloud', () => {
  const cloud = new TestCloud();
  let operator: IncidentActions;
  let worker: IncidentActions;

  beforeAll(async () => {
    await cloud.start();
    operator = new IncidentActions({
      cloud: linkTo(cloud.url, await cloud.signedIn([{ role: 'operator', scope: COMMUNITY }])),
      language: 'en',
    });
    worker = new IncidentActions({
      cloud: linkTo(cloud.url, await cloud.signedIn([{ role: 'grid_worker', scope: GRID_1 }])),
      language: 'en',
    });
  }, 60_000);
  afterAll(async () => {
    await cloud.remove();
  });

  const report = (request_id: string) =>
    operator.report({
      request_id,
      source: 'property',
      category: 'other',
      title: '单元门闭门器损坏',
      community: COMMUNITY,
      grid: GRID_1,
    });

  it('files a report once per request id: a repeat answers with the same incident and writes nothing', async () => {
    const first = await report('flows-report-1');
    expect(first).toMatchObject({ repeated: false, incident: { state: 'REPORTED', version: 1 } });
    const again = await report('flows-report-1');
    expect(again).toMatchObject({ repeated: true, incident: { id: first.incident.id, version: 1 } });
  });

  it('takes a permitted transition once per request id', async () => {
    const { incident } = await report('flows-report-2');
    const accepted = await operator.transition(incident.id, { action: 'accept', request_id: 'flows-accept-2' });
    expect(accepted).toMatchObject({ repeated: false, incident: { id: incident.id, state: 'ACCEPTED', version: 2 } });
    const repeated = await operator.transition(incident.id, { action: 'accept', request_id: 'flows-accept-2' });
    expect(repeated).toMatchObject({ repeated: true, incident: { state: 'ACCEPTED', version: 2 } });
  });

  it("refuses a transition the incident's state does not allow with the cloud's problem details", async () => {
    const { incident } = await report('flows-report-3');
    const refused = await operator
      .transition(incident.id, { action: 'close', request_id: 'flows-close-3' })
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(CloudProblem);
    const problem = refused as CloudProblem;
    expect(problem.status).toBe(409);
    expect(problem.code).toBe('GL_INCIDENT_ACTION_NOT_ALLOWED');
    expect(problem.problem.detail).toMatch(/close/);
    expect(problem.message).toMatch(/^409 GL_INCIDENT_ACTION_NOT_ALLOWED: /);
  });

  it('refuses a transition outside the role with the problem details (403)', async () => {
    const { incident } = await report('flows-report-4');
    const refused = await worker
      .transition(incident.id, { action: 'file', request_id: 'flows-file-4' })
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(CloudProblem);
    expect((refused as CloudProblem).status).toBeGreaterThanOrEqual(400);
  });

  it('refuses a malformed body before it leaves, naming the field', () => {
    expect(() =>
      operator.report({ request_id: 'x', source: 'iot' as 'property', category: 'other', title: '' }),
    ).toThrow(ProtocolValidationError);
    try {
      operator.report({ request_id: 'x', source: 'property', category: 'other', title: '' });
    } catch (error) {
      expect((error as Error).message).toMatch(/title/);
    }
    expect(() => operator.transition('', { action: 'accept', request_id: 'x' })).toThrow(/incident_id/);
  });

  it('sends a request again when its answer was lost, and the cloud does it once (through a proxy that resets the first answer)', async () => {
    const proxy = new CuttableProxy(() => cloud.url);
    const url = await proxy.listen();
    const viaProxy = new IncidentActions({
      cloud: linkTo(url, await cloud.signedIn([{ role: 'operator', scope: COMMUNITY }])),
      backoff: { minMs: 20, maxMs: 50 },
    });
    proxy.loseNextAnswer();
    const filed = await viaProxy.report({
      request_id: 'flows-report-5',
      source: 'property',
      category: 'other',
      title: '路灯不亮',
      community: COMMUNITY,
    });
    // The first try was filed but its answer lost; the second is answered as a repeat of it.
    expect(filed).toMatchObject({ repeated: true, incident: { version: 1 } });
    expect(proxy.resumedFrom).toHaveLength(2);
    await proxy.close();
  });

  it('tries again while the cloud cannot be reached, then files the report', async () => {
    const proxy = new CuttableProxy(() => cloud.url);
    const url = await proxy.listen();
    proxy.hold();
    const viaProxy = new IncidentActions({
      cloud: linkTo(url, await cloud.signedIn([{ role: 'operator', scope: COMMUNITY }])),
      retries: 50,
      backoff: { minMs: 20, maxMs: 50 },
    });
    const pending = viaProxy.report({
      request_id: 'flows-report-6',
      source: 'property',
      category: 'other',
      title: '路灯不亮',
      community: COMMUNITY,
    });
    await expect.poll(() => proxy.refused).toBeGreaterThan(0);
    proxy.release();
    expect(await pending).toMatchObject({ repeated: false, incident: { state: 'REPORTED' } });
    await proxy.close();
  });
});

describe('the request id of a message', () => {
  it("is the message's own request_id, else one derived from _msgid and the action", () => {
    expect(requestIdOf({ _msgid: 'abc', payload: { request_id: 'r-1' } }, 'report')).toBe('r-1');
    expect(requestIdOf({ _msgid: 'abc', request_id: 'r-2', payload: {} }, 'report')).toBe('r-2');
    expect(requestIdOf({ _msgid: 'abc', payload: {} }, 'accept')).toBe('node-red:abc:accept');
    expect(requestIdOf({ _msgid: 'abc' }, 'report')).not.toBe(requestIdOf({ _msgid: 'abc' }, 'accept'));
  });

  it('refuses a request id the cloud would refuse, naming the field', () => {
    expect(() => requestIdOf({ _msgid: 'abc', request_id: '' }, 'report')).toThrow(/request_id/);
    expect(() => requestIdOf({}, 'report')).toThrow(/msg\.request_id/);
  });
});
