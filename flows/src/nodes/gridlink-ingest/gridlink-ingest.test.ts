import type { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import helper from 'node-red-node-test-helper';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { INTEGRATOR_PASSWORD, type IngestSite, startIngestSite } from '../../ingest/test-ingest-site.js';
import { builtNodes, NODE_RED_RUNTIME, testFlow } from '../../test-support/built-nodes.js';
import { nextMessage, statusesOf } from '../../test-support/node-status.js';

helper.init(NODE_RED_RUNTIME);
/** Node-RED's own catch node, as a flow would use it. */
const catchNode = createRequire(import.meta.url)('@node-red/nodes/core/common/25-catch.js');

interface Published {
  topic: string;
  payload: Record<string, unknown>;
  device: { id: string; kind: string };
}
interface DeadLetter {
  payload: unknown;
  error: { message: string; issues?: Array<{ path: string; expected: string; received: string }>; topic?: string };
}

describe('gridlink-ingest against a real gateway', () => {
  let site: IngestSite;

  beforeAll(async () => {
    site = await startIngestSite();
    await helper.startServer();
  });
  afterEach(async () => {
    await helper.unload();
    site.accepted.length = 0;
  });
  afterAll(async () => {
    await helper.stopServer();
    await site.close();
  });

  /** An ingest node with `settings`: out 1 → `published`, out 2 → `dead`, its errors → `caught`. */
  const start = async (settings: Record<string, unknown>, connected = true) => {
    const nodes = await builtNodes();
    await helper.load(
      [nodes['gridlink-gateway'], nodes['gridlink-ingest'], catchNode] as never,
      testFlow([
        { id: 'gw', type: 'gridlink-gateway', host: site.host, port: site.port },
        { id: 'ingest', type: 'gridlink-ingest', gateway: 'gw', ...settings, wires: [['published'], ['dead']] },
        { id: 'published', type: 'helper' },
        { id: 'dead', type: 'helper' },
        { id: 'catcher', type: 'catch', scope: null, wires: [['caught']] },
        { id: 'caught', type: 'helper' },
      ]),
      { gw: { username: 'nodered', password: INTEGRATOR_PASSWORD } },
    );
    const node = helper.getNode('ingest');
    if (connected) await statusesOf(node).waitFor((s) => s.fill === 'green');
    const caught: Array<{ error: { message: string } }> = [];
    (helper.getNode('caught') as unknown as EventEmitter).on('input', (msg: { error: { message: string } }) =>
      caught.push(msg),
    );
    return { node, published: helper.getNode('published'), dead: helper.getNode('dead'), caught };
  };

  const pumpRoom = {
    device: 'th-pump-1',
    kind: 'temp_humidity',
    message: 'state',
    mapping: JSON.stringify({ temperature: 'body.temp', humidity: { from: 'body.rh', optional: true } }),
  };

  it("publishes a vendor webhook's body as the device's state, accepted by the gateway like a device's own", async () => {
    const { node, published } = await start(pumpRoom);
    const out = nextMessage<Published>(published);
    node.receive({ payload: { body: { temp: 21.5, rh: 48.2, vendor: 'acme' } } });
    expect(await out).toMatchObject({
      topic: 'gridlink/th-pump-1',
      payload: { temperature: 21.5, humidity: 48.2 },
      device: { id: 'th-pump-1', kind: 'temp_humidity' },
    });
    await expect.poll(() => site.accepted.length).toBe(1);
    expect(site.accepted[0]).toMatchObject({
      device: { id: 'th-pump-1', kind: 'temp_humidity' },
      message: { type: 'state', deviceId: 'th-pump-1', state: { temperature: 21.5, humidity: 48.2 } },
    });
    // Retained, as a device's own state: a reader that comes later gets it.
    expect(await site.firstOn('gridlink/th-pump-1')).toEqual({
      payload: '{"temperature":21.5,"humidity":48.2}',
      retained: true,
    });
  });

  it('turns a Modbus register map into an event, scaled to the profile’s units', async () => {
    const { node, published } = await start({
      device: 'wm-vendor-1',
      kind: 'water_meter',
      message: 'event:reading',
      // Holding registers: total in tenths of a litre, the interval's litres, its seconds.
      mapping: JSON.stringify({
        total_volume: { from: '[0]', scale: 0.1 },
        interval_volume: { from: '[1]', scale: 0.1 },
        interval_s: '[2]',
      }),
    });
    const out = nextMessage<Published>(published);
    node.receive({ payload: [1834025, 362, 3600] });
    const sent = await out;
    expect(sent).toMatchObject({
      topic: 'gridlink/wm-vendor-1/event/reading',
      payload: { total_volume: 183402.5, interval_volume: 36.2, interval_s: 3600, ts: expect.any(String) },
    });
    await expect.poll(() => site.accepted.length).toBe(1);
    expect(site.accepted[0]?.message).toMatchObject({ type: 'event', eventType: 'reading' });
  });

  it('sends a malformed reading to the dead-letter output and to catch with its error, and publishes nothing', async () => {
    const { node, published, dead, caught } = await start(pumpRoom);
    // Out of the profile's range (−40…85 °C): refused by the profile, before it leaves.
    const refused = nextMessage<DeadLetter>(dead);
    node.receive({ payload: { body: { temp: 500 } } });
    const letter = await refused;
    expect(letter.payload).toEqual({ body: { temp: 500 } });
    expect(letter.error.message).toMatch(/^gridlink\/th-pump-1: temperature: /);
    expect(letter.error.issues?.[0]).toMatchObject({ path: 'temperature', received: 'number 500' });

    // Not where the mapping says: the field, the path and what was there.
    const missing = nextMessage<DeadLetter>(dead);
    node.receive({ payload: '{"body":{"t":21}}' });
    expect((await missing).error.message).toBe('reading: temperature: expected a value at body.temp, received nothing');

    const notJson = nextMessage<DeadLetter>(dead);
    node.receive({ payload: 'temp=21' });
    expect((await notJson).error.message).toMatch(/^msg\.payload: .*invalid JSON/);

    await expect.poll(() => caught.length).toBe(3);
    expect(caught.map((msg) => msg.error.message)).toEqual([
      letter.error.message,
      'reading: temperature: expected a value at body.temp, received nothing',
      expect.stringMatching(/invalid JSON/),
    ]);
    // The valid reading after them is the first and only one the gateway saw.
    const out = nextMessage<Published>(published);
    node.receive({ payload: { body: { temp: 22 } } });
    await out;
    await expect.poll(() => site.accepted.length).toBe(1);
    expect(site.accepted[0]?.message).toMatchObject({ state: { temperature: 22 } });
    expect(site.invalid).toEqual([]);
  });

  it("dead-letters a reading for a device the account holds no ingest grant for, with the gateway's refusal", async () => {
    const { node, dead } = await start({ ...pumpRoom, device: 'th-not-granted' });
    const refused = nextMessage<DeadLetter>(dead);
    node.receive({ payload: { body: { temp: 21 } } });
    const letter = await refused;
    expect(letter.error).toMatchObject({ topic: 'gridlink/th-not-granted', message: expect.stringMatching(/refused/) });
    expect(site.accepted).toEqual([]);
  });

  it('refuses a mapping to fields the profile does not have at deploy, naming those it has; readings go to the dead letter', async () => {
    const { node, dead } = await start({ ...pumpRoom, mapping: JSON.stringify({ temp: 'body.temp' }) }, false);
    const refused = await statusesOf(node).waitFor((s) => s.fill === 'red');
    expect(refused.status.text).toBe(
      'error: mapping: temp is not a field of the temp_humidity state; its fields are temperature, humidity, battery, rssi',
    );
    const letter = nextMessage<DeadLetter>(dead);
    node.receive({ payload: { body: { temp: 21 } } });
    expect((await letter).error.message).toMatch(/^settings: mapping: temp is not a field/);
  });
});
