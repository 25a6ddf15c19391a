import type { MqttClient } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import type { GrantChange } from '../registry/index.js';
import { closed, deadLetters, type IntegratorSite, inbox, startIntegratorSite } from './integrator-test-support.js';

let site: IntegratorSite | undefined;
afterEach(async () => {
  await site?.close();
  site = undefined;
});

async function start(grants: GrantChange, options?: Parameters<typeof startIntegratorSite>[1]) {
  site = await startIntegratorSite(grants, options);
  return site;
}

/** A device listening on its command topic; `commands` fills as they arrive. */
async function listening(id: string) {
  const device = await site?.device(id);
  if (!device) throw new Error('no site');
  const commands = inbox(device);
  await device.subscribeAsync(`gridlink/${id}/set`, { qos: 1 });
  return { device, commands };
}

/**
 * The gateway's own command to `id`, sent after whatever was refused: once it has arrived, anything
 * the integrator sent before it would have arrived too (one broker, in order).
 */
async function marker(id: string) {
  await site?.broker.publisher.publish(`gridlink/${id}/set`, { valve: 'open' }, { qos: 1 });
  return `gridlink/${id}/set {"valve":"open"}`;
}

const commandRows = () =>
  (site?.registry.auditLog() ?? [])
    .filter((entry) => entry.action.startsWith('mqtt.command'))
    .reverse()
    .map(({ username, role, action, target, detail }) => ({ username, role, action, target, detail }));

describe('an integrator commands only what it is granted', () => {
  it('an integrator granted one meter commands it: the meter receives the command and the audit log has it', async () => {
    const { integrator, broker } = await start({ commandDevices: ['wm-3-2-501'] });
    const meter = await listening('wm-3-2-501');
    const flow = await integrator();
    await flow.publishAsync('gridlink/wm-3-2-501/set', '{"valve":"close"}', { qos: 1 });
    await expect.poll(() => meter.commands).toEqual(['gridlink/wm-3-2-501/set {"valve":"close"}']);
    expect(commandRows()).toEqual([
      {
        username: 'nodered',
        role: 'integrator',
        action: 'mqtt.command',
        target: 'wm-3-2-501',
        detail: 'delivered: {"valve":"close"}',
      },
    ]);
    expect(site?.registry.auditLog()[0]?.address).toBe('127.0.0.1');
    expect(flow.connected).toBe(true);
    expect(broker.broker.refusals.total('publish')).toBe(0);
  });

  it('an integrator granted one meter cannot command another meter: refused, never delivered, audited', async () => {
    const { integrator, broker } = await start({ commandDevices: ['wm-3-2-501'] });
    const other = await listening('wm-3-2-502');
    const flow = await integrator();
    const cut = closed(flow);
    await flow.publishAsync('gridlink/wm-3-2-502/set', '{"valve":"close"}');
    // An ACL refusal closes the connection, as for every client (MQTT 3.1.1 has no reason code).
    await cut;
    const after = await marker('wm-3-2-502');
    await expect.poll(() => other.commands).toEqual([after]);
    expect(broker.broker.refusals.snapshot()['publish:acl_denied']).toBe(1);
    expect(commandRows()).toEqual([
      {
        username: 'nodered',
        role: 'integrator',
        action: 'mqtt.command',
        target: 'wm-3-2-502',
        detail: 'refused: integrator nodered is not granted commands to device wm-3-2-502',
      },
    ]);
  });

  it('a grant by kind covers every active device of that kind and no other kind', async () => {
    const { integrator } = await start({ commandKinds: ['water_meter'] });
    const first = await listening('wm-3-2-501');
    const second = await listening('wm-3-2-502');
    const door = await listening('ac-3-2');
    const flow = await integrator();
    await flow.publishAsync('gridlink/wm-3-2-501/set', '{"valve":"close"}', { qos: 1 });
    await flow.publishAsync('gridlink/wm-3-2-502/set', '{"valve":"close"}', { qos: 1 });
    await expect.poll(() => [...first.commands, ...second.commands]).toHaveLength(2);
    const cut = closed(flow);
    await flow.publishAsync('gridlink/ac-3-2/set', '{"action":"unlock"}');
    await cut;
    const after = await marker('ac-3-2');
    await expect.poll(() => door.commands).toEqual([after]);
  });

  it("a command outside the profile is refused with the profile's message and never reaches the device", async () => {
    const { integrator, broker } = await start({ commandDevices: ['wm-3-2-501'] });
    const meter = await listening('wm-3-2-501');
    const flow = await integrator();
    const letters = deadLetters(flow);
    await flow.subscribeAsync('gridlink/bridge/dead_letter/+', { qos: 1 });
    // Acknowledged (the flow must not resend it forever), then refused where devices' invalid messages go.
    await flow.publishAsync('gridlink/wm-3-2-501/set', '{"valve":"half"}', { qos: 1 });
    await expect.poll(() => letters).toHaveLength(1);
    const error = letters[0]?.error ?? '';
    expect(error).toMatch(/valve/);
    expect(letters[0]).toMatchObject({ topic: 'gridlink/wm-3-2-501/set', payload: '{"valve":"half"}' });
    const after = await marker('wm-3-2-501');
    await expect.poll(() => meter.commands).toEqual([after]);
    expect(flow.connected).toBe(true);
    expect(broker.broker.refusals.snapshot()['publish:command_invalid']).toBe(1);
    expect(commandRows()).toEqual([
      expect.objectContaining({ action: 'mqtt.command', target: 'wm-3-2-501', detail: `refused: ${error}` }),
    ]);
  });

  it('a revoked grant and a retired device apply at once, to a connection already open', async () => {
    const { integrator, registry } = await start({ commandDevices: ['wm-3-2-501', 'wm-3-2-502'] });
    let flow: MqttClient = await integrator();
    registry.revoke('nodered', { commandDevices: ['wm-3-2-502'] });
    let cut = closed(flow);
    await flow.publishAsync('gridlink/wm-3-2-502/set', '{"valve":"close"}');
    await cut;
    flow = await integrator();
    registry.retire('wm-3-2-501', 'removed by the water company');
    cut = closed(flow);
    await flow.publishAsync('gridlink/wm-3-2-501/set', '{"valve":"close"}');
    await cut;
    expect(commandRows().map((row) => row.detail)).toEqual([
      'refused: integrator nodered is not granted commands to device wm-3-2-502',
      'refused: device wm-3-2-501 is retired: it takes no commands',
    ]);
  });

  it('a read-only integrator (no grants) commands nothing', async () => {
    const { integrator } = await start({});
    const meter = await listening('wm-3-2-501');
    const flow = await integrator();
    const cut = closed(flow);
    await flow.publishAsync('gridlink/wm-3-2-501/set', '{"valve":"close"}');
    await cut;
    const after = await marker('wm-3-2-501');
    await expect.poll(() => meter.commands).toEqual([after]);
  });
});

