import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/load.js';
import { GatewayConfig } from '../config/schema.js';
import { testDataDir } from '../test-support.js';
import { cameraPassword } from './camera-credentials.js';

const base = { gateway: { id: 'gw-test', community: '320803001001' } };
const camera = { id: 'cam-gate-01', xaddr: 'http://192.0.2.10/onvif/device_service', username: 'gridlink' };

function errors(onvif: unknown): string[] {
  const file = join(testDataDir(), 'gateway.yaml');
  writeFileSync(file, JSON.stringify({ ...base, onvif }));
  const result = loadConfig({ file, env: {} });
  return result.ok ? [] : result.errors;
}

describe('onvif configuration', () => {
  it('takes a camera with an address and a password from a file or the environment', () => {
    expect(errors({ enabled: true, cameras: [{ ...camera, password_env: 'CAM_PASSWORD' }] })).toEqual([]);
  });

  it('pins a camera to a host the installer wrote: endpoint_reference alone needs host, and host must agree with xaddr and probe', () => {
    const reference = { id: 'cam-gate-01', endpoint_reference: 'urn:uuid:1', username: 'gridlink', password_env: 'P' };
    expect(errors({ enabled: true, cameras: [reference] })).toEqual([
      expect.stringMatching(/^onvif\.cameras\.0\.host: a camera found by endpoint_reference needs host/),
    ]);
    expect(errors({ enabled: true, cameras: [{ ...reference, host: '192.0.2.10' }] })).toEqual([]);
    expect(errors({ enabled: true, cameras: [{ ...reference, host: 'cam-gate-01.lan' }] })).toEqual([]);
    expect(errors({ enabled: true, cameras: [{ ...reference, host: 'http://192.0.2.10:80' }] })).toEqual([
      expect.stringMatching(/^onvif\.cameras\.0\.host: an IP address or DNS name, without scheme or port/),
    ]);
    expect(
      errors({
        enabled: true,
        cameras: [{ ...camera, password_env: 'P', host: '192.0.2.11', probe: '192.0.2.12:3702' }],
      }),
    ).toEqual([
      expect.stringMatching(/^onvif\.cameras\.0\.xaddr: must be on host 192\.0\.2\.11/),
      expect.stringMatching(/^onvif\.cameras\.0\.probe: must be on host 192\.0\.2\.11/),
    ]);
  });

  it('names the field to fix when a camera has no way to be found, or no single password source', () => {
    const found = errors({ enabled: true, cameras: [{ id: 'cam-gate-01', username: 'gridlink' }] });
    expect(found).toEqual([
      expect.stringMatching(/^onvif\.cameras\.0\.xaddr: set xaddr .*probe .*endpoint_reference/),
      expect.stringMatching(
        /^onvif\.cameras\.0\.password_file: set exactly one of password_file, password_env or password \(0 set\)/,
      ),
    ]);
    const twice = errors({
      enabled: true,
      cameras: [
        { ...camera, password_env: 'A' },
        { ...camera, password_env: 'B' },
      ],
    });
    expect(twice).toEqual([expect.stringMatching(/^onvif\.cameras\.1\.id: camera cam-gate-01 is listed twice/)]);
  });

  it('asks for a public URL when the Notify endpoint listens on every interface, and a window of at least a minute', () => {
    expect(errors({ notify: { enabled: true } })).toEqual([expect.stringMatching(/^onvif\.notify\.public_url: /)]);
    expect(errors({ subscription_window_s: 30 })).toEqual([expect.stringMatching(/^onvif\.subscription_window_s: /)]);
    expect(errors({ cameras: [{ ...camera, password_env: 'A', events: 'push' }] })).toEqual([
      expect.stringMatching(/^onvif\.cameras\.0\.events: push needs the Notify endpoint/),
    ]);
  });

  it('reads the password from the file (one trailing newline removed) or the variable, naming the field when missing', () => {
    const file = join(testDataDir(), 'cam-password');
    writeFileSync(file, 's3cret-pw\n');
    const parsed = GatewayConfig.parse({ ...base, onvif: { cameras: [{ ...camera, password_file: file }] } });
    const first = parsed.onvif.cameras[0];
    if (!first) throw new Error('no camera parsed');
    expect(cameraPassword(first, 0)).toBe('s3cret-pw');
    const fromEnv = { ...first, password_file: undefined, password_env: 'CAM_PW' };
    expect(cameraPassword(fromEnv, 0, { CAM_PW: 'from-env' })).toBe('from-env');
    expect(() => cameraPassword(fromEnv, 0, {})).toThrow(
      'onvif.cameras[0] (cam-gate-01).password_env: the environment variable CAM_PW is not set',
    );
    expect(() => cameraPassword({ ...first, password_file: join(testDataDir(), 'missing') }, 0)).toThrow(
      /onvif\.cameras\[0\] \(cam-gate-01\)\.password_file: cannot read .* ENOENT/,
    );
  });
});
