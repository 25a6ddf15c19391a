import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCloudEvent, type Priority } from '@gridlink/protocol';
import { cannotRun } from '@gridlink/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { Outbox, type OutboxEvent, OutboxFullError } from './outbox.js';

/** A 3 MB tmpfs: mounting needs root (CI runs as root); elsewhere the test says why it is skipped. */
function mountTinyFilesystem(): string | null {
  const dir = mkdtempSync(join(tmpdir(), 'gridlink-tinyfs-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=3m', 'tmpfs', dir], { stdio: 'ignore' });
    return dir;
  } catch {
    rmSync(dir, { recursive: true, force: true });
    return null;
  }
}

const mounted = process.platform === 'linux' ? mountTinyFilesystem() : null;
afterAll(() => {
  if (!mounted) return;
  execFileSync('umount', ['-l', mounted]);
  rmSync(mounted, { recursive: true, force: true });
});

let n = 0;
const event = (priority: Priority): OutboxEvent => {
  const { deviceseq: _assigned, ...rest } = createCloudEvent({
    id: `evt-${++n}`,
    type: 'cn.gridlink.device.state.v1',
    gatewayId: 'gw-1',
    deviceId: priority === 'alarm' ? 'smoke-1' : 'th-1',
    time: '2026-11-25T14:52:18.646Z',
    priority,
    data: { device_id: 'th-1', device_kind: 'temp_humidity', state: { temperature: 21.5, note: 'x'.repeat(400) } },
  });
  return rest;
};

const settle = (promise: Promise<number | null>) =>
  promise.then(
    (seq) => (seq === null ? 'dropped' : 'stored'),
    (error: unknown) => (error instanceof OutboxFullError ? 'refused' : `failed: ${(error as Error).message}`),
  );

describe.skipIf(cannotRun('tmpfs-mount', !mounted && 'this run may not mount a tmpfs'))(
  'the outbox on a full disk (a 3 MB tmpfs; skipped unless this run may mount one, as root)',
  () => {
    it('drops telemetry oldest-first and keeps alarms; refuses alarms only when nothing is left to drop; recovers when space returns', async () => {
      const dir = mounted as string;
      // Ballast takes most of the disk so the outbox meets the end of it quickly.
      writeFileSync(join(dir, 'ballast'), Buffer.alloc(1_200_000));
      const outbox = new Outbox(join(dir, 'outbox.db'));
      const outcomes: string[] = [];
      for (let i = 0; i < 6000 && !outcomes.includes('dropped'); i++)
        outcomes.push(await settle(outbox.append(event('telemetry'))));
      expect(outcomes.filter((o) => o.startsWith('failed'))).toEqual([]);
      expect(outbox.stats().dropped).toBeGreaterThan(0); // the disk filled up: telemetry went

      // Alarms still go in: the oldest telemetry makes room for them.
      const alarms = await Promise.all(Array.from({ length: 20 }, () => settle(outbox.append(event('alarm')))));
      expect(alarms).toEqual(Array(20).fill('stored'));

      // With no telemetry left to give up, alarms are refused (never acknowledged and lost).
      let last = '';
      for (let i = 0; i < 20_000 && last !== 'refused'; i++) last = await settle(outbox.append(event('alarm')));
      expect(last).toBe('refused');
      expect(outbox.depth().telemetry).toBe(0);
      const stored = outbox.depth().alarm;

      // Space returns: the outbox takes alarms again by itself, and lost none of the stored ones.
      rmSync(join(dir, 'ballast'));
      expect(await settle(outbox.append(event('alarm')))).toBe('stored');
      expect(outbox.depth().alarm).toBe(stored + 1);
      outbox.close();
    }, 60_000);
  },
);
