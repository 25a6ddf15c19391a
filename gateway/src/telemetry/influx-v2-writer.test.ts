import { describe, expect, it, vi } from 'vitest';
import type { TelemetryWriteError } from './errors.js';
import { InfluxV2Writer } from './influx-v2-writer.js';
import { toLines } from './line-protocol.js';
import { TelemetryPipeline } from './pipeline.js';
import { toPoints } from './points.js';
import {
  captureLogger,
  device,
  GATEWAY,
  normalised,
  type RecorderAnswer,
  reading,
  startRecorder,
} from './test-support.js';

const TOKEN = 'tok-3f9a0c1b2d4e-never-logged';
const smoke = device('smoke-b3-u2-0401', 'smoke_detector', { community: '320803001001', building: '3号楼' });
const T0 = Date.parse('2026-11-25T14:52:18.646Z');

const config = (url: string) => ({
  version: 2 as const,
  url,
  org: 'grid org',
  bucket: 'gridlink/telemetry',
  token: TOKEN,
});

// No InfluxDB 2.x server is installable here (Debian ships 1.6, which has no /api/v2/write), so
// these tests check the wire format against a local node:http server that records requests.
describe('v2 writer (against a local HTTP endpoint standing in for InfluxDB 2.x: none installable here)', () => {
  it('sends POST /api/v2/write?org&bucket&precision=ms with Authorization: Token and the line-protocol body', async () => {
    const recorder = await startRecorder();
    try {
      const writer = new InfluxV2Writer(config(recorder.url));
      const points = [
        ...toPoints(normalised(smoke, '', { smoke: true, temperature: 38.5 }, T0), GATEWAY),
        ...toPoints(
          normalised(smoke, '/event/alarm', { ts: '2026-11-25T14:52:18.700Z', smoke_density: 0.31 }),
          GATEWAY,
        ),
      ];
      await writer.write(points);

      expect(recorder.requests).toHaveLength(1);
      const [request] = recorder.requests;
      expect(request?.method).toBe('POST');
      expect(request?.path).toBe('/api/v2/write');
      expect(Object.fromEntries(request?.query ?? [])).toEqual({
        org: 'grid org',
        bucket: 'gridlink/telemetry',
        precision: 'ms',
      });
      expect(request?.headers.authorization).toBe(`Token ${TOKEN}`);
      expect(request?.headers['content-type']).toBe('text/plain; charset=utf-8');
      expect(request?.body).toBe(
        'sensor,gateway=gw-320803-001,community=320803001001,device=smoke-b3-u2-0401,device_type=smoke_detector,building=3号楼 ' +
          'smoke=true,temperature=38.5 1795618338646\n' +
          'event,gateway=gw-320803-001,community=320803001001,device=smoke-b3-u2-0401,device_type=smoke_detector,building=3号楼,event_type=alarm ' +
          'count=1i,smoke_density=0.31 1795618338700',
      );
      expect(writer.describe()).toBe(`InfluxDB 2.x at ${recorder.url}, org "grid org", bucket "gridlink/telemetry"`);
    } finally {
      await recorder.close();
    }
  });

  it('sends a whole batch in ONE request, however large (the client neither splits nor buffers; gzip above 1 kB)', async () => {
    const recorder = await startRecorder();
    try {
      const writer = new InfluxV2Writer(config(recorder.url));
      const points = Array.from({ length: 5000 }, (_, n) => toPoints(reading(n), GATEWAY)).flat();
      await writer.write(points);
      expect(recorder.requests).toHaveLength(1);
      expect(recorder.requests[0]?.headers['content-encoding']).toBe('gzip');
      expect(recorder.requests[0]?.body).toBe(toLines(points).join('\n'));
      await writer.write(points.slice(0, 2));
      expect(recorder.requests).toHaveLength(2);
    } finally {
      await recorder.close();
    }
  });

  it('sends nothing by itself: no timer, no retry; a failure is ours to handle', async () => {
    const recorder = await startRecorder(() => ({ status: 503, body: '{"code":"unavailable","message":"busy"}' }));
    // The client library schedules its flushes and retries with the global timers: faked from
    // before the write, every timer it leaves behind is counted, whatever delay it was given.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] });
    try {
      const writer = new InfluxV2Writer(config(recorder.url));
      const error = await writer.write(toPoints(reading(1), GATEWAY)).catch((e: unknown) => e);
      expect(error).toMatchObject({ kind: 'retryable', reason: 'server_error', status: 503 });
      expect(recorder.requests).toHaveLength(1);
      // Nothing is left that could send again later: no flush timer, no retry waiting.
      expect(vi.getTimerCount(), 'timers the writer left behind').toBe(0);
    } finally {
      vi.useRealTimers();
      await recorder.close();
    }
  });

  it('classifies answers: 400 rejected, 404 bucket missing, 401 and 429 (Retry-After in seconds) retryable', async () => {
    const answers: RecorderAnswer[] = [
      {
        status: 400,
        body: '{"code":"invalid","message":"partial write error (1 written): unable to parse \'x\': missing fields"}',
        headers: { 'content-type': 'application/json' },
      },
      {
        status: 404,
        body: '{"code":"not found","message":"bucket \\"gridlink/telemetry\\" not found"}',
        headers: { 'content-type': 'application/json' },
      },
      { status: 401, body: '{"code":"unauthorized","message":"unauthorized access"}' },
      { status: 429, headers: { 'retry-after': '3' } },
    ];
    const recorder = await startRecorder(() => answers.shift() ?? { status: 204 });
    const writer = new InfluxV2Writer(config(recorder.url));
    const failure = () => writer.write(toPoints(reading(1), GATEWAY)).catch((e: unknown) => e as TelemetryWriteError);
    try {
      expect(await failure()).toMatchObject({ kind: 'rejected', reason: 'unparseable', status: 400 });
      const missing = await failure();
      expect(missing).toMatchObject({ kind: 'retryable', reason: 'bucket_not_found', status: 404 });
      expect(missing?.message).toContain('bucket "gridlink/telemetry" does not exist in org "grid org"');
      const unauthorized = await failure();
      expect(unauthorized).toMatchObject({ kind: 'retryable', reason: 'unauthorized', status: 401 });
      expect(unauthorized?.message).not.toContain(TOKEN);
      expect(await failure()).toMatchObject({ kind: 'retryable', reason: 'throttled', retryAfterMs: 3000 });
    } finally {
      await recorder.close();
    }
    expect(await failure()).toMatchObject({ kind: 'retryable', reason: 'unreachable' });
  });

  it('through the pipeline: failing then recovering, the token never reaches the logs', async () => {
    let healthy = false;
    const recorder = await startRecorder(() => (healthy ? { status: 204 } : { status: 401, body: 'unauthorized' }));
    const log = captureLogger('trace');
    try {
      const pipeline = new TelemetryPipeline({
        writer: new InfluxV2Writer(config(recorder.url), { logger: log.logger }),
        logger: log.logger,
        context: GATEWAY,
        maxBatchPoints: 10,
        flushIntervalMs: 10,
        maxQueuedPoints: 100,
        retry: { initialDelayMs: 20, maxDelayMs: 50 },
      });
      pipeline.start();
      for (let n = 0; n < 5; n++) pipeline.push(reading(n));
      await expect.poll(() => pipeline.stats().failures).toBeGreaterThanOrEqual(2);
      healthy = true;
      await expect.poll(() => pipeline.stats().written).toBe(5);
      await pipeline.stop();
    } finally {
      await recorder.close();
    }
    expect(log.messages()).toContain('InfluxDB telemetry writes recovered');
    expect(log.raw.join('\n')).not.toContain(TOKEN);
  });
});
