import { statfs } from 'node:fs/promises';
import { type AlertPayload, type BridgeHealth, type Names, SEVERITY_NAMES } from '@gridlink/protocol';
import type { ModuleHealth } from '../modules/gateway-module.js';
import type { TelemetryStats } from '../telemetry/pipeline.js';

/** Everything the overview page shows, read from the started modules at the time of asking. */
export interface ConsoleOverview {
  now: string;
  version: string;
  gatewayId: string;
  startedAt: string;
  modules: string[];
  clients: number;
  messagesPerSecond: number;
  messagesTotal: number;
  deadLetters: number;
  devices: { online: number; offline: number; unknown: number };
  alerts: Array<
    Pick<AlertPayload, 'alert_id' | 'rule_id' | 'device_id' | 'severity' | 'since' | 'message'> & {
      severityName: Names;
    }
  >;
  uplink:
    | { enabled: false }
    | {
        enabled: true;
        link: string;
        depth: Record<string, number>;
        oldest: Record<string, number | null>;
        lastError: string | null;
      };
  cameras: NonNullable<BridgeHealth['cameras']>;
  influx: { enabled: false } | { enabled: true; connected: boolean; queued: number; lastError: string | null };
  disk: { freeBytes: number; totalBytes: number } | null;
}

export interface OverviewSources {
  version: string;
  gatewayId: string;
  startedAt: string;
  dataDir: string;
  modules: () => string[];
  health: () => ModuleHealth;
  /** Messages per second over the last interval (see MessageRate). */
  rate: () => number;
  availability: () => { online: number; offline: number; unknown: number };
  alerts: () => AlertPayload[];
  uplink: () =>
    | {
        outbox: { depth: Record<string, number>; oldest: Record<string, number | null> };
        sender: { link: string; lastError: string | null };
      }
    | undefined;
  telemetry: () => TelemetryStats | undefined;
  now: () => number;
}

export async function readOverview(sources: OverviewSources): Promise<ConsoleOverview> {
  const health = sources.health();
  const uplink = sources.uplink();
  const telemetry = sources.telemetry();
  const disk = await statfs(sources.dataDir).then(
    (s) => ({ freeBytes: s.bavail * s.bsize, totalBytes: s.blocks * s.bsize }),
    () => null,
  );
  return {
    now: new Date(sources.now()).toISOString(),
    version: sources.version,
    gatewayId: sources.gatewayId,
    startedAt: sources.startedAt,
    modules: sources.modules(),
    clients: health.clients ?? 0,
    messagesPerSecond: sources.rate(),
    messagesTotal: health.messages_total ?? 0,
    deadLetters: health.messages_invalid_total ?? 0,
    devices: sources.availability(),
    alerts: sources.alerts().map(({ alert_id, rule_id, device_id, severity, since, message }) => ({
      alert_id,
      rule_id,
      device_id,
      severity,
      severityName: SEVERITY_NAMES[severity],
      since,
      message,
    })),
    uplink: uplink
      ? {
          enabled: true,
          link: uplink.sender.link,
          depth: uplink.outbox.depth,
          oldest: uplink.outbox.oldest,
          lastError: uplink.sender.lastError,
        }
      : { enabled: false },
    cameras: health.cameras ?? [],
    influx: telemetry
      ? { enabled: true, connected: telemetry.connected, queued: telemetry.queued, lastError: telemetry.lastError }
      : { enabled: false },
    disk,
  };
}

/** Messages per second between two readings of a running total. */
export class MessageRate {
  private last: { total: number; at: number };
  private rate = 0;

  constructor(
    private readonly total: () => number,
    private readonly now: () => number,
  ) {
    this.last = { total: total(), at: now() };
  }

  /** Takes a reading; call on a timer. */
  sample(): number {
    const at = this.now();
    const total = this.total();
    if (at > this.last.at) this.rate = ((total - this.last.total) * 1000) / (at - this.last.at);
    this.last = { total, at };
    return this.rate;
  }

  get perSecond(): number {
    return Math.round(this.rate * 100) / 100;
  }
}
