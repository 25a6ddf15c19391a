import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
});
