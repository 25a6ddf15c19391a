import type { AlertKind, SimGateway } from './sim-gateway.js';

/**
 * What a district's gateways send in a simulated day, per gateway unless said otherwise; the
 * gateway's own intervals for the periodic reports (gateway/src/config/schema.ts defaults).
 */
export const DAILY = {
  /** Door contacts and other discrete states: a community's ~300 households open doors all day. */
  stateChanges: 600,
  /** Devices dropping off and coming back (weak signal, a battery swapped). */
  availabilityFlaps: 10,
  /** Alerts across the whole district: hundreds of incidents a day (docs/domain.md §7 policies). */
  districtAlerts: 600,
  readingsWindowS: 300,
  deviceHealthS: 900,
  gatewayHealthS: 300,
  /** How long an alert stays active before its condition stops holding (simulated seconds). */
  alertClearS: 1200,
};

/** The built-in rules the alerts come from, weighted as a district sees them. */
export const ALERT_MIX: Array<AlertKind & { weight: number }> = [
  { rule: 'water.leak', kind: 'water_leak', category: 'livelihood.water_leak', severity: 'major', weight: 4 },
  {
    rule: 'access.door_held_open',
    kind: 'door_contact',
    category: 'safety.access.door_held_open',
    severity: 'minor',
    weight: 3,
  },
  { rule: 'smoke.alarm', kind: 'smoke_detector', category: 'emergency.fire', severity: 'critical', weight: 1 },
  { rule: 'gas.leak', kind: 'gas_detector', category: 'emergency.gas_leak', severity: 'critical', weight: 1 },
  {
    rule: 'battery.low',
    kind: 'temp_humidity',
    category: 'device_maintenance.low_battery',
    severity: 'info',
    weight: 3,
  },
];

/** A seeded generator (mulberry32): the same district does the same things on every run. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function pickAlert(random: () => number): AlertKind {
  const total = ALERT_MIX.reduce((n, a) => n + a.weight, 0);
  let at = random() * total;
  for (const alert of ALERT_MIX) {
    at -= alert.weight;
    if (at < 0) return alert;
  }
  return ALERT_MIX[0] as AlertKind;
}

/**
 * Drives a district's gateways on a simulated clock `factor` times faster than the wall clock:
 * `tick(simMs)` appends what happened in the last `simMs` simulated milliseconds. Event times are
 * wall-clock times (the cloud's timers run on its own clock); only the rates are compressed.
 */
export class DistrictTraffic {
  private simNow = 0;
  private carry = { state: 0, flaps: 0, alerts: 0 };
  private readonly clears: Array<{ gateway: SimGateway; dueSim: number }> = [];
  raised = 0;

  constructor(
    private readonly gateways: SimGateway[],
    private readonly random: () => number,
  ) {}

  private any(): SimGateway {
    return this.gateways[Math.floor(this.random() * this.gateways.length)] as SimGateway;
  }

  /** Simulated time so far (ms). */
  get simulatedMs(): number {
    return this.simNow;
  }

  tick(simMs: number, wallNow: number): void {
    const from = this.simNow;
    this.simNow += simMs;
    const day = simMs / 86_400_000;
    const g = this.gateways.length;
    this.carry.state += g * DAILY.stateChanges * day;
    this.carry.flaps += g * DAILY.availabilityFlaps * day;
    this.carry.alerts += DAILY.districtAlerts * day;
    for (; this.carry.state >= 1; this.carry.state--) this.any().stateChange(Math.floor(this.random() * 1e6), wallNow);
    for (; this.carry.flaps >= 1; this.carry.flaps--) {
      const gateway = this.any();
      const n = Math.floor(this.random() * 1e6);
      gateway.availability(n, 'offline', wallNow);
      gateway.availability(n, 'online', wallNow + 1);
    }
    for (; this.carry.alerts >= 1; this.carry.alerts--) this.alert(this.any(), wallNow);
    // Periodic reports: each gateway on its own phase within the interval.
    for (const [index, gateway] of this.gateways.entries()) {
      const due = (intervalS: number) => {
        const interval = intervalS * 1000;
        const phase = (index * 7919) % interval;
        return Math.floor((this.simNow - phase) / interval) > Math.floor((from - phase) / interval);
      };
      if (due(DAILY.readingsWindowS)) gateway.readings(wallNow - 60_000, wallNow);
      if (due(DAILY.deviceHealthS)) gateway.deviceHealth(wallNow);
      if (due(DAILY.gatewayHealthS)) gateway.gatewayHealth(wallNow, Math.round(this.simNow / 1000));
    }
    while (this.clears.length > 0 && (this.clears[0]?.dueSim ?? Number.POSITIVE_INFINITY) <= this.simNow)
      this.clears.shift()?.gateway.clearAlerts(wallNow);
  }

  /** An alert on one of `gateway`'s devices, cleared DAILY.alertClearS simulated seconds later. */
  alert(gateway: SimGateway, wallNow: number): void {
    gateway.raise(pickAlert(this.random), Math.floor(this.random() * 1e6), wallNow);
    this.raised++;
    this.clears.push({ gateway, dueSim: this.simNow + DAILY.alertClearS * 1000 });
  }

  /** A storm: `count` alerts at once across the district (a rainstorm's leaks and lifts). */
  storm(count: number, wallNow: number): void {
    for (let i = 0; i < count; i++) this.alert(this.any(), wallNow + i);
  }

  /** Events per simulated day per gateway, for the header (reports on their intervals included). */
  static perGatewayDay(): number {
    return (
      DAILY.stateChanges +
      2 * DAILY.availabilityFlaps +
      86_400 / DAILY.readingsWindowS +
      86_400 / DAILY.deviceHealthS +
      86_400 / DAILY.gatewayHealthS
    );
  }
}
