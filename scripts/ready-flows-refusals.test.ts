import type { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { WecomRobotSimulator } from '@gridlink/simulators';
import helper from 'node-red-node-test-helper';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

const require = createRequire(import.meta.url);
helper.init(require.resolve('node-red'));
/** Node-RED's own nodes, as the ready flow uses them. */
const core = (path: string) => require(`@node-red/nodes/core/${path}`);
const CORE_NODES = [
  core('function/10-function.js'),
  core('network/21-httprequest.js'),
  core('common/25-catch.js'),
  core('common/21-debug.js'),
];

type FlowNode = { id: string; type: string; wires?: string[][] } & Record<string, unknown>;
const readyFlow = (name: string): FlowNode[] =>
  JSON.parse(readFileSync(new URL(`../flows/ready/${name}`, import.meta.url), 'utf8')) as FlowNode[];

/**
 * The ready flow's own nodes after its Gridlink source, in Node-RED's runtime (the test helper), with
 * the WeCom robot simulated: what happens when the robot refuses the post. The incident stream's
 * message is handed to the flow's first node directly (the end-to-end run is ready-flows.test.ts).
 */
describe('incident closed → WeCom, when the robot refuses', () => {
  const robot = new WecomRobotSimulator({ port: 0, key: 'the-robot-key-0123456789' });

  beforeAll(async () => {
    await robot.start();
    await helper.startServer();
  });
  afterAll(async () => {
    vi.unstubAllEnvs();
    await helper.stopServer();
    await robot.stop();
  });

  it('sends the answer to the catch node when errcode is not 0 (a webhook key that is not the robot’s)', async () => {
    vi.stubEnv('GRIDLINK_WECOM_WEBHOOK', robot.webhookUrl.replace('the-robot-key', 'not-the-robot-key'));
    const flow = readyFlow('incident-closed-wecom.json').filter(
      (node) => node.type !== 'gridlink-incident-in' && node.type !== 'gridlink-cloud',
    );
    const catcher = flow.find((node) => node.type === 'catch') as FlowNode;
    catcher.wires = [['caught']];
    await helper.load(CORE_NODES, [...flow, { id: 'caught', type: 'helper', z: catcher.z }] as never);
    const caught: Array<{ error: { message: string } }> = [];
    (helper.getNode('caught') as unknown as EventEmitter).on('input', (msg: { error: { message: string } }) =>
      caught.push(msg),
    );
    const summary = flow.find((node) => node.name === "The closed incident's summary") as FlowNode;
    helper.getNode(summary.id).receive({
      topic: 'incident/INC-20261206-000001',
      payload: {
        id: 'INC-20261206-000001',
        version: 9,
        state: 'CLOSED',
        category: 'special_population.elderly_welfare',
        severity: 'major',
        grid: '320803001001001',
        community: '320803001001',
        updated_at: '2026-12-06T08:00:00.000Z',
      },
    } as never);
    await vi.waitFor(() => expect(caught).toHaveLength(1));
    expect(caught[0]?.error.message).toMatch(/^WeCom robot answered 200: \{"errcode":93000,/);
    expect(robot.posted).toEqual([]);
  });
});
