import { randomBytes } from 'node:crypto';
import { createTestInfluxDatabase, type TestInfluxDatabase } from '@gridlink/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TelemetryWriteError } from './errors.js';
import { InfluxV1Writer } from './influx-v1-writer.js';
import { integer, type TelemetryPoint, toLines } from './line-protocol.js';
import { TelemetryPipeline } from './pipeline.js';
import { toPoints } from './points.js';
import {
  captureLogger,
  device,
  GATEWAY,
  influxQuery,
  influxWriteText,
  normalised,
  type RecorderAnswer,
  rows,
  startRecorder,
} from './test-support.js';

const smoke = device('smoke-b3-u2-0401', 'smoke_detector', { community: '320803001001', building: 'B3' });
const entrance = device('ac-b3-u2', 'access_control', { community: '320803001001', building: 'B3' });
const T0 = Date.parse('2026-11-25T14:52:18.646Z');

/** Points with every character the escaping rules are about. */
const awkward: TelemetryPoint[] = [
  {
    measurement: 'odd measurement,with=chars',
    tags: { 'tag key,=x': 'a,b=c d', building: '3号 楼', slashes: 'x\\y and x\\,y', control: 'a\nb\tc' },
    fields: {
      text: 'he said "hi", a=b \\ back\nline two 烟雾报警',
      'field key=,x': 1.5,
      count: integer(2),
      ok: true,
    },
    timestamp: T0,
  },
];

function expectAwkwardReadBack(values: Record<string, unknown>): void {
  expect(values).toEqual({
    time: T0,
    'tag key,=x': 'a,b=c d',
    building: '3号 楼',
    slashes: 'x\\y and x\\,y',
    control: 'a\\nb\\tc', // control characters cannot be carried in tags: written as \n, \t
    text: 'he said "hi", a=b \\ back\nline two 烟雾报警',
    'field key=,x': 1.5,
    count: 2,
    ok: true,
  });
}

describe('InfluxV1Writer against a real InfluxDB 1.x', () => {
  let db: TestInfluxDatabase;
  let writer: InfluxV1Writer;

  beforeAll(async () => {
    db = await createTestInfluxDatabase();
    writer = new InfluxV1Writer({ version: 1, url: db.url, database: db.database });
  });
  afterAll(async () => {
    await writer?.close();
    await db?.drop();
  });

  it('writes a state and an event; values, tags and ms timestamps read back exactly', async () => {
    await writer.write([
      ...toPoints(
        normalised(smoke, '', { smoke: false, smoke_density: 0.02, temperature: 21.5, battery: 88, rssi: -87 }, T0),
        GATEWAY,
      ),
      ...toPoints(
        normalised(entrance, '/event/access', {
          ts: '2026-11-25T14:52:19.001Z',
          method: 'card',
          result: 'granted',
          credential_ref: 'c-7f3a9e',
        }),
        GATEWAY,
      ),
    ]);

    expect(rows(await influxQuery(db.url, db.database, 'SELECT * FROM sensor'))).toEqual([
      {
        time: T0,
        gateway: 'gw-320803-001',
        community: '320803001001',
        device: 'smoke-b3-u2-0401',
        device_type: 'smoke_detector',
        building: 'B3',
        smoke: false,
        smoke_density: 0.02,
        temperature: 21.5,
        battery: 88,
        rssi: -87,
      },
    ]);
    expect(rows(await influxQuery(db.url, db.database, 'SELECT * FROM event'))).toEqual([
      {
        time: Date.parse('2026-11-25T14:52:19.001Z'),
        gateway: 'gw-320803-001',
        community: '320803001001',
        device: 'ac-b3-u2',
        device_type: 'access_control',
        building: 'B3',
        event_type: 'access',
        count: 1,
        method: 'card',
        result: 'granted',
      },
    ]);
    const tagKeys = rows(await influxQuery(db.url, db.database, 'SHOW TAG KEYS FROM event')).map((row) => row.tagKey);
    expect(tagKeys.sort()).toEqual(['building', 'community', 'device', 'device_type', 'event_type', 'gateway']);
    const fieldTypes = rows(await influxQuery(db.url, db.database, 'SHOW FIELD KEYS FROM event'));
    expect(fieldTypes).toEqual([
      { fieldKey: 'count', fieldType: 'integer' },
      { fieldKey: 'method', fieldType: 'string' },
      { fieldKey: 'result', fieldType: 'string' },
    ]);
    const sensorTypes = rows(await influxQuery(db.url, db.database, 'SHOW FIELD KEYS FROM sensor'));
    expect(sensorTypes).toContainEqual({ fieldKey: 'battery', fieldType: 'float' });
    expect(sensorTypes).toContainEqual({ fieldKey: 'smoke', fieldType: 'boolean' });
  });

  it('escaping round-trips through InfluxDB: through the writer and as raw toLines() text', async () => {
    await writer.write(awkward);
    const [viaWriter] = rows(await influxQuery(db.url, db.database, 'SELECT * FROM "odd measurement,with=chars"'));
    expectAwkwardReadBack(viaWriter ?? {});

    const other = `raw_${randomBytes(3).toString('hex')}`;
    const text = toLines([{ ...(awkward[0] as TelemetryPoint), measurement: other }]).join('\n');
    expect(await influxWriteText(db.url, db.database, text)).toBe(204);
    const [viaText] = rows(await influxQuery(db.url, db.database, `SELECT * FROM "${other}"`));
    expectAwkwardReadBack(viaText ?? {});
  });

  it('a field type conflict is a rejected batch (400), not something to retry', async () => {
    const point = (value: number | string): TelemetryPoint => ({
      measurement: 'conflict',
      tags: { device: 'd1' },
      fields: { value },
      timestamp: T0,
    });
    await writer.write([point(1.5)]);
    const error = await writer.write([{ ...point('text'), timestamp: T0 + 1 }]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TelemetryWriteError);
    expect(error).toMatchObject({ kind: 'rejected', reason: 'field_type_conflict', status: 400 });
  });

  it('creates nothing: writing to a missing database fails with an error naming it, and it stays missing', async () => {
    const missing = `gl_t_missing_${randomBytes(4).toString('hex')}`;
    const lost = new InfluxV1Writer({ version: 1, url: db.url, database: missing });
    const error = await lost.write(awkward).catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'retryable', reason: 'database_not_found', status: 404 });
    expect((error as Error).message).toContain(`database "${missing}" does not exist`);
    const databases = rows(await influxQuery(db.url, db.database, 'SHOW DATABASES')).map((row) => row.name);
    expect(databases).toContain(db.database);
    expect(databases).not.toContain(missing);
  });

  it('the pipeline delivers every pushed message to InfluxDB, in batches, by stop()', async () => {
    const log = captureLogger();
    const pipeline = new TelemetryPipeline({
      writer: new InfluxV1Writer({ version: 1, url: db.url, database: db.database }),
      logger: log.logger,
      context: GATEWAY,
      maxBatchPoints: 50,
      flushIntervalMs: 20,
      maxQueuedPoints: 1000,
    });
    pipeline.start();
    const thermometer = device('th-pipeline', 'temp_humidity');
    for (let i = 0; i < 120; i++) {
      pipeline.push(normalised(thermometer, '', { temperature: i / 4, humidity: 50 }, T0 + i));
    }
    const report = await pipeline.stop();
    expect(report).toMatchObject({ dropped: 0, timedOut: false });
    expect(report.stats).toMatchObject({ written: 120, queued: 0, failures: 0 });

    const stored = rows(
      await influxQuery(db.url, db.database, "SELECT temperature FROM sensor WHERE device = 'th-pipeline'"),
    );
    expect(stored).toHaveLength(120);
    expect(stored[0]).toEqual({ time: T0, temperature: 0 });
    expect(stored[119]).toEqual({ time: T0 + 119, temperature: 29.75 });
  });
});

