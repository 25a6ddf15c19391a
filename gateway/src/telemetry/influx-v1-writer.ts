import { InfluxDB, type ISingleHostConfig } from 'influx';
import { classifyHttpFailure, networkFailure, safeUrl, serverMessage, TelemetryWriteError } from './errors.js';
import { type TelemetryPoint, toLineProtocol } from './line-protocol.js';
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

/** The request the `influx` package's host pool makes (its `writePoints` ends with one). */
interface RawRequest {
  method: 'POST';
  path: string;
  body: string;
  query: Record<string, string | undefined>;
  auth: string | undefined;
}
interface HostPool {
  discard(request: RawRequest): Promise<void>;
}

/**
 * Writes to InfluxDB 1.x (`POST /write?db=…&precision=ms`) with the `influx` package. It creates
 * nothing: the database (and retention policy) must exist; writing to a missing one fails with an
 * error naming it, and is retried by the pipeline until someone creates it.
 *
 * The body is our own line protocol (line-protocol.ts), sent through the package's host pool:
 * its `writePoints` took a third of the broker process's allocations under load (a copy of every
 * point, sorted fields, escaping again), for the same text.
 */
export class InfluxV1Writer implements TelemetryWriter {
  private readonly pool: HostPool;
  private readonly auth: string | undefined;
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
    const influx = new InfluxDB({
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
    const pool = (influx as unknown as { _pool?: Partial<HostPool> })._pool;
    if (typeof pool?.discard !== 'function') {
      throw new Error('telemetry: the influx package has no host pool to write with (its internals changed)');
    }
    this.pool = pool as HostPool;
    this.auth = username === undefined ? undefined : `${username}:${password ?? ''}`;
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
    let body = '';
    try {
      for (const point of points) {
        const line = toLineProtocol(point);
        if (line !== undefined) body += body === '' ? line : `\n${line}`;
      }
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      throw new TelemetryWriteError(`a point cannot be written: ${message}`, {
        kind: 'rejected',
        reason: 'invalid_point',
      });
    }
    if (body === '') return;
    try {
      await this.pool.discard({
        method: 'POST',
        path: '/write',
        body,
        query: { db: this.config.database, precision: 'ms', rp: this.config.retention_policy },
        auth: this.auth,
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
