import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));

describe('npm start', () => {
  it('runs the cloud, the gateway and a simulated community, reports what happens and stops cleanly', async () => {
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        '--conditions=gridlink-source',
        'scripts/start.ts',
        '--exit-after',
        '4',
        '--per-kind',
        '1',
        '--status-every',
        '1',
      ],
      {
        cwd: root,
        env: { ...process.env, GRIDLINK_MQTT__PORT: '0' },
      },
    );
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));

    expect(output).toMatch(/embedded MQTT broker: mqtt:\/\/127\.0\.0\.1:\d+/);
    expect(output).toContain('Simulated community: 16 devices of 16 kinds');
    expect(output).toContain('16 simulated devices connected');
    expect(output).toMatch(/status {6}16 clients · \d+ valid messages/);
    expect(output).toMatch(/Cloud \(embedded database in \.gridlink\/cloud\): http:\/\/127\.0\.0\.1:\d+/);
    expect(output).toMatch(/cloud link online · \d+ in outbox/);
    expect(output).toMatch(/stopped: \d+ valid messages, \d+ invalid, [1-9]\d* events in the cloud/);
    expect(code).toBe(0);
  }, 30_000);
});
