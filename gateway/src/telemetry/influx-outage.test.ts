import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { cannotRun } from '@gridlink/testkit';
import { Registry } from 'prom-client';
import { afterAll, describe, expect, it } from 'vitest';
import { InfluxV1Writer } from './influx-v1-writer.js';
import { telemetryMetrics } from './metrics.js';
import { TelemetryPipeline } from './pipeline.js';
import { captureLogger, GATEWAY, influxQuery, reading, rows } from './test-support.js';

// --- a private, throwaway influxd (the shared one from testkit must keep running for others) ---

function findInfluxd(): string | null {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/bin', '/usr/local/bin'];
  for (const dir of dirs.filter((entry) => entry !== '')) {
    try {
      accessSync(join(dir, 'influxd'), constants.X_OK);
      return join(dir, 'influxd');
    } catch {
      // not here
    }
  }
  return null;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/** One influxd data directory on fixed ports, which can be started, killed and started again. */
class PrivateInfluxd {
  private child: ChildProcess | null = null;
  private output = '';

  private constructor(
    private readonly binary: string,
    private readonly dir: string,
    readonly url: string,
  ) {}

  static async create(binary: string): Promise<PrivateInfluxd> {
    const dir = await mkdtemp(join(tmpdir(), 'gridlink-telemetry-influxd-'));
    await Promise.all(['meta', 'data', 'wal'].map((name) => mkdir(join(dir, name))));
    const [httpPort, rpcPort] = [await freePort(), await freePort()];
    const config = [
      'reporting-disabled = true',
      `bind-address = "127.0.0.1:${rpcPort}"`,
      `[meta]\n  dir = ${JSON.stringify(join(dir, 'meta'))}`,
      `[data]\n  dir = ${JSON.stringify(join(dir, 'data'))}\n  wal-dir = ${JSON.stringify(join(dir, 'wal'))}`,
      '  query-log-enabled = false',
      `[http]\n  bind-address = "127.0.0.1:${httpPort}"\n  log-enabled = false`,
      '[monitor]\n  store-enabled = false',
      '[logging]\n  level = "warn"',
      '',
    ].join('\n');
    await writeFile(join(dir, 'influxdb.conf'), config);
    return new PrivateInfluxd(binary, dir, `http://127.0.0.1:${httpPort}`);
  }

  async start(): Promise<void> {
    const child = spawn(this.binary, ['-config', join(this.dir, 'influxdb.conf')], {
      cwd: this.dir,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    const keep = (chunk: Buffer) => {
      this.output = (this.output + chunk.toString()).slice(-4000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    const deadline = Date.now() + 10_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`influxd exited (${child.exitCode}):\n${this.output}`);
      try {
        const ping = await fetch(`${this.url}/ping`, { signal: AbortSignal.timeout(500) });
        if (ping.status === 204) return;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error(`influxd did not answer /ping within 10 s:\n${this.output}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** SIGKILL: as abrupt as a crash or a pulled plug. */
  async kill(): Promise<void> {
    const child = this.child;
    this.child = null;
    if (child === null || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }

  async remove(): Promise<void> {
    await this.kill();
    await rm(this.dir, { recursive: true, force: true });
  }
}

// --- the test --------------------------------------------------------------------------------------

const influxd = findInfluxd();

describe('telemetry survives InfluxDB going away', () => {
  let server: PrivateInfluxd | undefined;
  afterAll(async () => {
    await server?.remove();
  });

  it.skipIf(cannotRun('influxd', influxd === null && 'no influxd binary'))(
    'InfluxDB stopped mid-run (own throwaway influxd, killed and restarted on the same port and data): ' +
      'push stays fast, the queue stays bounded, failures are counted, retried points arrive' +
      (influxd === null ? ' [skipped: no influxd binary on PATH, /usr/bin or /usr/local/bin]' : ''),
    async () => {
      server = await PrivateInfluxd.create(influxd as string);
      await server.start();
      await influxQuery(server.url, '', 'CREATE DATABASE telemetry');

      const log = captureLogger();
      const pipeline = new TelemetryPipeline({
        writer: new InfluxV1Writer(
          { version: 1, url: server.url, database: 'telemetry' },
          { requestTimeoutMs: 1000, logger: log.logger },
        ),
        logger: log.logger,
        context: GATEWAY,
        maxBatchPoints: 20,
        flushIntervalMs: 50,
        maxQueuedPoints: 300,
        retry: { initialDelayMs: 100, maxDelayMs: 400 },
      });
      pipeline.start();
      // What Prometheus sees of it: InfluxDB reachable or not, failed writes counted.
      const register = new Registry();
      telemetryMetrics(register, () => pipeline.stats());
      const scraped = async (name: string) => (await register.getSingleMetric(name)?.get())?.values[0]?.value;
      let next = 0;
      const pushMany = (count: number) => {
        let slowest = 0;
        for (let i = 0; i < count; i++) {
          const started = performance.now();
          pipeline.push(reading(next++));
          slowest = Math.max(slowest, performance.now() - started);
        }
        return slowest;
      };

      // 1. healthy
      pushMany(50);
      await expect.poll(() => pipeline.stats().written, { timeout: 5000 }).toBe(50);
      expect(await scraped('gridlink_telemetry_influxdb_connected')).toBe(1);
      expect(await scraped('gridlink_telemetry_write_failures_total')).toBe(0);

      // 2. InfluxDB goes away mid-run
      await server.kill();
      const slowestWhileDown = [pushMany(100)];
      await expect.poll(() => pipeline.stats().failures, { timeout: 5000 }).toBeGreaterThanOrEqual(3);
      slowestWhileDown.push(pushMany(500)); // more than the queue holds: the oldest are dropped
      const down = pipeline.stats();
      expect(down.connected).toBe(false);
      expect(await scraped('gridlink_telemetry_influxdb_connected')).toBe(0);
      expect(await scraped('gridlink_telemetry_write_failures_total')).toBeGreaterThanOrEqual(3);
      expect(down.queued).toBeLessThanOrEqual(300 + 20); // the queue plus the batch being retried
      expect(down.dropped.queue_full).toBeGreaterThan(0);
      expect(Math.max(...slowestWhileDown)).toBeLessThan(50); // µs in practice: push never waits on I/O

      // 3. InfluxDB comes back on the same port with the same data
      await server.start();
      await expect.poll(() => pipeline.stats().queued, { timeout: 8000 }).toBe(0);
      expect(await scraped('gridlink_telemetry_influxdb_connected')).toBe(1);
      const report = await pipeline.stop();
      const stats = report.stats;
      expect(stats.connected).toBe(true);
      expect(stats.retries).toBeGreaterThan(0);
      expect(stats.written + stats.dropped.queue_full).toBe(650); // every point written or counted as dropped
      expect(stats.dropped.rejected + stats.dropped.shutdown).toBe(0);

      const stored = rows(await influxQuery(server.url, 'telemetry', 'SELECT temperature FROM sensor')).map(
        (row) => row.temperature as number,
      );
      expect(stored).toHaveLength(stats.written);
      const kept = new Set(stored);
      for (let n = 0; n < 50; n++) expect(kept.has(n)).toBe(true); // written before the outage: survived the kill
      for (let n = 50; n < 70; n++) expect(kept.has(n)).toBe(true); // the batch in flight when it died: retried
      for (let n = 650 - 300; n < 650; n++) expect(kept.has(n)).toBe(true); // the newest: kept while down

      // state changes were logged once each, not per retry
      const transitions = log.messages().filter((msg) => msg.startsWith('InfluxDB telemetry writes'));
      expect(transitions).toEqual([
        'InfluxDB telemetry writes working',
        'InfluxDB telemetry writes failing: points are queued (bounded, oldest dropped first) and retried with backoff',
        'InfluxDB telemetry writes recovered',
      ]);
    },
    20_000,
  );
});
