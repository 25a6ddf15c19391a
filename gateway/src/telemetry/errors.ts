/**
 * How a failed write is handled by the pipeline:
 * - `retryable`: nothing is wrong with the batch (InfluxDB down, slow, overloaded, misconfigured
 *   credentials, missing database/bucket): keep the batch and retry it with backoff;
 * - `rejected`: InfluxDB answered that the batch itself is bad (400 field type conflict, unable to
 *   parse, partial write, points beyond retention; 413 too large; 422 unprocessable): retrying
 *   would never succeed, so the batch is dropped and counted under `reason`.
 */
export type WriteFailureKind = 'retryable' | 'rejected';

export interface WriteFailure {
  kind: WriteFailureKind;
  /** Short stable code: `unreachable`, `timeout`, `server_error`, `field_type_conflict`, … */
  reason: string;
  status?: number;
  /** Server-requested wait (Retry-After) before the next attempt. */
  retryAfterMs?: number;
  /** For a partial write: how many points of the batch InfluxDB dropped (the rest were written). */
  droppedPoints?: number;
}

/**
 * The only error a {@link TelemetryWriter} rejects with. It carries no request, response or
 * configuration, only a message that is safe to log (never a password or token).
 */
export class TelemetryWriteError extends Error implements WriteFailure {
  override readonly name = 'TelemetryWriteError';
  readonly kind: WriteFailureKind;
  readonly reason: string;
  readonly status?: number;
  readonly retryAfterMs?: number;
  readonly droppedPoints?: number;

  constructor(message: string, failure: WriteFailure) {
    super(message);
    this.kind = failure.kind;
    this.reason = failure.reason;
    if (failure.status !== undefined) this.status = failure.status;
    if (failure.retryAfterMs !== undefined) this.retryAfterMs = failure.retryAfterMs;
    if (failure.droppedPoints !== undefined) this.droppedPoints = failure.droppedPoints;
  }
}

const MAX_BODY_IN_MESSAGE = 300;

/** The server's error text, without JSON wrapping and cut to a loggable length. */
export function serverMessage(body: string | undefined): string {
  let text = (body ?? '').trim();
  try {
    const parsed = JSON.parse(text) as { error?: unknown; message?: unknown };
    const inner = parsed.error ?? parsed.message;
    if (typeof inner === 'string') text = inner;
  } catch {
    // not JSON: keep the text
  }
  return text.length > MAX_BODY_IN_MESSAGE ? `${text.slice(0, MAX_BODY_IN_MESSAGE)}…` : text;
}

/** Classifies an HTTP error answer to a write (InfluxDB 1.x `/write` or 2.x `/api/v2/write`). */
export function classifyHttpFailure(
  status: number,
  body: string | undefined,
  retryAfterMs?: number,
): Omit<WriteFailure, 'status'> & { status: number } {
  const text = (body ?? '').toLowerCase();
  const base = { status, ...(retryAfterMs !== undefined && retryAfterMs > 0 ? { retryAfterMs } : {}) };
  if (status === 400) {
    const dropped = /dropped=(\d+)/.exec(text)?.[1];
    const droppedPoints = dropped === undefined ? undefined : Number(dropped);
    const reason = text.includes('field type conflict')
      ? 'field_type_conflict'
      : text.includes('beyond retention')
        ? 'beyond_retention'
        : text.includes('unable to parse')
          ? 'unparseable'
          : text.includes('partial write')
            ? 'partial_write'
            : 'bad_request';
    return { ...base, kind: 'rejected', reason, ...(droppedPoints !== undefined ? { droppedPoints } : {}) };
  }
  if (status === 413) return { ...base, kind: 'rejected', reason: 'too_large' };
  if (status === 422) return { ...base, kind: 'rejected', reason: 'unprocessable' };
  if (status === 401 || status === 403) return { ...base, kind: 'retryable', reason: 'unauthorized' };
  if (status === 404) {
    const reason = text.includes('database not found')
      ? 'database_not_found'
      : text.includes('bucket') && text.includes('not found')
        ? 'bucket_not_found'
        : 'not_found';
    return { ...base, kind: 'retryable', reason };
  }
  if (status === 429) return { ...base, kind: 'retryable', reason: 'throttled' };
  if (status >= 500) return { ...base, kind: 'retryable', reason: 'server_error' };
  return { ...base, kind: 'retryable', reason: `http_${status}` };
}

const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  'ECONNABORTED',
]);

/** Classifies a failure without an HTTP answer (refused, reset, timed out, DNS). */
export function networkFailure(error: unknown, target: string): TelemetryWriteError {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  const message = error instanceof Error ? error.message : String(error);
  const timedOut = code === 'ETIMEDOUT' || code === 'ESOCKETTIMEDOUT' || /timed? ?out/i.test(message);
  const reason = timedOut
    ? 'timeout'
    : typeof code === 'string' && UNREACHABLE_CODES.has(code)
      ? 'unreachable'
      : 'error';
  const what = timedOut ? 'timed out' : reason === 'unreachable' ? 'is unreachable' : 'failed';
  return new TelemetryWriteError(`${target} ${what}: ${message || code || 'no details'}`, {
    kind: 'retryable',
    reason,
  });
}

/** A URL for messages and logs: no user name, password or query string. */
export function safeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    parsed.search = '';
    return parsed.toString().replace(/\/$/, '');
  } catch {
    return '(invalid URL)';
  }
}
