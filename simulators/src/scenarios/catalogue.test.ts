import { describe, expect, it } from 'vitest';
import { SCENARIOS, scenarioNamed } from './catalogue.js';
import { scenarioDevices } from './runner.js';

describe('the scenario catalogue', () => {
  it.each(SCENARIOS.map((s) => [s.name, s] as const))(
    '%s: its devices are in the community, its expectations name them',
    (_name, scenario) => {
      expect(scenario.name).toMatch(/^[a-z0-9][a-z0-9-]*$/);
      const devices = scenarioDevices(scenario);
      expect(devices.map((d) => d.id)).toEqual(scenario.devices);
      const ids = new Set(scenario.devices);
      for (const alert of scenario.expects.alerts) expect(ids.has(alert.device), alert.device).toBe(true);
      for (const incident of scenario.expects.incidents) {
        expect(ids.has(incident.device), incident.device).toBe(true);
        expect(incident.alerts).toBeGreaterThanOrEqual(1);
      }
      for (const camera of scenario.cameras ?? [])
        expect(devices.find((d) => d.id === camera.id)?.kind, camera.id).toBe('onvif_camera');
      expect(Number.isNaN(Date.parse(scenario.startsAt))).toBe(false);
      // Every alert an incident counts was expected as raised.
      const linked = scenario.expects.incidents.reduce((n, i) => n + i.alerts, 0);
      expect(linked).toBeLessThanOrEqual(scenario.expects.alerts.length);
    },
  );

  it('lists the scenarios once each, in order, and names them when one is unknown', () => {
    expect(SCENARIOS.map((s) => s.name)).toEqual([
      'fire-building-3',
      'gas-leak',
      'manhole-cover-removed',
      'elderly-no-water',
      'fire-lane-blocked',
      'cloud-outage',
      'camera-reboot-storm',
    ]);
    expect(() => scenarioNamed('flood')).toThrow('no scenario named "flood"; scenarios: fire-building-3, gas-leak');
  });
});
