import type { EventEmitter } from 'node:events';
import helper from 'node-red-node-test-helper';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { COMMUNITY, CuttableProxy, GRID_1, GRID_2, TestCloud } from '../../cloud/test-cloud.js';
import { builtNodes, NODE_RED_RUNTIME, testFlow } from '../../test-support/built-nodes.js';
import { statusesOf } from '../../test-support/node-status.js';

helper.init(NODE_RED_RUNTIME);

type Sent = {
  topic: string;
  payload: { id: string; state: string; category: string; grid: string | null };
  event_id: string;
};

describe('gridlink-incident-in against a real cloud', () => {
  const cloud = new TestCloud();
  const proxy = new CuttableProxy(() => cloud.url);
  let proxyUrl: string;
  let operator: string;
  let integration: string;

  beforeAll(async () => {
    await cloud.start();
    proxyUrl = await proxy.listen();
    operator = await cloud.signedIn([{ role: 'operator', scope: COMMUNITY }]);
    integration = await cloud.apiToken([{ role: 'operator', scope: COMMUNITY }]);
    await helper.startServer();
  }, 60_000);
  afterEach(async () => {
    proxy.release();
    await helper.unload();
  });
  afterAll(async () => {
    await helper.stopServer();
    await proxy.close();
    await cloud.remove();
  });

  /** An incident-in node with `settings`, wired to a helper node; resolves with what it sends. */
  const start = async (settings: Record<string, unknown>, token = integration, url = proxyUrl) => {
    const nodes = await builtNodes();
    await helper.load(
      [nodes['gridlink-cloud'], nodes['gridlink-incident-in']] as never,
      testFlow([
        { id: 'cloud', type: 'gridlink-cloud', url },
        { id: 'in', type: 'gridlink-incident-in', cloud: 'cloud', ...settings, wires: [['out']] },
        { id: 'out', type: 'helper' },
      ]),
      { cloud: { token } },
    );
    const sent: Sent[] = [];
    (helper.getNode('out') as unknown as EventEmitter).on('input', (msg: Sent) => sent.push(msg));
    return { sent, statuses: statusesOf(helper.getNode('in')) };
  };

  it('sends the changes of the chosen grid and category as msg.payload, with the API token’s scope', async () => {
    const { sent, statuses } = await start({ places: GRID_1, categories: 'other' });
    await statuses.waitFor((s) => s.fill === 'green' && s.text === 'connected');
    await cloud.report(operator, GRID_2);
    const mine = await cloud.report(operator, GRID_1);
    const accepted = await cloud.call('POST', `/api/v1/incidents/${mine}/transitions`, operator, {
      action: 'accept',
      request_id: `${mine}-accept`,
    });
    expect(accepted.status).toBe(200);
    await expect.poll(() => sent.length).toBe(2);
    expect(sent.map((msg) => [msg.topic, msg.payload.id, msg.payload.state])).toEqual([
      [`incident/${mine}`, mine, 'REPORTED'],
      [`incident/${mine}`, mine, 'ACCEPTED'],
    ]);
    expect(sent[0]?.payload).toMatchObject({ category: 'other', grid: GRID_1, community: COMMUNITY, version: 1 });
    expect(Number(sent[1]?.event_id)).toBeGreaterThan(Number(sent[0]?.event_id));
  });

  it('filters by state', async () => {
    const { sent, statuses } = await start({ states: 'accepted' });
    await statuses.waitFor((s) => s.text === 'connected');
    const incident = await cloud.report(operator, GRID_2);
    await cloud.call('POST', `/api/v1/incidents/${incident}/transitions`, operator, {
      action: 'accept',
      request_id: `${incident}-accept`,
    });
    await expect.poll(() => sent.length).toBe(1);
    expect(sent[0]?.payload).toMatchObject({ id: incident, state: 'ACCEPTED' });
  });

  it('resumes after the stream drops: the changes made meanwhile arrive, none twice, none lost', async () => {
    const { sent, statuses } = await start({});
    await statuses.waitFor((s) => s.text === 'connected');
    const before = [await cloud.report(operator, GRID_1), await cloud.report(operator, GRID_2)];
    await expect.poll(() => sent.length).toBe(2);

    proxy.hold();
    proxy.cut();
    const down = await statuses.waitFor((s) => s.fill === 'red');
    expect(down.status.text).toMatch(/^error: .+ \(retry in 1 s\)$/);
    const during = [await cloud.report(operator, GRID_1), await cloud.report(operator, GRID_2)];
    proxy.release();
    await statuses.waitFor((s) => s.text === 'connected', down.index);
    const after = await cloud.report(operator, GRID_1);
    await expect.poll(() => sent.length).toBe(5);
    expect(sent.map((msg) => msg.payload.id)).toEqual([...before, ...during, after]);
    expect(proxy.resumedFrom.at(-1)).toBe(sent[1]?.event_id);
  }, 30_000);

  it('resumes after a redeploy from where the node stopped', async () => {
    const { sent, statuses } = await start({});
    await statuses.waitFor((s) => s.text === 'connected');
    const before = await cloud.report(operator, GRID_1);
    await expect.poll(() => sent.length).toBe(1);

    // The node is redeployed with a change while the cloud cannot be reached, and incidents happen meanwhile.
    proxy.hold();
    proxy.cut();
    const flow = [
      { id: 'cloud', type: 'gridlink-cloud', url: proxyUrl },
      { id: 'in', type: 'gridlink-incident-in', cloud: 'cloud', name: 'redeployed', wires: [['out']] },
      { id: 'out', type: 'helper' },
    ];
    await helper.setFlows(testFlow(flow), 'nodes', { cloud: { token: integration } });
    const during = await cloud.report(operator, GRID_2);
    const again: Sent[] = [];
    (helper.getNode('out') as unknown as EventEmitter).on('input', (msg: Sent) => again.push(msg));
    proxy.release();
    await expect.poll(() => again.length, { timeout: 15_000 }).toBe(1);
    expect(again[0]?.payload.id).toBe(during);
    expect(proxy.resumedFrom.at(-1)).toBe(sent[0]?.event_id);
    expect(before).not.toBe(during);
  }, 30_000);

  it('shows a wrong token in red with the cloud’s reason and tries again with growing delays', async () => {
    const { sent, statuses } = await start({}, 'glt_not-a-token-of-this-cloud', cloud.url);
    const first = await statuses.waitFor((s) => s.fill === 'red');
    expect(first.status.text).toMatch(/^error: 401 GL_UNAUTHENTICATED: .+ \(retry in 1 s\)$/);
    const retry = await statuses.waitFor((s) => s.text === 'reconnecting (attempt 2)', first.index);
    const second = await statuses.waitFor((s) => s.fill === 'red', retry.index);
    expect(second.status.text).toMatch(/^error: 401 GL_UNAUTHENTICATED: .+ \(retry in 2 s\)$/);
    expect(sent).toEqual([]);
  }, 30_000);

  it('refuses a filter that cannot match, saying how to fix it', async () => {
    const { statuses } = await start({ states: 'OPEN' });
    const refused = await statuses.waitFor((s) => s.fill === 'red');
    expect(refused.status.text).toMatch(/states: OPEN is no incident state; use REPORTED/);
  });
});