describe("an integrator's commands are rate-limited per account", () => {
  it('beyond the burst, commands are refused with the limit named, not delivered, and the flood audited in two rows', async () => {
    let now = Date.parse('2026-12-06T08:00:00.000Z');
    const { integrator, broker } = await start(
      { commandDevices: ['wm-3-2-501'] },
      { limits: { integrator_command_burst: 3, integrator_commands_per_minute: 2 }, now: () => now },
    );
    const meter = await listening('wm-3-2-501');
    const flow = await integrator();
    // A second connection of the same account shares the allowance.
    const second = await integrator({ clientId: 'svc-nodered-2' });
    const letters = deadLetters(flow);
    await flow.subscribeAsync('gridlink/bridge/dead_letter/wm-3-2-501', { qos: 1 });
    for (let n = 1; n <= 3; n++) await flow.publishAsync('gridlink/wm-3-2-501/set', '{"valve":"close"}', { qos: 1 });
    for (let n = 1; n <= 4; n++) await second.publishAsync('gridlink/wm-3-2-501/set', '{"valve":"open"}', { qos: 1 });
    await expect.poll(() => letters).toHaveLength(1);
    expect(letters[0]?.error).toBe(
      'integrator nodered sent more than 2 commands a minute (burst 3; mqtt.limits.integrator_commands_per_minute): not delivered',
    );
    const after = await marker('wm-3-2-501');
    await expect.poll(() => meter.commands.at(-1)).toBe(after);
    expect(meter.commands).toEqual([...Array(3).fill('gridlink/wm-3-2-501/set {"valve":"close"}'), after]);
    expect(broker.broker.refusals.snapshot()['publish:command_rate_limited']).toBe(4);
    expect(flow.connected && second.connected).toBe(true);

    now += 30_000; // one command's allowance back
    await flow.publishAsync('gridlink/wm-3-2-501/set', '{"valve":"open"}', { qos: 1 });
    await expect.poll(() => meter.commands.at(-1)).toBe('gridlink/wm-3-2-501/set {"valve":"open"}');
    expect(commandRows().map((row) => `${row.action} ${row.detail}`)).toEqual([
      ...Array(3).fill('mqtt.command delivered: {"valve":"close"}'),
      `mqtt.command refused: ${letters[0]?.error}; further refusals are counted until commands flow again`,
      'mqtt.command_rate_limited 4 commands were refused by the rate limit and not delivered',
      'mqtt.command delivered: {"valve":"open"}',
    ]);
  });
});
