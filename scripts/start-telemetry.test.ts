import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { cannotRun } from '@gridlink/testkit';
import { findInfluxd } from '@gridlink/testkit/services';
import { afterAll, describe, expect, it } from 'vitest';
import { startTelemetry } from './start-telemetry.js';

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe("npm start's telemetry", () => {
  it('stays off without influxd, and says how to turn it on', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gridlink-start-telemetry-'));
    dirs.push(dir);
    const telemetry = await startTelemetry(dir, () => null);
    expect(telemetry.on).toBe(false);
    expect(telemetry.summary).toBe(
      'Telemetry: off — influxd (InfluxDB 1.x) is not installed. Install it (Debian: apt-get install influxdb) and ' +
        'run npm start again: it then runs an InfluxDB of its own and the gateway writes the readings there.',
    );
  });

  it.skipIf(cannotRun('influxd', findInfluxd() === null && 'influxd (InfluxDB 1.x) is not installed'))(
    'runs its InfluxDB from a data folder given relative to the current directory, as `npm start`’s .gridlink is',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'gridlink-start-telemetry-'));
      dirs.push(dir);
      const telemetry = await startTelemetry(relative(process.cwd(), dir));
      try {
        expect(telemetry.on).toBe(true);
        if (!telemetry.on) return;
        const answer = await fetch(`${telemetry.url}/query?q=SHOW%20DATABASES`);
        expect(await answer.text()).toContain('"gridlink"');
      } finally {
        if (telemetry.on) await telemetry.stop();
      }
    },
    60_000,
  );
});
