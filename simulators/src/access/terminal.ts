import type { Clock } from '../clock.js';
import type { DeviceSimulator } from '../device-simulator.js';
import { pick, poisson, type Random } from '../random.js';
import { localHour } from '../water-use.js';
import { passagesPerHour, type Resident } from './population.js';

export interface AccessRecord {
  at: number;
  event: 'access' | 'door_forced' | 'door_held_open';
  fields: Record<string, unknown>;
}

export interface TerminalRates {
  /** Visitors and couriers trying an unknown credential, per hour of daytime. */
  strangersPerDayHour: number;
  /** Door forced open, per day (rare: a resident pushing past a stuck lock, or a break-in). */
  forcedPerDay: number;
  /** Door propped open past the terminal's alarm delay, per day (moving furniture, deliveries). */
  heldOpenPerDay: number;
}

export const DEFAULT_TERMINAL_RATES: TerminalRates = {
  strangersPerDayHour: 0.3,
  forcedPerDay: 0.02,
  heldOpenPerDay: 0.1,
};

/**
 * A unit-entrance access-control terminal with its residents: card, face and QR openings following
 * the time of day, denials (expired cards, unknown visitors), a door forced or held open now and
 * then. `advance(to)` generates what happened since the last call and publishes it through the
 * device; exact for a seed and a clock.
 */
export class AccessControlTerminal {
  private last: number;
  readonly records: AccessRecord[] = [];

  constructor(
    readonly device: DeviceSimulator,
    readonly residents: readonly Resident[],
    private readonly random: Random,
    private readonly clock: Clock,
    private readonly rates: TerminalRates = DEFAULT_TERMINAL_RATES,
  ) {
    if (device.kind !== 'access_control')
      throw new Error(`AccessControlTerminal needs an access_control device, not ${device.kind} (${device.id})`);
    this.last = clock();
  }

  /** What happened between the last call and now, in time order; each one published as it happened. */
  async advance(): Promise<AccessRecord[]> {
    const now = this.clock();
    const records = this.plan(this.last, now);
    this.last = now;
    for (const record of records) {
      await this.device.emit(record.event, record.fields, record.at);
      this.records.push(record);
    }
    return records;
  }

  /** A resident opens the door now (scenarios: the one person who matters). */
  async open(resident: Resident): Promise<void> {
    await this.device.emit('access', this.attempt(resident));
  }

  async forced(): Promise<void> {
    await this.device.emit('door_forced');
  }

  async heldOpen(durationS: number): Promise<void> {
    await this.device.emit('door_held_open', { duration_s: durationS });
  }

  private plan(from: number, to: number): AccessRecord[] {
    const records: AccessRecord[] = [];
    for (let start = from; start < to; ) {
      const end = Math.min(to, Math.floor(start / 3600_000) * 3600_000 + 3600_000);
      const share = (end - start) / 3600_000;
      const hour = localHour(start);
      const at = () => start + Math.floor(this.random() * (end - start));
      for (const resident of this.residents) {
        for (let n = poisson(this.random, passagesPerHour(resident, hour) * share); n > 0; n--)
          records.push({ at: at(), event: 'access', fields: this.attempt(resident) });
      }
      const daytime = hour >= 7 && hour < 22;
      for (let n = poisson(this.random, daytime ? this.rates.strangersPerDayHour * share : 0); n > 0; n--)
        records.push({
          at: at(),
          event: 'access',
          fields: {
            method: pick(this.random, ['card', 'qr'] as const),
            result: 'denied',
            reason: 'unknown_credential',
          },
        });
      for (let n = poisson(this.random, (this.rates.forcedPerDay * share) / 24); n > 0; n--)
        records.push({ at: at(), event: 'door_forced', fields: {} });
      for (let n = poisson(this.random, (this.rates.heldOpenPerDay * share) / 24); n > 0; n--)
        records.push({
          at: at(),
          event: 'door_held_open',
          fields: { duration_s: 180 + Math.floor(this.random() * 600) },
        });
      start = end;
    }
    return records.sort((a, b) => a.at - b.at);
  }

  private attempt(resident: Resident): Record<string, unknown> {
    // Face recognition fails now and then (a hat, backlight); the resident tries their card next time.
    if (resident.method === 'face' && this.random() < 0.03)
      return { method: 'face', result: 'denied', reason: 'unknown_credential' };
    if (resident.expired && resident.method === 'card')
      return { method: 'card', result: 'denied', reason: 'expired', credential_ref: resident.ref };
    return { method: resident.method, result: 'granted', credential_ref: resident.ref };
  }
}
