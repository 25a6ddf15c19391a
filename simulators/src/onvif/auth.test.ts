import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OnvifCameraSimulator } from './camera.js';
import { faultSubcodes, TestOnvifClient, textAt } from './test-support.js';

const credentials = { username: 'installer', password: 'n0t-a-default' };

describe('authentication of a simulated camera', () => {
  const offsetMs = 10 * 60_000; // the camera's clock runs 10 minutes ahead
  const camera = new OnvifCameraSimulator({ id: 'cam-east-07', ...credentials, clockOffsetMs: offsetMs });
  const cameraClock = () => Date.now() + offsetMs;
  const careful = new TestOnvifClient(credentials, cameraClock);
  const info = '<tds:GetDeviceInformation/>';

  beforeAll(() => camera.start());
  afterAll(() => camera.stop());

  it('accepts a WS-Security PasswordDigest whose Created follows the camera clock', async () => {
    const response = await careful.call(camera.deviceServiceUrl, info);
    expect(response.status).toBe(200);
    expect(textAt(response.body, 'Manufacturer')).toBe('Gridlink');
  });

  it('refuses a request without credentials: HTTP 401 with a Digest challenge and ter:NotAuthorized', async () => {
    const response = await careful.call(camera.deviceServiceUrl, info, { auth: 'none' });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(
      /^Digest realm="ONVIF camera cam-east-07", qop="auth", nonce="[0-9a-f]{32}", algorithm=MD5$/,
    );
    expect(textAt(response.body, 'Code', 'Value')).toBe('env:Sender');
    expect(faultSubcodes(response.body)).toEqual(['ter:NotAuthorized']);
  });

  it('refuses a wrong password or user with HTTP 400 and ter:NotAuthorized, never a success', async () => {
    for (const wrong of [
      { username: 'installer', password: 'guess' },
      { username: 'admin', password: credentials.password },
    ]) {
      const response = await careful.call(camera.deviceServiceUrl, info, { credentials: wrong });
      expect(response.status).toBe(400);
      expect(response.body.name).toBe('Fault');
      expect(faultSubcodes(response.body)).toEqual(['ter:NotAuthorized']);
    }
  });

  it('refuses a client that writes its own clock into Created when the camera clock is off by more than the window', async () => {
    const naive = new TestOnvifClient(credentials, Date.now);
    const response = await naive.call(camera.deviceServiceUrl, info);
    expect(response.status).toBe(400);
    expect(faultSubcodes(response.body)).toEqual(['ter:NotAuthorized']);
    expect(textAt(response.body, 'Reason', 'Text')).toContain('Created is outside the accepted window');
  });

  it('accepts Created anywhere inside the ±5 min window and refuses it just outside', async () => {
    const at = (deltaMs: number) => new Date(cameraClock() + deltaMs).toISOString();
    expect((await careful.call(camera.deviceServiceUrl, info, { created: at(-4.5 * 60_000) })).status).toBe(200);
    expect((await careful.call(camera.deviceServiceUrl, info, { created: at(4.5 * 60_000) })).status).toBe(200);
    expect((await careful.call(camera.deviceServiceUrl, info, { created: at(-5.5 * 60_000) })).status).toBe(400);
    expect((await careful.call(camera.deviceServiceUrl, info, { created: at(5.5 * 60_000) })).status).toBe(400);
  });

  it('refuses a replayed nonce', async () => {
    const nonce = randomBytes(16);
    const created = new Date(cameraClock()).toISOString();
    expect((await careful.call(camera.deviceServiceUrl, info, { nonce, created })).status).toBe(200);
    const replay = await careful.call(camera.deviceServiceUrl, info, { nonce, created });
    expect(replay.status).toBe(400);
    expect(textAt(replay.body, 'Reason', 'Text')).toContain('nonce already used');
  });

  it('accepts HTTP Digest (MD5, qop=auth) as the alternative, and refuses a wrong Digest password with 401', async () => {
    const digest = await careful.call(camera.deviceServiceUrl, info, { auth: 'digest' });
    expect(digest.status).toBe(200);
    const wrong = await careful.call(camera.deviceServiceUrl, info, {
      auth: 'digest',
      credentials: { username: 'installer', password: 'guess' },
    });
    expect(wrong.status).toBe(401);
    expect(faultSubcodes(wrong.body)).toEqual(['ter:NotAuthorized']);
  });

  it('answers GetSystemDateAndTime without credentials, so a client can learn the clock offset first', async () => {
    const response = await careful.call(camera.deviceServiceUrl, '<tds:GetSystemDateAndTime/>', { auth: 'none' });
    expect(response.status).toBe(200);
  });
});

describe('authentication window is configurable', () => {
  it('with a 30 s window, a Created 1 min off the camera clock is refused', async () => {
    const camera = new OnvifCameraSimulator({ id: 'cam-east-08', ...credentials, authWindowMs: 30_000 });
    await camera.start();
    try {
      const client = new TestOnvifClient(credentials, () => Date.now() - 60_000);
      expect((await client.call(camera.deviceServiceUrl, '<tds:GetScopes/>')).status).toBe(400);
      const inside = new TestOnvifClient(credentials, () => Date.now() - 10_000);
      expect((await inside.call(camera.deviceServiceUrl, '<tds:GetScopes/>')).status).toBe(200);
    } finally {
      await camera.stop();
    }
  });

  it('refuses options without credentials, naming the field', () => {
    expect(() => new OnvifCameraSimulator({ id: 'cam-east-09', username: '', password: '' })).toThrow(
      /username: username must not be empty; password: password must not be empty/,
    );
    expect(() => new OnvifCameraSimulator({ id: 'Cam East', username: 'a', password: 'b' })).toThrow(
      /id: id must match/,
    );
  });
});
