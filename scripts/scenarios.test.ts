import { runScenario, SCENARIOS, type ScenarioRun } from '@gridlink/simulators';
import { afterEach, describe, expect, it } from 'vitest';
import { type ScenarioSystem, startScenarioSystem } from './scenario-system.js';

const byText = <T>(items: T[]) => [...items].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

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

      // Everything the scenario caused reaches the cloud; then a while longer, to see nothing more comes.
      await expect
        .poll(async () => (await world.alerts()).length, { timeout: 20_000 })
        .toBeGreaterThanOrEqual(alerts.length);
      await expect
        .poll(async () => (await world.incidents()).reduce((n, i) => n + i.alerts, 0), { timeout: 20_000 })
        .toBeGreaterThanOrEqual(incidents.reduce((n, i) => n + i.alerts, 0));
      await new Promise((resolve) => setTimeout(resolve, 1500));

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
