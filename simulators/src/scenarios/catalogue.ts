import { cameraRebootStorm } from './camera-reboot-storm.js';
import { cloudOutage } from './cloud-outage.js';
import { elderlyNoWater } from './elderly-no-water.js';
import { fireBuilding3 } from './fire-building-3.js';
import { fireLaneBlocked } from './fire-lane-blocked.js';
import { gasLeak } from './gas-leak.js';
import { manholeCoverRemoved } from './manhole-cover-removed.js';
import type { Scenario } from './scenario.js';

/** Every scripted scenario, by name. */
export const SCENARIOS: readonly Scenario[] = [
  fireBuilding3,
  gasLeak,
  manholeCoverRemoved,
  elderlyNoWater,
  fireLaneBlocked,
  cloudOutage,
  cameraRebootStorm,
];

export function scenarioNamed(name: string): Scenario {
  const scenario = SCENARIOS.find((s) => s.name === name);
  if (!scenario) throw new Error(`no scenario named "${name}"; scenarios: ${SCENARIOS.map((s) => s.name).join(', ')}`);
  return scenario;
}
