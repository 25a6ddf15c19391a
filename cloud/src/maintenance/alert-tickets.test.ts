import { type AlertPayload, type CloudEvent, createCloudEvent } from '@gridlink/protocol';
import { describe, expect, it } from 'vitest';
import { IncidentEngine } from '../incidents/engine.js';
import { BACKENDS, manualClock, useMigratedDatabase } from '../test-support.js';
import { repeatOffenders } from './offenders.js';

const T0 = Date.parse('2026-11-25T08:00:00.000Z');
const minutes = (n: number) => new Date(T0 + n * 60_000).toISOString();

/**
 * Maintenance tickets the gateway's own alerts open (low battery, tamper, faults: the device-event
 * policy `maintenance_ticket`): one open ticket per device and fault whatever order or how often
 * the alerts come, closed by the system when the gateway clears them, repeat offenders counted.
 */
describe.each(BACKENDS)('maintenance tickets from gateway alerts (%s)', (backend) => {
  const db = useMigratedDatabase(backend, { what: 'database' });
  const clock = manualClock('2026-11-25T08:00:00.000Z');
  const engine = () => new IncidentEngine(db(), clock);
  let community = 320803001300;
  let counter = 0;

  function newCommunity() {
    community++;
    const code = String(community);
    const gateway = `gw-alerts-${code}`;
    const raised = (alertId: string, options: { device?: string; at?: number; category?: string } = {}) => {
      counter++;
      const device = options.device ?? 'smoke-1';
      const at = minutes(options.at ?? 0);
      const data: AlertPayload = {
        alert_id: alertId,
        rule_id: 'battery-low',
        device_id: device,
        state: 'active',
        severity: 'warning',
        category: options.category ?? 'device_maintenance.low_battery',
        since: at,
        last_seen: at,
        occurrences: 1,
        message: { zh: `${device} 电量低`, en: `${device} battery low` },
        place: { community: code, building: '3', unit: '1', floor: 2 },
      };
      return createCloudEvent({
        id: `evt-${process.pid}-${counter}`,
        type: 'cn.gridlink.alert.raised.v1',
        gatewayId: gateway,
        deviceId: device,
        time: at,
        data,
        priority: 'alarm',
      }) as CloudEvent;
    };
    const cleared = (alertId: string, options: { device?: string; at?: number } = {}) => {
      counter++;
      const device = options.device ?? 'smoke-1';
      const at = minutes(options.at ?? 10);
      return createCloudEvent({
        id: `evt-${process.pid}-${counter}`,
        type: 'cn.gridlink.alert.cleared.v1',
        gatewayId: gateway,
        deviceId: device,
        time: at,
        data: {
          alert_id: alertId,
          rule_id: 'battery-low',
          device_id: device,
          cleared_at: at,
          reason: 'condition_false',
        },
        priority: 'alarm',
      }) as CloudEvent;
    };
    const tickets = async () =>
      (
        await db().query<{ id: string; state: string; device_id: string; category_code: string }>(
          `SELECT id, state, device_id, category_code FROM incidents WHERE community = $1 ORDER BY created_at, id`,
          [code],
        )
      ).rows;
    return { code, raised, cleared, tickets };
  }

  it('opens one ticket for a low battery and closes it with the system’s recover step when the gateway clears it', async () => {
    const c = newCommunity();
    const [opened] = await engine().fromAlerts([c.raised('a-1')]);
    expect(opened).toMatchObject({ outcome: 'created', policy: 'maintenance_ticket', incident: { state: 'REPORTED' } });
    const [closed] = await engine().fromAlerts([c.cleared('a-1')]);
    expect(closed).toMatchObject({ outcome: 'linked', incident: { state: 'CLOSED' } });
    const [ticket] = await c.tickets();
    expect(ticket).toMatchObject({ state: 'CLOSED', category_code: 'device_maintenance.low_battery' });
    const steps = await engine().steps(ticket?.id as string);
    expect(steps.map((step) => [step.action, step.role, step.toState])).toEqual([
      ['report', 'system', 'REPORTED'],
      ['recover', 'system', 'CLOSED'],
    ]);
    expect(steps[1]?.comment).toBe('网关已解除告警（如已更换电池、防拆已复位）：自动结案');
  });

  it('closes the ticket when the clear is handled before its raise, and never opens a second for duplicates', async () => {
    const c = newCommunity();
    const raise = c.raised('a-2');
    const clear = c.cleared('a-2');
    expect(await engine().fromAlerts([clear])).toMatchObject([{ outcome: 'ignored', reason: 'unknown_alert' }]);
    expect(await engine().fromAlerts([raise])).toMatchObject([{ outcome: 'created', incident: { state: 'CLOSED' } }]);
    // The same messages again, and again together in one batch in either order.
    await engine().fromAlerts([raise]);
    await engine().fromAlerts([clear, raise, raise, clear]);
    expect((await c.tickets()).map((t) => t.state)).toEqual(['CLOSED']);
  });

  it('keeps one open ticket per device and fault: later raises join it however late, concurrent ones too', async () => {
    const c = newCommunity();
    // Two new alert ids for one device fault at once (two replicas), then one hours later.
    await Promise.all([engine().fromAlerts([c.raised('b-1')]), engine().fromAlerts([c.raised('b-2', { at: 1 })])]);
    await engine().fromAlerts([c.raised('b-3', { at: 6 * 60 })]);
    // Another detector of the same stairwell is its own ticket; tamper is another fault.
    await engine().fromAlerts([c.raised('b-4', { device: 'smoke-2' })]);
    await engine().fromAlerts([c.raised('b-5', { category: 'device_maintenance.tamper' })]);
    const open = await c.tickets();
    expect(open.map((t) => [t.device_id, t.category_code, t.state])).toEqual([
      ['smoke-1', 'device_maintenance.low_battery', 'REPORTED'],
      ['smoke-2', 'device_maintenance.low_battery', 'REPORTED'],
      ['smoke-1', 'device_maintenance.tamper', 'REPORTED'],
    ]);
    // Closed only once every alert it holds is cleared.
    await engine().fromAlerts([c.cleared('b-1'), c.cleared('b-2')]);
    expect((await c.tickets())[0]?.state).toBe('REPORTED');
    await engine().fromAlerts([c.cleared('b-3', { at: 400 })]);
    expect((await c.tickets()).map((t) => t.state)).toEqual(['CLOSED', 'REPORTED', 'REPORTED']);
  });

  it('counts repeat offenders: devices whose tickets came back within the window', async () => {
    const c = newCommunity();
    for (const [n, at] of [
      [1, 0],
      [2, 60],
      [3, 120],
    ] as const) {
      await engine().fromAlerts([c.raised(`r-${n}`, { at })]);
      await engine().fromAlerts([c.cleared(`r-${n}`, { at: at + 10 })]);
    }
    const titles = await db().query<{ title: string }>(
      'SELECT title FROM incidents WHERE community = $1 ORDER BY created_at, id',
      [c.code],
    );
    // Each ticket counts the device's tickets in the window, itself included.
    expect(titles.rows.map((row) => row.title)).toEqual([
      'smoke-1 电量低（30 天内第 1 次）',
      'smoke-1 电量低（30 天内第 2 次）',
      'smoke-1 电量低（30 天内第 3 次）',
    ]);
    await engine().fromAlerts([c.raised('r-4', { device: 'smoke-2' })]);
    await engine().fromAlerts([c.raised('r-5', { at: 200, category: 'device_maintenance.tamper' })]);
    expect(await repeatOffenders(db(), c.code, 30, clock())).toEqual([
      {
        device_id: 'smoke-1',
        gateway_id: `gw-alerts-${c.code}`,
        tickets: 4,
        open: 1,
        categories: ['device_maintenance.low_battery', 'device_maintenance.tamper'],
        last_opened_at: clock().toISOString(),
      },
    ]);
    clock.advance(31 * 86_400_000);
    expect(await repeatOffenders(db(), c.code, 30, clock())).toEqual([]);
  });
});
