import { HttpError, type Logger as InfluxClientLogger, InfluxDB, setLogger } from '@influxdata/influxdb-client';
import type { Logger } from 'pino';
import { classifyHttpFailure, networkFailure, safeUrl, serverMessage, TelemetryWriteError } from './errors.js';
import { type TelemetryPoint, toLines } from './line-protocol.js';
import type { InfluxV2Config, TelemetryWriter, WriterOptions } from './writer.js';

/**
 * Writes to InfluxDB 2.x (`POST /api/v2/write?org=…&bucket=…&precision=ms`, `Authorization: Token …`)
 * with `@influxdata/influxdb-client`.
 *
 * The client's WriteApi buffers lines, sends them from its own timer, splits batches and retries
 * failures from its own retry buffer, swallowing the errors of sends it started itself. None of
 * that may happen here: the pipeline batches, retries and drops. So every `write` uses a fresh
 * WriteApi that can only send when asked to:
 * - `flushInterval: 0`: no timer;
 * - `batchSize` one more than the lines given and `maxBatchBytes: Infinity`: never sends or
 *   splits on its own while the lines are added;
 * - `maxRetries: 0`: a failure is not put in its retry buffer but rejects `flush()`;
 * then `flush()` sends exactly one request and its outcome is ours; `dispose()` drops the WriteApi.
 */
export class InfluxV2Writer implements TelemetryWriter {
  private readonly client: InfluxDB;
  private readonly target: string;
  private closed = false;

  constructor(
    private readonly config: InfluxV2Config,
    options: WriterOptions = {},
  ) {
    this.client = new InfluxDB({ url: config.url, token: config.token, timeout: options.requestTimeoutMs ?? 10_000 });
    this.target = `InfluxDB 2.x at ${safeUrl(config.url)}, org "${config.org}", bucket "${config.bucket}"`;
    routeClientLog(options.logger);
  }

  describe(): string {
    return this.target;
  }

  async write(points: TelemetryPoint[]): Promise<void> {
    if (this.closed) {
      throw new TelemetryWriteError(`${this.target}: the writer is closed`, { kind: 'retryable', reason: 'closed' });
    }
    let lines: string[];
    try {
      lines = toLines(points);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      throw new TelemetryWriteError(`a point cannot be written: ${message}`, {
        kind: 'rejected',
        reason: 'invalid_point',
      });
    }
    if (lines.length === 0) return;
    const writeApi = this.client.getWriteApi(this.config.org, this.config.bucket, 'ms', {
      batchSize: lines.length + 1,
      maxBatchBytes: Number.POSITIVE_INFINITY,
      flushInterval: 0,
      maxRetries: 0,
      maxBufferLines: lines.length,
    });
    try {
      writeApi.writeRecords(lines);
      await writeApi.flush();
    } catch (error) {
      throw this.toWriteError(error);
    } finally {
      writeApi.dispose();
    }
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  private toWriteError(error: unknown): TelemetryWriteError {
    if (error instanceof TelemetryWriteError) return error;
    if (error instanceof HttpError) {
      const failure = classifyHttpFailure(error.statusCode, error.body, retryAfterMs(error));
      const detail = serverMessage(error.body) || error.message;
      const hint =
        failure.reason === 'bucket_not_found'
          ? `: bucket "${this.config.bucket}" does not exist in org "${this.config.org}"; the gateway creates nothing`
          : `: ${detail}`;
      return new TelemetryWriteError(`${this.target} answered HTTP ${error.statusCode}${hint}`, failure);
    }
    return networkFailure(error, this.target);
  }
}

/** Retry-After in seconds (HTTP), which the client library would read as milliseconds. */
function retryAfterMs(error: HttpError): number | undefined {
  const header = error.headers?.['retry-after'];
  const value = Array.isArray(header) ? header[0] : header;
  if (typeof value !== 'string' || !/^\d+$/.test(value.trim())) return undefined;
  return Number(value.trim()) * 1000;
}

/**
 * The client logs every failed write to the console by itself, and its logger is process-wide.
 * Its lines go to our logger at debug level instead (or nowhere): the pipeline logs state changes
 * once, not every failed request.
 */
function routeClientLog(logger: Logger | undefined): void {
  const clientLog = logger?.child({ component: 'influxdb-client' });
  const forward = (message: string, error?: unknown) =>
    clientLog?.debug({ error: error instanceof Error ? error.message : error }, message);
  const target: InfluxClientLogger = { error: forward, warn: forward };
  setLogger(target);
}
