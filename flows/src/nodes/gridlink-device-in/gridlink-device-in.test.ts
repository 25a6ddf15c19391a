import type { EventEmitter } from 'node:events';
import helper from 'node-red-node-test-helper';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { builtNodes, NODE_RED_RUNTIME, testFlow } from '../../test-support/built-nodes.js';
import { COMMUNITY, type GatewaySite, NODERED_PASSWORD, startGatewaySite } from '../../test-support/gateway-site.js';
import { nextMessage, statusesOf } from '../../test-support/node-status.js';

helper.init(NODE_RED_RUNTIME);

const FLOOR_5 = { community: COMMUNITY, building: '3', unit: '2', floor: 5 };

describe('gridlink-device-in against a real gateway', () => {
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

  /** A device-in node with `selection`, wired to a helper node `out`, connected to the gateway. */
  const start = async (selection: Record<string, unknown>) => {
    const nodes = await builtNodes();
    await helper.load(
      [nodes['gridlink-gateway'], nodes['gridlink-device-in']] as never,
      testFlow([
        { id: 'gw', type: 'gridlink-gateway', host: site.host, port: site.port },
        { id: 'in', type: 'gridlink-device-in', gateway: 'gw', ...selection, wires: [['out']] },
        { id: 'out', type: 'helper' },
      ]),
      { gw: { username: 'nodered', password: NODERED_PASSWORD } },
    );
    await statusesOf(helper.getNode('in')).waitFor((s) => s.fill === 'green');
    return helper.getNode('out');
  };

  it('by tag: sends the state and events of the tagged device only, typed, with its place, tags and units', async () => {
    const out = await start({ tag: 'elderly_alone' });
    const tagged = await site.device('wm-3-2-501');
    const neighbour = await site.device('wm-3-2-502');

    const state = nextMessage(out);
    await tagged.publishAsync('gridlink/wm-3-2-501', '{"total_volume":1834.5,"flow_rate":0,"valve":"open"}', {
      qos: 1,
    });
    expect(await state).toMatchObject({
      topic: 'gridlink/wm-3-2-501',
      type: 'state',
      payload: { total_volume: 1834.5, flow_rate: 0, valve: 'open' },
      device: { id: 'wm-3-2-501', kind: 'water_meter', place: FLOOR_5, tags: ['elderly_alone'] },
      units: { total_volume: 'L', flow_rate: 'L/min' },
      retained: false,
    });

    // The neighbour's message comes first and is not selected: the next one out is the reading.
    const reading = nextMessage(out);
    await neighbour.publishAsync('gridlink/wm-3-2-502/event/reading', readingOf(40, 0), { qos: 1 });
    await tagged.publishAsync('gridlink/wm-3-2-501/event/reading', readingOf(1834.5, 0), { qos: 1 });
    expect(await reading).toMatchObject({
      topic: 'gridlink/wm-3-2-501/event/reading',
      type: 'event',
      event: 'reading',
      payload: { ts: '2026-12-06T08:00:00.000Z', total_volume: 1834.5, interval_volume: 0, interval_s: 3600 },
      device: { id: 'wm-3-2-501', tags: ['elderly_alone'] },
      units: { total_volume: 'L', interval_volume: 'L', interval_s: 's' },
    });
  });

  it('by kind, building and floor, events only: a smoke alarm on floor 5, not the water meters there', async () => {
    const out = await start({ kind: 'smoke_detector', building: '3', floor: '5', messages: 'events' });
    const meter = await site.device('wm-3-2-502');
    const smoke = await site.device('smoke-3-2-0501');

    const alarm = nextMessage(out);
    await meter.publishAsync('gridlink/wm-3-2-502/event/reading', readingOf(41, 1), { qos: 1 });
    await smoke.publishAsync('gridlink/smoke-3-2-0501', '{"smoke":false}', { qos: 1 });
    await smoke.publishAsync(
      'gridlink/smoke-3-2-0501/event/alarm',
      '{"ts":"2026-12-06T08:01:00.000Z","smoke_density":0.31}',
      {
        qos: 1,
      },
    );
    expect(await alarm).toMatchObject({
      type: 'event',
      event: 'alarm',
      payload: { ts: '2026-12-06T08:01:00.000Z', smoke_density: 0.31 },
      device: { id: 'smoke-3-2-0501', kind: 'smoke_detector', place: FLOOR_5, tags: [] },
      units: { smoke_density: 'dB/m' },
    });
  });

  it('names a selection that cannot match in a red status', async () => {
    const nodes = await builtNodes();
    await helper.load(
      [nodes['gridlink-gateway'], nodes['gridlink-device-in']] as never,
      testFlow([
        { id: 'gw', type: 'gridlink-gateway', host: site.host, port: site.port },
        { id: 'in', type: 'gridlink-device-in', gateway: 'gw', kind: 'kettle', wires: [[]] },
      ]),
      { gw: { username: 'nodered', password: NODERED_PASSWORD } },
    );
    const { status } = await statusesOf(helper.getNode('in')).waitFor((s) => s.fill === 'red');
    expect(status.text).toMatch(/^error: kind "kettle" is unknown: one of smoke_detector, gas_detector, /);
  });

  it('sends a device’s kept state once at start, however the nodes’ selections overlap', async () => {
    const meter = await site.device('wm-3-2-502');
    await meter.publishAsync('gridlink/wm-3-2-502', '{"valve":"open","total_volume":40}', { qos: 1, retain: true });
    const nodes = await builtNodes();
    await helper.load(
      [nodes['gridlink-gateway'], nodes['gridlink-device-in']] as never,
      testFlow([
        { id: 'gw', type: 'gridlink-gateway', host: site.host, port: site.port },
        { id: 'one-in', type: 'gridlink-device-in', gateway: 'gw', device: 'wm-3-2-502', wires: [['one-out']] },
        { id: 'all-in', type: 'gridlink-device-in', gateway: 'gw', messages: 'state', wires: [['all-out']] },
        { id: 'one-out', type: 'helper' },
        { id: 'all-out', type: 'helper' },
      ]),
      { gw: { username: 'nodered', password: NODERED_PASSWORD } },
    );
    type StateMsg = { retained: boolean; payload: { valve?: string }; device: { id: string } };
    const got: Record<string, StateMsg[]> = { one: [], all: [] };
    // Resolves when both nodes have sent the state published below, which comes after all the kept ones.
    const bothLive = Promise.all(
      ['one', 'all'].map(
        (id) =>
          new Promise<void>((resolve) =>
            (helper.getNode(`${id}-out`) as unknown as EventEmitter).on('input', (msg: StateMsg) => {
              if (msg.device.id !== 'wm-3-2-502') return;
              got[id]?.push(msg);
              if (msg.payload.valve === 'closed') resolve();
            }),
          ),
      ),
    );
    for (const id of ['one-in', 'all-in']) await statusesOf(helper.getNode(id)).waitFor((s) => s.fill === 'green');
    await meter.publishAsync('gridlink/wm-3-2-502', '{"valve":"closed"}', { qos: 1, retain: true });
    await bothLive;
    const seen = (id: string) => got[id]?.map((msg) => `${msg.payload.valve} ${msg.retained ? 'kept' : 'live'}`);
    expect(seen('one')).toEqual(['open kept', 'closed live']);
    expect(seen('all')).toEqual(['open kept', 'closed live']);
  });
});

const readingOf = (total: number, interval: number) =>
  JSON.stringify({ ts: '2026-12-06T08:00:00.000Z', total_volume: total, interval_volume: interval, interval_s: 3600 });
