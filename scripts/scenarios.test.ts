import { runScenario, SCENARIOS, type ScenarioRun } from '@gridlink/simulators';
import { afterEach, describe, expect, it } from 'vitest';
import { type ScenarioSystem, startScenarioSystem } from './scenario-system.js';

const byText = <T>(items: T[]) => [...items].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
const POLL = { timeout: 20_000, interval: 50 };

/** Raised alerts the cloud stored but has neither linked to an incident nor held yet. */
async function unhandledAlerts(world: ScenarioSystem): Promise<number> {
  const { rows } = await world.cloud.db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM gateway_events e
      WHERE e.type = 'cn.gridlink.alert.raised.v1'
        AND NOT EXISTS (SELECT 1 FROM incident_alerts a WHERE a.alert_id = e.data->>'alert_id')
        AND NOT EXISTS (SELECT 1 FROM held_alerts h WHERE h.alert_id = e.data->>'alert_id')`,
  );
  return rows[0]?.n ?? 0;
}

describe('scripted scenarios end to end: simulated devices → the real gateway (embedded broker, built-in rules, outbox) → the real cloud (PostgreSQL)', () => {
  let system: ScenarioSystem | undefined;
  let run: ScenarioRun | undefined;
  afterEach(async () => {
    await run?.stop();
    await system?.stop();
    run = undefined;
    system = undefined;
  });

  for (const scenario of SCENARIOS) {
    const time = scenario.cameras
      ? "compressed time: the scenario drives the gateway's clock; the cameras reboot in real time against the ONVIF adapter's test timings of seconds"
      : "compressed time: the scenario drives the gateway's clock";
    it(`${scenario.name}: exactly the alerts, incidents and commands it states (${time})`, async () => {
      system = await startScenarioSystem(scenario);
      const world = system;
      run = await runScenario({
        scenario,
        brokerUrl: world.brokerUrl,
        passwords: world.passwords,
        now: world.clock,
        wait: (ms) => world.wait(ms),
        cloudLink: {
          down: async () => world.proxy.set({ kind: 'refuse' }, { cut: true }),
          up: async () => world.proxy.set({ kind: 'pass' }),
        },
        ...(world.cameras ? { cameras: world.cameras } : {}),
      });
      const { alerts, incidents, commands = [] } = scenario.expects;

      // Everything the scenario caused reaches the cloud.
      await expect
        .poll(async () => (await world.alerts()).length, { timeout: 20_000 })
        .toBeGreaterThanOrEqual(alerts.length);
      await expect
        .poll(async () => (await world.incidents()).reduce((n, i) => n + i.alerts, 0), { timeout: 20_000 })
        .toBeGreaterThanOrEqual(incidents.reduce((n, i) => n + i.alerts, 0));
      // Then nothing more can come: the scenario's clock stands still, the gateway's outbox is empty
      // (the cloud acknowledged all it produced), and the cloud took every stored alert into an
      // incident or held it. Only then are the results read, once.
      await expect.poll(() => Object.values(world.gateway.uplink?.outbox.depth() ?? {}), POLL).toEqual([0, 0, 0]);
      await expect.poll(() => unhandledAlerts(world), POLL).toBe(0);

      const raised = await world.alerts();
      expect(byText(raised.map(({ rule, device }) => ({ rule, device })))).toEqual(byText(alerts));
      expect(new Set(raised.map((alert) => alert.alertId)).size).toBe(raised.length);
      expect(byText(await world.incidents())).toEqual(byText(incidents));
      for (const device of scenario.devices) {
        const expected = commands.filter((c) => c.device === device).map((c) => c.command);
        expect(run.devices.get(device)?.commands.map((c) => c.command) ?? [], device).toEqual(expected);
      }
    }, 90_000);
  }
});
