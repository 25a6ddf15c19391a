import { type DeviceKind, profileOf } from '@gridlink/protocol';
import { z } from 'zod';
import { gaussian, pick, type Random } from './random.js';

type State = Record<string, unknown>;

interface Bounds {
  minimum?: number;
  maximum?: number;
  type?: string;
}

/**
 * Sensor noise (one standard deviation) around the true value, per field, as cheap IoT sensors
 * show it. Fields not listed (counts, floors, registers) are reported exactly.
 */
const NOISE: Record<string, number> = {
  temperature: 0.15,
  humidity: 0.8,
  pressure: 2.5,
  rssi: 2,
  smoke_density: 0.004,
  gas_lel: 0.2,
  water_level: 0.8,
  tilt: 0.15,
};

/** Where the `step` of decimals stops: what the device's firmware rounds to. */
const DECIMALS: Record<string, number> = { temperature: 1, humidity: 1, pressure: 0, rssi: 0, smoke_density: 3 };

/**
 * The true condition of one device and what its sensors report of it: noisy readings around the
 * true value (which scenarios move, e.g. a gas concentration rising), a battery draining with
 * time, and the discrete fields (door, valve) as they are. Reproducible from the random given.
 */
export class StateModel {
  private readonly truth: State;
  private readonly bounds = new Map<string, Bounds>();
  private battery: number | undefined;
  private last: number | undefined;

  constructor(
    readonly kind: DeviceKind,
    private readonly random: Random,
    initial: State = {},
    /** Battery percentage lost per day (NB-IoT detectors last 5–10 years: 0.02–0.05 %/day). */
    private readonly batteryDrainPerDay = 0.03,
  ) {
    const profile = profileOf(kind);
    for (const [field, schema] of Object.entries(profile.state))
      this.bounds.set(field, z.toJSONSchema(schema, { unrepresentable: 'any' }) as Bounds);
    this.truth = { ...pick(random, profile.examples.state), ...initial };
    for (const field of Object.keys(profile.state)) {
      if (this.truth[field] === undefined && field === 'rssi') this.truth.rssi = Math.round(gaussian(random, -85, 6));
    }
    if (typeof this.truth.battery === 'number') this.battery = this.truth.battery;
  }

  /** The true value of a field (what a scenario set), not a noisy reading. */
  get(field: string): unknown {
    return field === 'battery' ? this.battery : this.truth[field];
  }

  /** Changes the device's true condition (a gas concentration, a door, a battery swap). */
  set(patch: State): void {
    for (const [field, value] of Object.entries(patch)) {
      if (!this.bounds.has(field))
        throw new Error(`${this.kind} has no state field "${field}" (fields: ${[...this.bounds.keys()].join(', ')})`);
      if (field === 'battery' && typeof value === 'number') this.battery = value;
      this.truth[field] = value;
    }
  }

  /** One report at time `now`: noisy readings, the battery drained since the last report. */
  read(now: number): State {
    if (this.battery !== undefined && this.last !== undefined && now > this.last)
      this.battery = Math.max(0, this.battery - (this.batteryDrainPerDay * (now - this.last)) / 86_400_000);
    this.last = now;
    const report: State = {};
    for (const [field, value] of Object.entries(this.truth)) {
      if (field === 'battery' && this.battery !== undefined) report.battery = Math.floor(this.battery);
      else report[field] = typeof value === 'number' ? this.noisy(field, value) : value;
    }
    return report;
  }

  private noisy(field: string, value: number): number {
    const {
      minimum = Number.NEGATIVE_INFINITY,
      maximum = Number.POSITIVE_INFINITY,
      type,
    } = this.bounds.get(field) ?? {};
    const sd = NOISE[field] ?? 0;
    const read = Math.min(maximum, Math.max(minimum, sd > 0 ? gaussian(this.random, value, sd) : value));
    if (type === 'integer') return Math.round(read);
    const places = DECIMALS[field] ?? 2;
    const factor = 10 ** places;
    return Math.round(read * factor) / factor;
  }
}
