import type { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import helper from 'node-red-node-test-helper';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { COMMUNITY, GRID_1, TestCloud } from '../../cloud/test-cloud.js';
import { builtNodes, NODE_RED_RUNTIME, testFlow } from '../../test-support/built-nodes.js';
import { nextMessage, statusesOf } from '../../test-support/node-status.js';

helper.init(NODE_RED_RUNTIME);
/** Node-RED's own catch node, as a flow would use it. */
const catchNode = createRequire(import.meta.url)('@node-red/nodes/core/common/25-catch.js');

interface Answer {
  payload: { incident: { id: string; state: string; version: number }; step: { action: string }; repeated: boolean };
  incident_id: string;
  request_id: string;
}
interface Caught {
  error: { message: string; source: { id: string } };
  problem?: { status: number; code: string; detail: string };
  request_id?: string;
}

describe('gridlink-incident-out against a real cloud', () => {
  const cloud = new TestCloud();
  let integration: string;

  beforeAll(async () => {
    await cloud.start();
    integration = await cloud.apiToken([{ role: 'operator', scope: COMMUNITY }]);
    await helper.startServer();
  }, 60_000);
  afterEach(() => helper.unload());
  afterAll(async () => {
    await helper.stopServer();
    await cloud.remove();
  });

  /** incident-out wired to `out`, and a catch node for its errors wired to `caught`. */
  const start = async () => {
    const nodes = await builtNodes();
    await helper.load(
      [nodes['gridlink-cloud'], nodes['gridlink-incident-out'], catchNode] as never,
      testFlow([
        { id: 'cloud', type: 'gridlink-cloud', url: cloud.url },
        { id: 'act', type: 'gridlink-incident-out', cloud: 'cloud', language: 'en', wires: [['out']] },
        { id: 'out', type: 'helper' },
        { id: 'catcher', type: 'catch', scope: null, wires: [['caught']] },
        { id: 'caught', type: 'helper' },
      ]),
      { cloud: { token: integration } },
    );
    const act = helper.getNode('act');
    const caught: Caught[] = [];
    (helper.getNode('caught') as unknown as EventEmitter).on('input', (msg: Caught) => caught.push(msg));
    return { act, out: helper.getNode('out'), caught, statuses: statusesOf(act) };
  };

  const report = {
    action: 'report',
    source: 'property',
    category: 'other',
    title: '单元门闭门器损坏',
    community: COMMUNITY,
    grid: GRID_1,
  };

  it('files a report, then takes a transition on it; the answer is msg.payload', async () => {
    const { act, out } = await start();
    const filed = nextMessage<Answer>(out);
    act.receive({ payload: report });
    const answer = await filed;
    expect(answer.payload).toMatchObject({ repeated: false, incident: { state: 'REPORTED', version: 1 } });
    expect(answer.request_id).toMatch(/^node-red:.+:report$/);

    const moved = nextMessage<Answer>(out);
    act.receive({ payload: { action: 'accept', incident_id: answer.incident_id, comment: '物业已到场' } });
    expect((await moved).payload).toMatchObject({
      repeated: false,
      step: { action: 'accept' },
      incident: { id: answer.incident_id, state: 'ACCEPTED', version: 2 },
    });
  });

  it('is idempotent per message: the same message sent again (same _msgid) is answered as a repeat', async () => {
    const { act, out } = await start();
    const first = nextMessage<Answer>(out);
    act.receive({ _msgid: 'retry-me-1', payload: report });
    const once = await first;
    const second = nextMessage<Answer>(out);
    act.receive({ _msgid: 'retry-me-1', payload: report });
    const again = await second;
    expect(again.payload.repeated).toBe(true);
    expect(again.incident_id).toBe(once.incident_id);
    expect(again.request_id).toBe('node-red:retry-me-1:report');
  });

  it("hands a refused transition to catch with the cloud's problem details", async () => {
    const { act, out, caught, statuses } = await start();
    const filed = nextMessage<Answer>(out);
    act.receive({ payload: report });
    const { incident_id } = await filed;
    act.receive({ payload: { action: 'close', incident_id, request_id: 'close-too-early' } });
    await expect.poll(() => caught.length).toBe(1);
    expect(caught[0]).toMatchObject({
      problem: { status: 409, code: 'GL_INCIDENT_ACTION_NOT_ALLOWED', detail: expect.stringMatching(/close/) },
      request_id: 'close-too-early',
      error: { message: expect.stringMatching(/^409 GL_INCIDENT_ACTION_NOT_ALLOWED: /), source: { id: 'act' } },
    });
    await statuses.waitFor((s) => s.fill === 'red' && s.text === 'error: GL_INCIDENT_ACTION_NOT_ALLOWED');
  });

  it('refuses a malformed payload before it leaves, naming the field', async () => {
    const { act, caught } = await start();
    act.receive({ payload: { ...report, title: '' } });
    act.receive({ payload: { action: 'accept' } });
    act.receive({ payload: 'accept it' });
    await expect.poll(() => caught.length).toBe(3);
    expect(caught[0]?.error.message).toMatch(/^msg\.payload: title: /);
    expect(caught[1]?.error.message).toMatch(/incident_id/);
    expect(caught[2]?.error.message).toMatch(/msg\.payload must be an object with an action/);
    expect(caught.every((msg) => msg.problem === undefined)).toBe(true);
  });
});
