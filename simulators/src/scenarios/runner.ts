import { profileOf } from '@gridlink/protocol';
import type { Clock } from '../clock.js';
import { type CommunityDevice, generateCommunity } from '../community/generator.js';
import { DeviceSimulator } from '../device-simulator.js';
import type { OnvifCameraFarm } from '../onvif/index.js';
import { fork, seededRandom } from '../random.js';
import type { CloudLink, Scenario, ScenarioContext } from './scenario.js';

let fullCommunity: CommunityDevice[] | undefined;

/** The scenario's devices as the generated community installs them (place, tags), in its order. */
export function scenarioDevices(scenario: Scenario): CommunityDevice[] {
  fullCommunity ??= generateCommunity().devices;
  const byId = new Map(fullCommunity.map((device) => [device.id, device]));
  return scenario.devices.map((id) => {
    const device = byId.get(id);
    if (!device) throw new Error(`scenario ${scenario.name}: device ${id} is not in the generated community`);
    return device;
  });
}

/** Every device any scenario drives (npm start keeps them for scenarios). */
export function allScenarioDevices(scenarios: readonly Scenario[]): CommunityDevice[] {
  const byId = new Map<string, CommunityDevice>();
  for (const scenario of scenarios) for (const device of scenarioDevices(scenario)) byId.set(device.id, device);
  return [...byId.values()];
}

export interface RunScenarioOptions {
  scenario: Scenario;
  brokerUrl: string;
  baseTopic?: string;
  /** Each device's MQTT password. */
  passwords: ReadonlyMap<string, string>;
  /** Scenario time; the real clock by default. */
  now?: Clock;
  /** How scenario time passes; a real wait by default. */
  wait?: (ms: number) => Promise<void>;
  cloudLink?: CloudLink;
  /** The scenario's ONVIF cameras, already running (the gateway must know their addresses). */
  cameras?: OnvifCameraFarm;
  seed?: number;
  say?: (line: string) => void;
}

export interface ScenarioRun {
  devices: ReadonlyMap<string, DeviceSimulator>;
  /** Disconnects the scenario's devices (cleanly: they say offline). */
  stop(): Promise<void>;
}

const realWait = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Plays a scenario against a gateway's broker: connects its devices with their own credentials (a
 * healthy battery, the state its setup gives), runs the script, and leaves the devices connected
 * for the caller to check what followed. Devices report only when the script says so, so what
 * reaches the gateway is exactly the story.
 */
export async function runScenario(options: RunScenarioOptions): Promise<ScenarioRun> {
  const { scenario } = options;
  for (const need of scenario.needs ?? []) {
    if (need === 'cloud_link' && !options.cloudLink)
      throw new Error(
        `scenario ${scenario.name} needs control of the gateway's link to the cloud; it runs in the scenario tests (scripts/scenarios.test.ts)`,
      );
    if (need === 'onvif_cameras' && !options.cameras)
      throw new Error(
        `scenario ${scenario.name} needs its ONVIF cameras hosted beside the gateway; it runs in the scenario tests (scripts/scenarios.test.ts)`,
      );
  }
  const now = options.now ?? Date.now;
  const random = seededRandom(options.seed ?? 2026);
  const devices = new Map<string, DeviceSimulator>();
  const say = options.say ?? (() => {});
  try {
    for (const device of scenarioDevices(scenario)) {
      // ONVIF cameras speak SOAP to the gateway's adapter, not MQTT: the runner's caller hosts them.
      if (device.kind === 'onvif_camera') continue;
      const password = options.passwords.get(device.id);
      if (password === undefined) throw new Error(`no password for ${device.id} in the credentials given`);
      const setup = scenario.setup?.[device.id];
      const hasBattery = 'battery' in profileOf(device.kind).state;
      const simulator = new DeviceSimulator({
        deviceId: device.id,
        kind: device.kind,
        password,
        brokerUrl: options.brokerUrl,
        ...(options.baseTopic === undefined ? {} : { baseTopic: options.baseTopic }),
        random: fork(random, device.id),
        stateIntervalMs: 0,
        initialState: { ...(hasBattery ? { battery: 90 } : {}), ...setup?.state },
        litresPerDay: setup?.litresPerDay ?? device.litresPerDay ?? 0,
        now,
      });
      devices.set(device.id, simulator);
      await simulator.start();
    }
    const context: ScenarioContext = {
      device(id) {
        const simulator = devices.get(id);
        if (!simulator)
          throw new Error(
            `scenario ${scenario.name}: ${id} is not one of its devices (${scenario.devices.join(', ')})`,
          );
        return simulator;
      },
      now,
      wait: options.wait ?? realWait,
      ...(options.cloudLink ? { cloudLink: options.cloudLink } : {}),
      ...(options.cameras ? { cameras: options.cameras } : {}),
      say,
    };
    await scenario.run(context);
  } catch (err) {
    await Promise.all([...devices.values()].map((device) => device.stop().catch(() => {})));
    throw err;
  }
  return {
    devices,
    stop: async () => {
      await Promise.all([...devices.values()].map((device) => device.stop().catch(() => {})));
    },
  };
}