describe('InfluxV1Writer on the wire (local HTTP endpoint)', () => {
  it('POSTs /write with db, rp and precision=ms, and exactly our line protocol', async () => {
    const recorder = await startRecorder();
    try {
      const writer = new InfluxV1Writer({
        version: 1,
        url: `${recorder.url}/influx/`,
        database: 'gridlink',
        retention_policy: 'one_year',
      });
      await writer.write(awkward);
      const [request] = recorder.requests;
      expect(request?.method).toBe('POST');
      expect(request?.path).toBe('/influx/write');
      expect(Object.fromEntries(request?.query ?? [])).toEqual({ db: 'gridlink', precision: 'ms', rp: 'one_year' });
      // No user configured: no credentials at all (the package would otherwise send root:root).
      expect(request?.headers.authorization).toBeUndefined();
      expect(request?.body).toBe(toLines(awkward).join('\n'));
    } finally {
      await recorder.close();
    }
  });

  it('sends Basic auth when a user is configured, and describe() never shows the password', async () => {
    const recorder = await startRecorder();
    try {
      const writer = new InfluxV1Writer({
        version: 1,
        url: recorder.url,
        database: 'gridlink',
        username: 'gateway',
        password: 's3cret-pw',
      });
      await writer.write(awkward);
      expect(recorder.requests[0]?.headers.authorization).toBe(
        `Basic ${Buffer.from('gateway:s3cret-pw').toString('base64')}`,
      );
      expect(writer.describe()).toBe(`InfluxDB 1.x at ${recorder.url}, database "gridlink"`);
    } finally {
      await recorder.close();
    }
  });

  it('classifies failures: 5xx and unreachable are retryable, 401 retryable (credentials), 413 rejected', async () => {
    const answers: RecorderAnswer[] = [
      { status: 503 },
      { status: 401, body: '{"error":"authorization failed"}' },
      { status: 413 },
    ];
    const recorder = await startRecorder(() => answers.shift() ?? { status: 204 });
    const writer = new InfluxV1Writer({
      version: 1,
      url: recorder.url,
      database: 'gridlink',
      password: 'pw-never-shown',
    });
    const failure = () => writer.write(awkward).catch((e: unknown) => e as TelemetryWriteError);
    try {
      expect(await failure()).toMatchObject({ kind: 'retryable', reason: 'server_error' });
      const unauthorized = await failure();
      expect(unauthorized).toMatchObject({ kind: 'retryable', reason: 'unauthorized', status: 401 });
      expect(unauthorized?.message).not.toContain('pw-never-shown');
      expect(await failure()).toMatchObject({ kind: 'rejected', reason: 'too_large', status: 413 });
      expect(recorder.requests).toHaveLength(3); // the package retried nothing by itself
    } finally {
      await recorder.close();
    }
    expect(await failure()).toMatchObject({ kind: 'retryable', reason: 'unreachable' });
  });

  it('a request that never gets an answer fails as timeout after requestTimeoutMs', async () => {
    const recorder = await startRecorder(() => 'hang');
    try {
      const writer = new InfluxV1Writer(
        { version: 1, url: recorder.url, database: 'gridlink' },
        { requestTimeoutMs: 200 },
      );
      const started = Date.now();
      expect(await writer.write(awkward).catch((e: unknown) => e)).toMatchObject({
        kind: 'retryable',
        reason: 'timeout',
      });
      expect(Date.now() - started).toBeLessThan(2000);
    } finally {
      await recorder.close();
    }
  });
});
