import type { EventEmitter } from 'node:events';
import helper from 'node-red-node-test-helper';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtNodes, NODE_RED_RUNTIME, testFlow } from '../../test-support/built-nodes.js';
import { type GatewaySite, NODERED_PASSWORD, startGatewaySite } from '../../test-support/gateway-site.js';
import { nextMessage, statusesOf } from '../../test-support/node-status.js';

helper.init(NODE_RED_RUNTIME);

interface CaughtMsg {
  payload: unknown;
  error: { message: string; source: { id: string; type: string } };
}

/** The commands a device receives on its `/set` topic, as text. */
function received(device: EventEmitter): string[] {
  const commands: string[] = [];
  device.on('message', (_topic: string, payload: Buffer) => commands.push(payload.toString()));
  return commands;
}

describe('gridlink-command against a real gateway (account nodered may command water meters only)', () => {
  let site: GatewaySite;

  beforeAll(async () => {
    site = await startGatewaySite();
    await helper.startServer();
    const nodes = await builtNodes();
    await helper.load(
      [nodes['gridlink-gateway'], nodes['gridlink-command']] as never,
      testFlow([
        { id: 'flow', type: 'tab' },
        { id: 'gw', type: 'gridlink-gateway', host: site.host, port: site.port, reconnectMin: 0.05 },
        { id: 'cmd', z: 'flow', type: 'gridlink-command', gateway: 'gw', wires: [['sent']] },
        { id: 'sent', z: 'flow', type: 'helper' },
        { id: 'catcher', z: 'flow', type: 'catch', scope: null, uncaught: false, wires: [['caught']] },
        { id: 'caught', z: 'flow', type: 'helper' },
      ]),
      { gw: { username: 'nodered', password: NODERED_PASSWORD } },
    );
    await statusesOf(helper.getNode('cmd')).waitFor((s) => s.fill === 'green');
  });
  afterAll(async () => {
    await helper.unload();
    await helper.stopServer();
    await site.close();
  });

  it('delivers a command the profile allows to the device, then sends the message on', async () => {
    const meter = await site.device('wm-3-2-501');
    await meter.subscribeAsync('gridlink/wm-3-2-501/set', { qos: 1 });
    const commands = received(meter as unknown as EventEmitter);
    const arrived = new Promise((resolve) => meter.once('message', resolve));
    const sent = nextMessage(helper.getNode('sent'));

    helper.getNode('cmd').receive({ payload: { valve: 'close' }, device: { id: 'wm-3-2-501' } });
    expect(await sent).toMatchObject({ topic: 'gridlink/wm-3-2-501/set', payload: { valve: 'close' } });
    await arrived;
    expect(commands).toEqual(['{"valve":"close"}']);
    expect(statusesOf(helper.getNode('cmd')).all().at(-1)).toEqual({
      fill: 'green',
      shape: 'dot',
      text: 'sent valve to wm-3-2-501',
    });
  });

  it('refuses a command the profile does not allow in the node, with the profile’s message, to catch', async () => {
    const caught = nextMessage<CaughtMsg>(helper.getNode('caught'));
    helper.getNode('cmd').receive({ payload: { valve: 'half' }, device: 'wm-3-2-502' });
    const { error, payload } = await caught;
    expect(payload).toEqual({ valve: 'half' });
    expect(error.source).toMatchObject({ id: 'cmd', type: 'gridlink-command' });
    expect(error.message).toMatch(
      /^refused by the water_meter profile: gridlink\/wm-3-2-502\/set: valve: expected one of "close", "open", received string "half"$/,
    );
    expect(statusesOf(helper.getNode('cmd')).all().at(-1)).toEqual({
      fill: 'red',
      shape: 'dot',
      text: `error: ${error.message}`,
    });
    const unknownCommand = nextMessage<CaughtMsg>(helper.getNode('caught'));
    helper.getNode('cmd').receive({ payload: { door: 'release' }, device: 'wm-3-2-502' });
    expect((await unknownCommand).error.message).toMatch(/a command field: one of valve/);
  });

  it('says what is wrong with a message it cannot send: no device, an unknown device, no command object', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ payload: { valve: 'close' } }, "no device: set the node's device, or msg.device to a device id"],
      [{ payload: { valve: 'close' }, device: 'wm-9-9-999' }, "device wm-9-9-999 is not on the gateway's record"],
      [
        { payload: 'close', device: 'wm-3-2-501' },
        'msg.payload must be an object with the command, e.g. {"valve":"close"}',
      ],
    ];
    for (const [msg, reason] of cases) {
      const caught = nextMessage<CaughtMsg>(helper.getNode('caught'));
      helper.getNode('cmd').receive(msg);
      expect((await caught).error.message).toBe(reason);
    }
  });

  it('reports the gateway’s refusal of a command to a device the account is not granted', async () => {
    const caught = nextMessage<CaughtMsg>(helper.getNode('caught'));
    helper.getNode('cmd').receive({ payload: { door: 'release', duration_s: 30 }, device: 'ac-3-2' });
    expect((await caught).error.message).toBe(
      'the gateway closed the connection before acknowledging gridlink/ac-3-2/set: it refused the publish (is this account granted it?)',
    );
    // The refused command is not sent again on the next connection, which comes back.
    const statuses = statusesOf(helper.getNode('cmd'));
    const { index } = await statuses.waitFor((s) => s.fill === 'yellow');
    await statuses.waitFor((s) => s.fill === 'green', index);
  });
});

describe('gridlink-command when the gateway refuses a command it acknowledged (its rate limit)', () => {
  let site: GatewaySite;

  beforeAll(async () => {
    site = await startGatewaySite({ commandsPerMinute: 1 });
    await helper.startServer();
    const nodes = await builtNodes();
    await helper.load(
      [nodes['gridlink-gateway'], nodes['gridlink-command']] as never,
      testFlow([
        { id: 'flow', type: 'tab' },
        { id: 'gw', type: 'gridlink-gateway', host: site.host, port: site.port },
        { id: 'cmd', z: 'flow', type: 'gridlink-command', gateway: 'gw', device: 'wm-3-2-501', wires: [['sent']] },
        { id: 'sent', z: 'flow', type: 'helper' },
        { id: 'catcher', z: 'flow', type: 'catch', scope: null, uncaught: false, wires: [['caught']] },
        { id: 'caught', z: 'flow', type: 'helper' },
      ]),
      { gw: { username: 'nodered', password: NODERED_PASSWORD } },
    );
    await statusesOf(helper.getNode('cmd')).waitFor((s) => s.fill === 'green');
  });
  afterAll(async () => {
    await helper.unload();
    await helper.stopServer();
    await site.close();
  });

  it('reports the refusal the gateway sends to the dead-letter topic, with the message that was refused', async () => {
    const first = nextMessage(helper.getNode('sent'));
    helper.getNode('cmd').receive({ payload: { valve: 'close' }, _first: true });
    await first;
    const caught = nextMessage<CaughtMsg & { _second?: boolean }>(helper.getNode('caught'));
    helper.getNode('cmd').receive({ payload: { valve: 'open' }, _second: true });
    const refused = await caught;
    expect(refused._second).toBe(true);
    expect(refused.error.message).toMatch(
      /^the gateway refused the command: integrator nodered sent more than 1 commands a minute .*not delivered$/,
    );
  });
});
