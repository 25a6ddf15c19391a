import { describe, expect, it } from 'vitest';
import { gatewaySettings } from './gateway-settings.js';

const account = { username: 'nodered', password: 'secret-1' };

describe('gatewaySettings', () => {
  it('takes the defaults: port 1883 (8883 with TLS), base topic gridlink, retries from 1 s to 60 s', () => {
    const settings = gatewaySettings({ id: '1a2B.3c', host: ' 192.168.1.10 ' }, account);
    expect(settings).toEqual({
      ok: true,
      options: {
        host: '192.168.1.10',
        port: 1883,
        tls: undefined,
        baseTopic: 'gridlink',
        username: 'nodered',
        password: 'secret-1',
        // The gateway keeps svc-<username> for the account's sessions; the node id makes it unique.
        clientId: 'svc-nodered-nodered-1a2b3c',
        backoff: { minMs: 1000, maxMs: 60000 },
      },
    });
    const tls = gatewaySettings({ id: 'n1', host: 'gw.local', tls: true, tlsCa: 'PEM' }, account);
    expect(tls.ok && tls.options).toMatchObject({ port: 8883, tls: { ca: 'PEM' } });
  });

  it('names the field to fix', () => {
    const reason = (input: Record<string, unknown>, credentials: Record<string, string> = account) => {
      const settings = gatewaySettings({ id: 'n1', host: 'gw.local', ...input }, credentials);
      return settings.ok ? 'ok' : settings.reason;
    };
    expect(reason({ host: '' })).toBe('host is empty: enter the gateway address, e.g. 192.168.1.10');
    expect(reason({ port: '70000' })).toBe('port 70000 is not a port (1-65535)');
    expect(reason({ baseTopic: 'a/#' })).toMatch(/^base topic "a\/#" is invalid/);
    expect(reason({}, { password: 'x' })).toBe('username is empty: enter the gateway service account');
    expect(reason({}, { username: 'nodered' })).toBe(
      'password is empty: enter the password of nodered, or sign in with a TLS client certificate',
    );
    expect(reason({ reconnectMin: 10, reconnectMax: 5 })).toMatch(/^reconnect delays:/);
    expect(reason({ tls: true, tlsCert: 'PEM' })).toBe(
      'TLS client certificate: give both the certificate and its key, or neither',
    );
  });
});
