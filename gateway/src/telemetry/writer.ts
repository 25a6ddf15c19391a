import type { Logger } from 'pino';
import type { GatewayConfig } from '../config/schema.js';
import { InfluxV1Writer } from './influx-v1-writer.js';
import { InfluxV2Writer } from './influx-v2-writer.js';
import type { TelemetryPoint } from './line-protocol.js';

/**
 * Sends one batch of points to a time-series store in ONE request, without retrying, buffering
 * or splitting: the pipeline owns batching, retries and drops. `write` resolves once the store
 * accepted the batch and rejects with a {@link TelemetryWriteError} saying whether the batch may
 * be retried or was rejected as bad.
 */
export interface TelemetryWriter {
  write(points: TelemetryPoint[]): Promise<void>;
  /** Where it writes, for logs: never a password or token. */
  describe(): string;
  close(): Promise<void>;
}

export type InfluxConfig = NonNullable<GatewayConfig['telemetry']['influx']>;
export type InfluxV1Config = Extract<InfluxConfig, { version: 1 }>;
export type InfluxV2Config = Extract<InfluxConfig, { version: 2 }>;

export interface WriterOptions {
  /** How long one write request may take before it fails as `timeout`. Default 10 s. */
  requestTimeoutMs?: number;
  /** Receives the InfluxDB client library's own log lines (at debug level). */
  logger?: Logger;
}

/** The writer for `telemetry.influx`: `influx` (1.x `/write`) or `@influxdata/influxdb-client` (2.x). */
export function createWriter(config: InfluxConfig, options: WriterOptions = {}): TelemetryWriter {
  return config.version === 1 ? new InfluxV1Writer(config, options) : new InfluxV2Writer(config, options);
}
