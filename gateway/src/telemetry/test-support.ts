import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { type DeviceKind, type Place, validateDeviceMessage } from '@gridlink/protocol';
import { pino } from 'pino';
import type { NormalisedMessage } from '../bus.js';
import type { DeviceRecord } from '../devices/directory.js';
import type { TelemetryPoint } from './line-protocol.js';
import type { TelemetryWriter } from './writer.js';

/** Test helpers for the telemetry module; nothing here is used by the gateway itself. */

export const GATEWAY = { gateway: 'gw-320803-001', community: '320803001001' };

export function device(id: string, kind: DeviceKind, place?: Place): DeviceRecord {
  return { id, kind, status: 'active', passwordHash: 'unused', ...(place ? { place } : {}) };
}

/**
 * A message exactly as the normaliser puts it on the bus: the payload is validated against the
 * device's profile. `suffix` is the topic after `gridlink/<id>`: '', '/event/alarm', '/availability'.
 */
export function normalised(
  record: DeviceRecord,
  suffix: string,
  payload: Record<string, unknown>,
  receivedAt = Date.parse('2026-11-25T15:00:00.000Z'),
): NormalisedMessage {
  const result = validateDeviceMessage({
    topic: `gridlink/${record.id}${suffix}`,
    payload: JSON.stringify(payload),
    kind: record.kind,
  });
  if (!result.ok) throw new Error(`test message is invalid: ${result.error.message}`);
  return { device: record, message: result.value, receivedAt };
}

const thermometer = device('th-101', 'temp_humidity');

/**
 * One `temp_humidity` state message carrying the sequence number `n` as its temperature, to
 * follow points through queues and batches (built directly: `n` may exceed the profile's range).
 */
export function reading(n: number, receivedAt = 1_795_618_338_000 + n): NormalisedMessage {
  return {
    device: thermometer,
    message: { type: 'state', deviceId: thermometer.id, state: { temperature: n } },
    receivedAt,
  };
}

/** A pino logger whose records are kept as parsed objects. */
export function captureLogger(level: pino.Level = 'debug') {
  const records: Array<Record<string, unknown> & { msg: string; level: number }> = [];
  const raw: string[] = [];
  const logger = pino(
    { level },
    {
      write(line: string) {
        raw.push(line);
        records.push(JSON.parse(line));
      },
    },
  );
  return { logger, records, raw, messages: () => records.map((record) => record.msg) };
}

export { ManualScheduler, settle } from '../time/manual-scheduler.js';

type Response = 'ok' | 'hang' | Error;

/** A writer that records batches and answers as scripted (default: accepts). */
export class FakeWriter implements TelemetryWriter {
  readonly batches: TelemetryPoint[][] = [];
  readonly script: Response[] = [];
  fallback: Response = 'ok';
  inFlight = 0;
  maxInFlight = 0;
  closed = false;
  private readonly hanging: Array<() => void> = [];

  write(points: TelemetryPoint[]): Promise<void> {
    this.batches.push([...points]);
    const response = this.script.shift() ?? this.fallback;
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    const done = () => {
      this.inFlight--;
    };
    if (response === 'ok') {
      done();
      return Promise.resolve();
    }
    if (response === 'hang') {
      return new Promise((resolve) => {
        this.hanging.push(() => {
          done();
          resolve();
        });
      });
    }
    done();
    return Promise.reject(response);
  }

  /** Lets every hanging write succeed. */
  release(): void {
    for (const resolve of this.hanging.splice(0)) resolve();
  }

  describe(): string {
    return 'fake InfluxDB';
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  /** The `temperature` of every point written, batch by batch. */
  temperatures(): number[][] {
    return this.batches.map((batch) => batch.map((point) => point.fields.temperature as number));
  }
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** The body as text, gunzipped if it was sent gzipped. */
  body: string;
}

export type RecorderAnswer = { status: number; body?: string; headers?: Record<string, string> } | 'hang';

/**
 * A local HTTP server that records every request and answers as told (default 204), standing in
 * for an InfluxDB that is not installable here (2.x) or for answers a real one will not give.
 */
export async function startRecorder(answer: (request: RecordedRequest) => RecorderAnswer = () => ({ status: 204 })) {
  const requests: RecordedRequest[] = [];
  const hanging = new Set<ServerResponse>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const url = new URL(req.url ?? '/', 'http://localhost');
      const request: RecordedRequest = {
        method: req.method ?? '',
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        body: (req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw).toString('utf8'),
      };
      requests.push(request);
      const reply = answer(request);
      if (reply === 'hang') {
        hanging.add(res);
        return;
      }
      res.writeHead(reply.status, reply.headers).end(reply.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    async close() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export interface InfluxSeries {
  name: string;
  columns: string[];
  values: unknown[][];
  tags?: Record<string, string>;
}

/** fetch() below an InfluxDB 1.x base URL that may carry user:password (sent as Basic auth). */
function influxFetch(baseUrl: string, path: string, params: Record<string, string>, init: RequestInit = {}) {
  const url = new URL(path, baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`);
  const headers = new Headers(init.headers);
  if (url.username !== '') {
    const credentials = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
    headers.set('authorization', `Basic ${Buffer.from(credentials).toString('base64')}`);
    url.username = '';
    url.password = '';
  }
  url.search = new URLSearchParams(params).toString();
  return fetch(url, { ...init, headers, signal: AbortSignal.timeout(10_000) });
}

/** Runs an InfluxQL statement against InfluxDB 1.x (`epoch=ms`) and returns the first result's series. */
export async function influxQuery(baseUrl: string, database: string, statement: string): Promise<InfluxSeries[]> {
  const response = await influxFetch(baseUrl, 'query', { db: database, q: statement, epoch: 'ms' });
  const body = (await response.json()) as {
    error?: string;
    results?: Array<{ error?: string; series?: InfluxSeries[] }>;
  };
  const error = body.error ?? body.results?.[0]?.error;
  if (!response.ok || error !== undefined) throw new Error(`${statement}: ${error ?? response.status}`);
  return body.results?.[0]?.series ?? [];
}

/** POSTs line protocol text to InfluxDB 1.x `/write` (precision ms); returns the HTTP status. */
export async function influxWriteText(baseUrl: string, database: string, text: string): Promise<number> {
  const response = await influxFetch(
    baseUrl,
    'write',
    { db: database, precision: 'ms' },
    { method: 'POST', body: text },
  );
  await response.arrayBuffer();
  return response.status;
}

/** Rows of the first series as objects keyed by column. */
export function rows(series: InfluxSeries[]): Array<Record<string, unknown>> {
  const [first] = series;
  if (!first) return [];
  return first.values.map((values) => Object.fromEntries(first.columns.map((column, i) => [column, values[i]])));
}
