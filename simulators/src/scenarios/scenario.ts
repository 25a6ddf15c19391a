import type { Clock } from '../clock.js';
import type { DeviceSimulator } from '../device-simulator.js';
import type { OnvifCameraFarm, OnvifQuirks } from '../onvif/index.js';

/** One alert the gateway's rules raise: rule id and the device it names. Each is raised once. */
export interface ExpectedAlert {
  rule: string;
  device: string;
}

/**
 * One grid incident (or maintenance ticket) the cloud opens: its category, the device of the alert
 * that opened it, whether it is urgent, and how many alerts end up linked to it (dedup merges).
 */
export interface ExpectedIncident {
  category: string;
  device: string;
  urgent: boolean;
  alerts: number;
}

/** A command the gateway's rules send to a device (close the gas valve). */
export interface ExpectedCommand {
  device: string;
  command: Record<string, unknown>;
}

/** Exactly what a scenario must produce: no more, no fewer. */
export interface Expectations {
  alerts: ExpectedAlert[];
  incidents: ExpectedIncident[];
  commands?: ExpectedCommand[];
}

/** The link between gateway and cloud, for scenarios about outages. */
export interface CloudLink {
  down(): Promise<void>;
  up(): Promise<void>;
}

/** What a scenario may need beyond MQTT devices. */
export type ScenarioNeed = 'cloud_link' | 'onvif_cameras';

/** How one device starts: its true condition, and for water meters the household's daily use. */
export interface DeviceSetup {
  state?: Record<string, unknown>;
  litresPerDay?: number;
}

export interface ScenarioContext {
  /** A device of the scenario, connected with its own credentials. */
  device(id: string): DeviceSimulator;
  /** Scenario time. */
  now: Clock;
  /**
   * Lets scenario time pass. Compressed (tests): the clock the gateway runs on moves at once.
   * Against a running system: a real wait.
   */
  wait(ms: number): Promise<void>;
  /** Present when the runner controls the gateway's link to the cloud (`needs: cloud_link`). */
  cloudLink?: CloudLink;
  /** Present when the runner hosts the scenario's ONVIF cameras (`needs: onvif_cameras`). */
  cameras?: OnvifCameraFarm;
  say(line: string): void;
}

/** A scripted scenario: data (devices, start time, expectations) and the script that plays it. */
export interface Scenario {
  name: string;
  title: { zh: string; en: string };
  /** What happens, for the people watching. */
  story: string;
  /** Ids of the devices the script drives, from the generated community (ONVIF cameras included). */
  devices: string[];
  /**
   * The ONVIF cameras among the devices, with the firmware quirks each one has: the runner hosts
   * them (an OnvifCameraFarm) and the gateway's ONVIF adapter talks to them over SOAP.
   */
  cameras?: Array<{ id: string; quirks?: Partial<OnvifQuirks> }>;
  setup?: Record<string, DeviceSetup>;
  /** When the story happens (UTC); compressed runs start their clock here. */
  startsAt: string;
  /** How much scenario time the script spans, in seconds. */
  durationS: number;
  needs?: ScenarioNeed[];
  expects: Expectations;
  run(context: ScenarioContext): Promise<void>;
}
