import { InfluxDB, type IPoint, type ISingleHostConfig, Raw } from 'influx';
import { classifyHttpFailure, networkFailure, safeUrl, serverMessage, TelemetryWriteError } from './errors.js';
import {
  escapeKey,
  escapeMeasurement,
  type FieldValue,
  formatFieldValue,
  formatTimestamp,
  sanitizeName,
  type TelemetryPoint,
} from './line-protocol.js';
import type { InfluxV1Config, TelemetryWriter, WriterOptions } from './writer.js';

type PoolOptions = NonNullable<ISingleHostConfig['pool']>;

/**
 * The `influx` pool retries failed requests itself and takes a failing host out of rotation for
 * an exponential backoff (during which every request fails with "No host available"). Our
 * pipeline does the retrying, so: no retries, and a backoff that never disables the host.
 */
const NO_BACKOFF: NonNullable<PoolOptions['backoff']> = {
  getDelay: () => 0,
  next() {
    return this;
  },
  reset() {
    return this;
  },
};

/**
 * Writes to InfluxDB 1.x (`POST /write?db=…&precision=ms`) with the `influx` package. It creates
 * nothing: the database (and retention policy) must exist; writing to a missing one fails with an
 * error naming it, and is retried by the pipeline until someone creates it.
 */
export class InfluxV1Writer implements TelemetryWriter {
  private readonly influx: InfluxDB;
  private readonly target: string;
  private closed = false;

  constructor(
    private readonly config: InfluxV1Config,
    options: WriterOptions = {},
  ) {
    const url = new URL(config.url);
    const username = config.username ?? (url.username === '' ? undefined : decodeURIComponent(url.username));
    const password = config.password ?? (url.password === '' ? undefined : decodeURIComponent(url.password));
    const protocol = url.protocol === 'https:' ? 'https' : 'http';
    this.influx = new InfluxDB({
      host: url.hostname, // IPv6 stays in brackets: the package re-parses host:port as a URL
      port: url.port === '' ? (protocol === 'https' ? 443 : 80) : Number(url.port),
      protocol,
      path: url.pathname.replace(/\/+$/, ''),
      database: config.database,
      // Without a user name the package would fall back to root:root and send it as Basic auth.
      // null (not undefined, which it would replace by its default) means "no credentials".
      username: username ?? (null as unknown as string),
      password: password ?? '',
      pool: { maxRetries: 0, requestTimeout: options.requestTimeoutMs ?? 10_000, backoff: NO_BACKOFF },
    });
    const retention = config.retention_policy === undefined ? '' : `, retention policy "${config.retention_policy}"`;
    this.target = `InfluxDB 1.x at ${safeUrl(config.url)}, database "${config.database}"${retention}`;
  }

  describe(): string {
    return this.target;
  }

  async write(points: TelemetryPoint[]): Promise<void> {
    if (this.closed) {
      throw new TelemetryWriteError(`${this.target}: the writer is closed`, { kind: 'retryable', reason: 'closed' });
    }
    const influxPoints: IPoint[] = [];
    try {
      for (const point of points) {
        const converted = toInfluxPoint(point);
        if (converted !== undefined) influxPoints.push(converted);
      }
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      throw new TelemetryWriteError(`a point cannot be written: ${message}`, {
        kind: 'rejected',
        reason: 'invalid_point',
      });
    }
    if (influxPoints.length === 0) return;
    try {
      await this.influx.writePoints(influxPoints, {
        precision: 'ms',
        database: this.config.database,
        ...(this.config.retention_policy === undefined ? {} : { retentionPolicy: this.config.retention_policy }),
      });
    } catch (error) {
      throw this.toWriteError(error);
    }
  }

  async close(): Promise<void> {
    // The package keeps no connections of its own (Node's global agent); nothing to release.
    this.closed = true;
  }

  private toWriteError(error: unknown): TelemetryWriteError {
    if (error instanceof TelemetryWriteError) return error;
    const status = (error as { res?: { statusCode?: unknown } } | null)?.res?.statusCode;
    const message = error instanceof Error ? error.message : String(error);
    if (typeof status === 'number') {
      // RequestError: "A 404 Not Found error occurred: {"error":"database not found: \"x\""}"
      const body = message.replace(/^A \d+ .*? error occurred: /, '');
      const failure = classifyHttpFailure(status, body);
      if (failure.reason === 'database_not_found') {
        const db = this.config.database;
        return new TelemetryWriteError(
          `${this.target}: database "${db}" does not exist; the gateway creates nothing: ` +
            `create it (CREATE DATABASE "${db}") or fix telemetry.influx.database`,
          failure,
        );
      }
      return new TelemetryWriteError(`${this.target} answered HTTP ${status}: ${serverMessage(body)}`, failure);
    }
    if ((error as { constructor?: { name?: string } } | null)?.constructor?.name === 'ServiceNotAvailableError') {
      // 5xx (message: the status text), "Request timed out" or "No host available".
      if (/timed out/i.test(message)) return networkFailure(error, this.target);
      return new TelemetryWriteError(`${this.target} is not available: ${message || 'server error'}`, {
        kind: 'retryable',
        reason: 'server_error',
      });
    }
    return networkFailure(error, this.target);
  }
}

/** Holds already-serialized line protocol; the `influx` package writes field values with String(). */
class Serialized {
  constructor(private readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

/**
 * Hands a point to the `influx` package so that it writes exactly what {@link toLineProtocol}
 * would (only the field order differs: the package sorts fields by name). The package writes
 * measurement names unescaped, escapes tag keys and field keys itself (`,`, `=`, space), writes
 * `Raw` tag values verbatim and field values via String(). It cannot write integers or escape
 * control characters, hence the pre-serialized pieces.
 */
export function toInfluxPoint(point: TelemetryPoint): IPoint | undefined {
  const fields: Record<string, Serialized> = {};
  let fieldCount = 0;
  for (const [key, value] of Object.entries(point.fields) as Array<[string, FieldValue]>) {
    const name = sanitizeName(key);
    const text = formatFieldValue(value);
    if (name === '' || text === undefined) continue;
    fields[name] = new Serialized(text);
    fieldCount++;
  }
  if (fieldCount === 0) return undefined;
  const measurement = escapeMeasurement(point.measurement);
  if (measurement === '' || measurement.startsWith('#')) {
    throw new TypeError(`invalid measurement name ${JSON.stringify(point.measurement)}`);
  }
  const tags: Record<string, string> = {};
  for (const [key, value] of Object.entries(point.tags)) {
    const name = sanitizeName(key);
    const escaped = escapeKey(value);
    if (name !== '' && escaped !== '') tags[name] = new Raw(escaped) as unknown as string;
  }
  return { measurement, tags, fields, timestamp: formatTimestamp(point.timestamp) };
}
