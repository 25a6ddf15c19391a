import type { EventEmitter } from 'node:events';
import type { AlertPayload } from '@gridlink/protocol';
import helper from 'node-red-node-test-helper';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { builtNodes, NODE_RED_RUNTIME, testFlow } from '../../test-support/built-nodes.js';
import { type GatewaySite, NODERED_PASSWORD, startGatewaySite } from '../../test-support/gateway-site.js';
import { nextMessage, statusesOf } from '../../test-support/node-status.js';

helper.init(NODE_RED_RUNTIME);

interface AlertMsg {
  topic: string;
  change: string;
  payload: AlertPayload | null;
  alert: { ruleId: string; deviceId: string };
}

describe('gridlink-alert-in against a real gateway', () => {
  let site: GatewaySite;

  beforeAll(async () => {
    site = await startGatewaySite();
    await helper.startServer();
  });
  afterEach(() => helper.unload());
  afterAll(async () => {
    await helper.stopServer();
    await site.close();
  });

  it('sends a smoke alarm’s alert as raised, updated and cleared, to the nodes whose filters take it', async () => {
    const nodes = await builtNodes();
    await helper.load(
      [nodes['gridlink-gateway'], nodes['gridlink-alert-in']] as never,
      testFlow([
        { id: 'gw', type: 'gridlink-gateway', host: site.host, port: site.port },
        { id: 'all-in', type: 'gridlink-alert-in', gateway: 'gw', wires: [['all-out']] },
        {
          id: 'fire-in',
          type: 'gridlink-alert-in',
          gateway: 'gw',
          category: 'emergency',
          minSeverity: 'major',
          cleared: false,
          wires: [['fire-out']],
        },
        { id: 'safety-in', type: 'gridlink-alert-in', gateway: 'gw', category: 'safety', wires: [['safety-out']] },
        { id: 'all-out', type: 'helper' },
        { id: 'fire-out', type: 'helper' },
        { id: 'safety-out', type: 'helper' },
      ]),
      { gw: { username: 'nodered', password: NODERED_PASSWORD } },
    );
    for (const id of ['all-in', 'fire-in', 'safety-in'])
      await statusesOf(helper.getNode(id)).waitFor((s) => s.fill === 'green');
    const received: Record<string, AlertMsg[]> = { all: [], fire: [], safety: [] };
    for (const id of Object.keys(received))
      (helper.getNode(`${id}-out`) as unknown as EventEmitter).on('input', (msg: AlertMsg) => received[id]?.push(msg));
    const smoke = await site.device('smoke-3-2-0501');
    const event = (type: string) =>
      smoke.publishAsync(`gridlink/smoke-3-2-0501/event/${type}`, JSON.stringify({ ts: new Date().toISOString() }), {
        qos: 1,
      });

    let next = nextMessage<AlertMsg>(helper.getNode('all-out'));
    await event('alarm');
    const raised = await next;
    expect(raised).toMatchObject({
      topic: 'gridlink/alert/builtin.smoke.alarm/smoke-3-2-0501',
      change: 'raised',
      alert: { ruleId: 'builtin.smoke.alarm', deviceId: 'smoke-3-2-0501' },
      payload: { rule_id: 'builtin.smoke.alarm', device_id: 'smoke-3-2-0501', state: 'active', occurrences: 1 },
    });
    const alertId = raised.payload?.alert_id;

    next = nextMessage<AlertMsg>(helper.getNode('all-out'));
    await event('alarm');
    expect(await next).toMatchObject({ change: 'updated', payload: { alert_id: alertId, occurrences: 2 } });

    next = nextMessage<AlertMsg>(helper.getNode('all-out'));
    await event('alarm_cleared');
    // A clear is an empty payload on the wire; the node says what was cleared.
    expect(await next).toMatchObject({ change: 'cleared', payload: { alert_id: alertId, occurrences: 2 } });

    // The three nodes share one subscription and got each message in the same turn.
    const changes = (id: string) => received[id]?.map((msg) => msg.change);
    expect(changes('all')).toEqual(['raised', 'updated', 'cleared']);
    expect(raised.payload?.category).toMatch(/^emergency\./);
    expect(changes('fire')).toEqual(['raised', 'updated']);
    expect(changes('safety')).toEqual([]);
  });

  it('sends the alerts already active at start, as retained, only when asked to', async () => {
    const nodes = await builtNodes();
    const start = async (activeOnStart: boolean) => {
      await helper.load(
        [nodes['gridlink-gateway'], nodes['gridlink-alert-in']] as never,
        testFlow([
          { id: 'gw', type: 'gridlink-gateway', host: site.host, port: site.port },
          { id: 'alerts-in', type: 'gridlink-alert-in', gateway: 'gw', activeOnStart, wires: [['alerts-out']] },
          { id: 'alerts-out', type: 'helper' },
        ]),
        { gw: { username: 'nodered', password: NODERED_PASSWORD } },
      );
    };
    const smoke = await site.device('smoke-3-2-0501');
    const event = (type: string) =>
      smoke.publishAsync(`gridlink/smoke-3-2-0501/event/${type}`, JSON.stringify({ ts: new Date().toISOString() }), {
        qos: 1,
      });

    await start(false);
    await statusesOf(helper.getNode('alerts-in')).waitFor((s) => s.fill === 'green');
    const live = nextMessage<AlertMsg & { retained: boolean }>(helper.getNode('alerts-out'));
    await event('alarm');
    const raised = await live;
    // The gateway's id from its retained bridge/info: alert ids are unique only on their gateway.
    expect(raised).toMatchObject({ change: 'raised', retained: false, gateway_id: 'gw-flows-test' });
    await helper.unload();

    // A flow deployed while the alarm is on learns of it at once.
    await start(true);
    const atStart = await nextMessage<AlertMsg & { retained: boolean }>(helper.getNode('alerts-out'));
    expect(atStart).toMatchObject({
      topic: 'gridlink/alert/builtin.smoke.alarm/smoke-3-2-0501',
      change: 'raised',
      retained: true,
      payload: { alert_id: raised.payload?.alert_id },
    });
    await statusesOf(helper.getNode('alerts-in')).waitFor((s) => s.fill === 'green');
    const cleared = nextMessage<AlertMsg>(helper.getNode('alerts-out'));
    await event('alarm_cleared');
    expect(await cleared).toMatchObject({ change: 'cleared', payload: { alert_id: raised.payload?.alert_id } });
  });
});
