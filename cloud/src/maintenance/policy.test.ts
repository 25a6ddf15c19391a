import { describe, expect, it } from 'vitest';
import { render } from '../i18n/index.js';
import { IncidentEngine } from '../incidents/engine.js';
import { BACKENDS, manualClock, silentLogger, useMigratedDatabase } from '../test-support.js';
import { MaintenancePolicy } from './policy.js';
import { MaintenanceSettingsStore } from './settings.js';

const MINUTE = 60_000;
const ADMIN = { kind: 'admin' } as const;

interface TicketRow {
  id: string;
  state: string;
  category_code: string;
  source: string;
  community: string;
  building: string | null;
  device_id: string | null;
  gateway_id: string | null;
  title: string;
  title_message: { code: string; params: Record<string, unknown> };
  last_occurred_at: Date;
  closed_at: Date | null;
}

/**
 * The built-in maintenance policy (docs/domain.md §7) over the devices projection: one ticket per
 * device and fault, updated by later sweeps, closed on recovery, repeat offenders counted, silent
 * gateways, and two replicas sweeping at once.
 */
describe.each(BACKENDS)('the maintenance policy (%s)', (backend) => {
  const db = useMigratedDatabase(backend, { what: 'database' });
  const clock = manualClock('2026-11-25T08:00:00.000Z');
  const policy = () => new MaintenancePolicy(db(), new IncidentEngine(db(), clock), { clock, logger: silentLogger() });
  let community = 320803001200;

  /** A fresh community with a gateway that has just spoken, so tests share the database without meeting. */
  async function newCommunity() {
    community++;
    const code = String(community);
    const gateway = `gw-maint-${code}`;
    await db().query('INSERT INTO gateways (id, created_at, community) VALUES ($1, $2, $3)', [gateway, clock(), code]);
    await heard(gateway);
    const device = async (id: string, fields: Record<string, unknown> = {}) => {
      await db().query(
        `INSERT INTO devices (community, device_id, gateway_id, device_kind, place, status, availability,
                              availability_since, battery, faults, tamper, first_reported_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, 'active', 'online', $6, $7, $8, $9, $6, $6)`,
        [
          code,
          id,
          gateway,
          fields.kind ?? 'smoke_detector',
          JSON.stringify({ community: code, building: '3', unit: '1', floor: 2 }),
          clock(),
          fields.battery ?? 90,
          fields.faults ?? [],
          fields.tamper ?? false,
        ],
      );
    };
    const set = (id: string, assignments: string, ...values: unknown[]) =>
      db().query(`UPDATE devices SET ${assignments} WHERE community = $1 AND device_id = $2`, [code, id, ...values]);
    const offline = (id: string) => set(id, "availability = 'offline', availability_since = $3", clock());
    const online = (id: string) => set(id, "availability = 'online', availability_since = $3", clock());
    const tickets = async (): Promise<TicketRow[]> =>
      (
        await db().query<TicketRow>(
          `SELECT id, state, category_code, source, community, building, device_id, gateway_id, title, title_message,
                  last_occurred_at, closed_at
             FROM incidents WHERE community = $1 ORDER BY created_at, id`,
          [code],
        )
      ).rows;
    return { code, gateway, device, set, offline, online, tickets };
  }

  let events = 0;
  /** The gateway sent something now (a stored event). */
  async function heard(gateway: string) {
    events++;
    await db().query(
      `INSERT INTO gateway_events (source, id, gateway_id, type, priority, time, received_at, data)
       VALUES ($1, $2, $1, 'cn.gridlink.gateway.health.v1', 'telemetry', $3, $3, '{}')`,
      [gateway, `evt-${gateway}-${events}`, clock()],
    );
  }

  it('opens one ticket for a device offline past its threshold; a second sweep updates it; recovery closes it', async () => {
    const c = await newCommunity();
    await c.device('smoke-1');
    await c.offline('smoke-1');
    clock.advance(59 * MINUTE);
    await heard(c.gateway);
    await policy().sweep();
    expect(await c.tickets()).toEqual([]);

    clock.advance(2 * MINUTE);
    await heard(c.gateway);
    const first = await policy().sweep();
    const [ticket] = await c.tickets();
    expect(first.opened).toEqual([ticket?.id]);
    expect(ticket).toMatchObject({
      state: 'REPORTED',
      category_code: 'device_maintenance.offline',
      source: 'iot',
      building: '3',
      device_id: 'smoke-1',
      gateway_id: c.gateway,
      title_message: { code: 'maintenance.title_device', params: { device: 'smoke-1', fault: 'offline', repeats: 1 } },
    });
    expect(ticket?.title).toBe('设备 smoke-1离线（30 天内第 1 次）');
    expect(render(ticket?.title_message as never, 'en')).toBe('Device smoke-1: offline (1 in 30 days)');

    clock.advance(5 * MINUTE);
    await heard(c.gateway);
    const second = await policy().sweep();
    expect(second.updated).toContain(ticket?.id);
    const after = await c.tickets();
    expect(after).toHaveLength(1);
    expect(after[0]?.last_occurred_at).toEqual(clock());

    await c.online('smoke-1');
    const third = await policy().sweep();
    expect(third.closed).toEqual([ticket?.id]);
    const closed = await c.tickets();
    expect(closed).toMatchObject([{ id: ticket?.id, state: 'CLOSED' }]);
    expect(closed[0]?.closed_at).not.toBeNull();
    const steps = await new IncidentEngine(db(), clock).steps(ticket?.id as string);
    expect(steps.map((step) => [step.action, step.actor, step.role])).toEqual([
      ['report', 'cloud:maintenance', 'system'],
      ['recover', 'cloud:maintenance', 'system'],
    ]);
    expect(steps.map((step) => step.comment)).toEqual(['设备运维策略：离线，转物业维修工单', '离线已恢复：自动结案']);
  });

  it('takes the device kind’s own offline threshold, as the tenant edits it', async () => {
    const c = await newCommunity();
    await c.device('meter-1', { kind: 'water_meter' });
    await c.device('smoke-2');
    await new MaintenanceSettingsStore(db(), clock).replace(ADMIN, {
      offline_minutes: 60,
      offline_minutes_by_kind: { water_meter: 10 },
      gateway_silent_minutes: 30,
      repeat_window_days: 30,
    });
    try {
      await c.offline('meter-1');
      await c.offline('smoke-2');
      clock.advance(11 * MINUTE);
      await heard(c.gateway);
      await policy().sweep();
      expect((await c.tickets()).map((t) => t.device_id)).toEqual(['meter-1']);
    } finally {
      await new MaintenanceSettingsStore(db(), clock).replace(ADMIN, {
        offline_minutes: 60,
        offline_minutes_by_kind: {},
        gateway_silent_minutes: 30,
        repeat_window_days: 30,
      });
    }
  });

  it('counts repeat offenders: each new ticket of a device shows how many it had in the window', async () => {
    const c = await newCommunity();
    await c.device('smoke-3');
    for (const round of [1, 2, 3]) {
      await c.offline('smoke-3');
      clock.advance(61 * MINUTE);
      await heard(c.gateway);
      await policy().sweep();
      const last = (await c.tickets()).at(-1);
      expect(last?.state).toBe('REPORTED');
      expect(await c.tickets()).toHaveLength(round);
      await c.online('smoke-3');
      expect((await policy().sweep()).closed).toContain(last?.id);
      expect(last?.title_message.params).toMatchObject({ repeats: round, fault: 'offline' });
      clock.advance(24 * 60 * MINUTE);
    }
    expect(await c.tickets()).toHaveLength(3);
  });

  it('leaves a device alone whose offline ticket came another way (a rule of the gateway): never two tickets', async () => {
    const c = await newCommunity();
    await c.device('smoke-9');
    await db().query(
      `INSERT INTO incidents (id, state, category_code, severity, urgent, level, source, drill, community, device_id,
              intake_request_id, dedup_key, first_occurred_at, last_occurred_at, title, created_at, updated_at)
       VALUES ($1, 'REPORTED', 'device_maintenance.offline', 'minor', false, 'community', 'iot', false, $2, 'smoke-9',
               $1, 'gw|device_maintenance.offline|smoke-9', $3, $3, 'offline', $3, $3)`,
      [`INC-rule-${c.code}`, c.code, clock()],
    );
    await c.offline('smoke-9');
    clock.advance(61 * MINUTE);
    await heard(c.gateway);
    await policy().sweep();
    // (Other tests' gateways, silent by now, may get tickets of their own in this shared database.)
    expect((await c.tickets()).map((t) => t.id)).toEqual([`INC-rule-${c.code}`]);
  });

  it('opens a ticket for a gateway silent past its threshold, for the installer and the property', async () => {
    const c = await newCommunity();
    clock.advance(31 * MINUTE);
    await policy().sweep();
    const [ticket] = await c.tickets();
    expect(ticket).toMatchObject({
      category_code: 'device_maintenance.gateway_offline',
      community: c.code,
      gateway_id: c.gateway,
      device_id: null,
      title_message: { code: 'maintenance.title_gateway', params: { gateway: c.gateway, minutes: 30, repeats: 1 } },
    });
    expect(ticket?.title).toBe(`网关 ${c.gateway} 超过 30 分钟无消息（30 天内第 1 次）`);
    await heard(c.gateway);
    expect((await policy().sweep()).closed).toContain(ticket?.id);
  });

  it('opens one ticket when two replicas sweep at once', async () => {
    const c = await newCommunity();
    for (const id of ['race-1', 'race-2', 'race-3']) {
      await c.device(id);
      await c.offline(id);
    }
    clock.advance(61 * MINUTE);
    await heard(c.gateway);
    const results = await Promise.all([policy().sweep(), policy().sweep(), policy().sweep()]);
    const tickets = await c.tickets();
    expect(tickets).toHaveLength(3);
    expect(new Set(tickets.map((t) => t.device_id))).toEqual(new Set(['race-1', 'race-2', 'race-3']));
    const opened = results.flatMap((result) => result.opened).filter((id) => tickets.some((t) => t.id === id));
    expect(opened.sort()).toEqual(tickets.map((t) => t.id).sort());
    // And closing races too: each ticket is closed by one step.
    for (const id of ['race-1', 'race-2', 'race-3']) await c.online(id);
    await Promise.all([policy().sweep(), policy().sweep()]);
    for (const t of tickets) {
      const steps = await new IncidentEngine(db(), clock).steps(t.id);
      expect(steps.filter((step) => step.action === 'recover')).toHaveLength(1);
    }
  });

  it('refuses a second open ticket under one key in the database itself (migration 0028)', async () => {
    const c = await newCommunity();
    await c.device('dup-1');
    await c.offline('dup-1');
    clock.advance(61 * MINUTE);
    await heard(c.gateway);
    await policy().sweep();
    const [ticket] = await c.tickets();
    const copy = (id: string) =>
      db().query(
        `INSERT INTO incidents (id, state, category_code, severity, urgent, level, source, drill, community, device_id,
                intake_request_id, dedup_key, first_occurred_at, last_occurred_at, title, created_at, updated_at)
         SELECT $2, state, category_code, severity, urgent, level, source, drill, community, device_id,
                intake_request_id || $2, dedup_key, first_occurred_at, last_occurred_at, title, created_at, updated_at
           FROM incidents WHERE id = $1`,
        [id, `${id}-copy`],
      );
    await expect(copy(ticket?.id as string)).rejects.toThrow(/incidents_one_open_maintenance_ticket/);
  });
});
