import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { testDataDir } from '../test-support.js';
import { cameraPassword } from './camera-credentials.js';
import { OnboardedCameras } from './onboarded-cameras.js';
import { RecentEvents } from './recent-events.js';

const camera = {
  id: 'cam-gate-01',
  xaddr: 'http://192.0.2.10/onvif/device_service',
  username: 'admin',
  events: 'auto' as const,
  insecure_tls: false,
  unsubscribe_on_stop: true,
};

describe('cameras onboarded in the console', () => {
  it('keeps the configuration and the password in separate 0600 files, read back as a password_file camera', () => {
    const store = new OnboardedCameras(testDataDir());
    const saved = store.save(camera, 's3cret pw');
    expect(saved.password_file).toBe(store.passwordFile('cam-gate-01'));
    expect(statSync(store.dir).mode & 0o777).toBe(0o700);
    expect(statSync(join(store.dir, 'cam-gate-01.json')).mode & 0o777).toBe(0o600);
    expect(statSync(store.passwordFile('cam-gate-01')).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(store.dir, 'cam-gate-01.json'), 'utf8')).not.toContain('s3cret');
    const { cameras, problems } = store.load();
    expect(problems).toEqual([]);
    expect(cameras).toEqual([{ ...camera, password_file: store.passwordFile('cam-gate-01') }]);
    expect(cameraPassword(cameras[0] as (typeof cameras)[0], -1)).toBe('s3cret pw');
    store.remove('cam-gate-01');
    expect(store.load()).toEqual({ cameras: [], problems: [] });
  });

  it('names the file and the field of a camera file it cannot take, and takes the others', () => {
    const store = new OnboardedCameras(testDataDir());
    store.save(camera, 'pw');
    store.save({ ...camera, id: 'cam-east-02' }, 'pw');
    writeFileSync(
      join(store.dir, 'cam-east-02.json'),
      JSON.stringify({ ...camera, id: 'cam-east-02', xaddr: 'ftp://x' }),
    );
    writeFileSync(join(store.dir, 'cam-west-03.json'), '{not json');
    const { cameras, problems } = store.load();
    expect(cameras.map((c) => c.id)).toEqual(['cam-gate-01']);
    expect(problems).toEqual([
      { id: 'cam-east-02', error: expect.stringMatching(/cam-east-02\.json: xaddr: .*\(fix or delete the file\)$/) },
      { id: 'cam-west-03', error: expect.stringMatching(/cam-west-03\.json: .*JSON/) },
    ]);
  });
});

describe('a camera’s last hour of events', () => {
  it('keeps at most the newest events per camera, and none older than the window', () => {
    let now = Date.parse('2026-12-06T01:00:00Z');
    const recent = new RecentEvents(() => now, 3_600_000, 3);
    for (let i = 0; i < 5; i++) {
      recent.add('cam-1', 'motion', { ts: new Date(now).toISOString(), is_motion: i % 2 === 0 });
      now += 60_000;
    }
    expect(recent.of('cam-1').map((e) => e.payload.is_motion)).toEqual([true, false, true]);
    expect(recent.of('cam-2')).toEqual([]);
    now += 3_600_000 - 3 * 60_000 + 1;
    expect(recent.of('cam-1')).toHaveLength(2);
    now += 3 * 60_000;
    expect(recent.of('cam-1')).toEqual([]);
  });
});
