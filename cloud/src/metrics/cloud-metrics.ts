import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import type { Clock } from '../clock.js';
import type { Queryable } from '../db/db.js';

/** What the cloud reads at scrape time: its database and how many long-polls it holds. */
export interface CloudMetricSources {
  db: Queryable;
  clock: Clock;
  heldPolls(): number;
  /** How long the database may take to answer a scrape's questions before it counts as down. */
  databaseTimeoutMs?: number;
}

/** The counters the request paths move, and the registry `/metrics` serves. */
export interface CloudMetrics {
  register: Registry;
  /** Every HTTP answer, by status class (`2xx` … `5xx`). */
  httpResponses: Counter<'class'>;
  /** Gateway event batches answered, by outcome: `stored`, `refused` (4xx) or `failed` (5xx). */
  intakeBatches: Counter<'outcome'>;
  /** Gateway events, by result: `accepted`, `duplicate` or `rejected`. */
  intakeEvents: Counter<'result'>;
}

const TIMERS_DUE = `SELECT count(*)::int AS due, min(due_at) AS oldest FROM incident_timers
  WHERE fired_at IS NULL AND cancelled_at IS NULL AND due_at <= $1`;

/** Resolves with the query's answer, or rejects once `ms` passed: a hung database must not hang the scrape. */
function within<T>(ms: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

/**
 * Prometheus metrics of one cloud replica (conventions as the gateway's: prefix `gridlink_cloud_`,
 * base units, counters end in `_total`, no per-person labels). One registry per replica, so tests
 * can run several. The database questions are asked at scrape time, so requests pay nothing.
 */
export function createCloudMetrics(sources: CloudMetricSources): CloudMetrics {
  const register = new Registry();
  collectDefaultMetrics({ register, prefix: 'gridlink_cloud_' });
  const timeoutMs = sources.databaseTimeoutMs ?? 2000;

  // One round trip per scrape answers both the database gauge and the timers' ones.
  let scrape: Promise<{ up: boolean; due: number; lagSeconds: number }> | undefined;
  const ask = () => {
    scrape ??= (async () => {
      const now = sources.clock();
      try {
        const { rows } = await within(
          timeoutMs,
          sources.db.query<{ due: number; oldest: Date | string | null }>(TIMERS_DUE, [now]),
        );
        const oldest = rows[0]?.oldest;
        const lagSeconds = oldest == null ? 0 : Math.max(0, (now.getTime() - new Date(oldest).getTime()) / 1000);
        return { up: true, due: Number(rows[0]?.due ?? 0), lagSeconds };
      } catch {
        return { up: false, due: 0, lagSeconds: 0 };
      }
    })().finally(() => {
      // Forgotten on the next turn, so the gauges of one scrape share the answer and the next scrape asks again.
      setImmediate(() => {
        scrape = undefined;
      });
    });
    return scrape;
  };

  new Gauge({
    name: 'gridlink_cloud_database_up',
    help: 'The database answered this scrape (1) or not within the timeout (0)',
    registers: [register],
    async collect() {
      this.set((await ask()).up ? 1 : 0);
    },
  });
  new Gauge({
    name: 'gridlink_cloud_timers_due',
    help: 'Deadline and escalation timers due now and not yet handled (0 when the database is down)',
    registers: [register],
    async collect() {
      this.set((await ask()).due);
    },
  });
  new Gauge({
    name: 'gridlink_cloud_timer_lag_seconds',
    help: 'How late the oldest due, unhandled deadline or escalation timer is (0 when none is due)',
    registers: [register],
    async collect() {
      this.set((await ask()).lagSeconds);
    },
  });
  new Gauge({
    name: 'gridlink_cloud_held_polls',
    help: "Gateways' downlink long-polls this replica holds open",
    registers: [register],
    collect() {
      this.set(sources.heldPolls());
    },
  });
  return {
    register,
    httpResponses: new Counter({
      name: 'gridlink_cloud_http_responses_total',
      help: 'HTTP answers, by status class (2xx, 3xx, 4xx, 5xx)',
      labelNames: ['class'] as const,
      registers: [register],
    }),
    intakeBatches: new Counter({
      name: 'gridlink_cloud_intake_batches_total',
      help: 'Gateway event batches answered, by outcome (stored; refused: 4xx; failed: 5xx)',
      labelNames: ['outcome'] as const,
      registers: [register],
    }),
    intakeEvents: new Counter({
      name: 'gridlink_cloud_intake_events_total',
      help: 'Gateway events, by result (accepted, duplicate, rejected)',
      labelNames: ['result'] as const,
      registers: [register],
    }),
  };
}

/** `2xx` for 204: the label the status counts under. */
export function statusClass(status: number): string {
  return `${Math.floor(status / 100)}xx`;
}
