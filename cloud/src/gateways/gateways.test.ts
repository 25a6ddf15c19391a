import { describe, expect, it } from 'vitest';
import {
  api,
  BACKENDS,
  manualClock,
  registerGateway,
  stateEvent,
  TEST_ADMIN_TOKEN,
  useTestCloud,
} from '../test-support.js';

describe.each(BACKENDS)('gateways and tokens (%s)', (backend) => {
  const clock = manualClock();
  const cloud = useTestCloud(backend, { clock });
  const send = (gateway: string, token: string | undefined) =>
    api(cloud(), 'POST', `/api/v1/gateways/${gateway}/events`, {
      ...(token === undefined ? {} : { token }),
      body: [stateEvent(gateway)],
    });

  describe('registration (admin)', () => {
    it('registers a gateway and shows its token once', async () => {
      const response = await api(cloud(), 'POST', '/api/v1/gateways', {
        token: TEST_ADMIN_TOKEN,
        body: { id: 'gw-320803-001', name: 'Hehu community, building 3' },
      });
      expect(response.status).toBe(201);
      expect(response.headers.get('location')).toBe('/api/v1/gateways/gw-320803-001');
      expect(response.body).toEqual({ id: 'gw-320803-001', token: expect.stringMatching(/^glgw_[A-Za-z0-9_-]{43}$/) });
      const { rows } = await cloud().db.query<{ token_sha256: string }>(
        'SELECT token_sha256 FROM gateway_tokens WHERE gateway_id = $1',
        ['gw-320803-001'],
      );
      expect(rows).toHaveLength(1);
      expect(rows[0]?.token_sha256).toMatch(/^[0-9a-f]{64}$/);
      expect(rows[0]?.token_sha256).not.toContain(response.body.token);
    });

    it('answers a second registration of the same id with 409', async () => {
      await registerGateway(cloud(), 'gw-dup');
      const response = await api(cloud(), 'POST', '/api/v1/gateways', {
        token: TEST_ADMIN_TOKEN,
        body: { id: 'gw-dup' },
      });
      expect(response.status).toBe(409);
      expect(response.contentType).toMatch(/^application\/problem\+json/);
      expect(response.body).toEqual({
        type: 'urn:gridlink:problem:GL_GATEWAY_EXISTS',
        title: '网关已注册',
        status: 409,
        detail: '网关 gw-dup 已注册',
        code: 'GL_GATEWAY_EXISTS',
        instance: '/api/v1/gateways',
      });
    });

    it('validates the body, listing every problem in errors[]', async () => {
      const response = await api(cloud(), 'POST', '/api/v1/gateways', {
        token: TEST_ADMIN_TOKEN,
        body: { id: 'GW 1', nmae: 'x' },
        headers: { 'accept-language': 'en' },
      });
      expect(response.status).toBe(400);
      expect(response.body.code).toBe('GL_VALIDATION_FAILED');
      expect(response.body.errors).toEqual([
        {
          pointer: '/id',
          detail:
            'expected a gateway id is 1-63 of a-z, 0-9 and "-", starting with a letter or digit, received string "GW 1"',
        },
        { pointer: '/nmae', detail: 'unexpected field' },
      ]);
    });

    it('needs the admin token: none or a wrong one is 401, and so is a gateway token', async () => {
      const gatewayToken = await registerGateway(cloud(), 'gw-not-admin');
      for (const token of [undefined, 'wrong-token', gatewayToken]) {
        const response = await api(cloud(), 'POST', '/api/v1/gateways', {
          ...(token === undefined ? {} : { token }),
          body: { id: 'gw-sneaky' },
        });
        expect(response.status).toBe(401);
        expect(response.headers.get('www-authenticate')).toBe('Bearer');
        expect(response.body.code).toBe('GL_UNAUTHENTICATED');
      }
    });
  });

  describe('gateway authentication', () => {
    it('lets a gateway send with its own token', async () => {
      const token = await registerGateway(cloud(), 'gw-auth-a');
      expect((await send('gw-auth-a', token)).status).toBe(200);
    });

    it('answers no token or an unknown token with 401, and another gateway’s token with 403', async () => {
      await registerGateway(cloud(), 'gw-auth-b');
      const other = await registerGateway(cloud(), 'gw-auth-c');
      expect((await send('gw-auth-b', undefined)).status).toBe(401);
      expect((await send('gw-auth-b', 'glgw_not-a-token')).body.code).toBe('GL_UNAUTHENTICATED');
      const forbidden = await api(cloud(), 'POST', '/api/v1/gateways/gw-auth-b/events', {
        token: other,
        body: [stateEvent('gw-auth-b')],
        headers: { 'accept-language': 'en' },
      });
      expect(forbidden.status).toBe(403);
      expect(forbidden.body).toMatchObject({
        code: 'GL_FORBIDDEN',
        detail: 'this token belongs to another gateway, not gw-auth-b',
      });
    });

    it('does not take the admin token for gateway routes', async () => {
      await registerGateway(cloud(), 'gw-auth-d');
      expect((await send('gw-auth-d', TEST_ADMIN_TOKEN)).status).toBe(401);
    });
  });

  describe('token rotation', () => {
    const rotate = (gateway: string, token: string) =>
      api(cloud(), 'POST', `/api/v1/gateways/${gateway}/token`, { token, headers: { 'accept-language': 'en' } });

    it('keeps the previous token working for the grace period (24 h), then refuses it', async () => {
      const first = await registerGateway(cloud(), 'gw-rotate');
      const rotated = await rotate('gw-rotate', first);
      expect(rotated.status).toBe(200);
      const graceEnd = new Date(clock().getTime() + 86_400_000).toISOString();
      expect(rotated.body).toEqual({ token: expect.stringMatching(/^glgw_/), previous_token_expires_at: graceEnd });
      const second = rotated.body.token as string;
      expect(second).not.toBe(first);

      expect((await send('gw-rotate', first)).status).toBe(200);
      expect((await send('gw-rotate', second)).status).toBe(200);

      clock.advance(86_400_000 - 1000);
      expect((await send('gw-rotate', first)).status).toBe(200);
      clock.advance(1000);
      expect((await send('gw-rotate', first)).status).toBe(401);
      expect((await send('gw-rotate', second)).status).toBe(200);
    });

    it('lets only the current token rotate; a replaced one gets 403', async () => {
      const first = await registerGateway(cloud(), 'gw-rotate-2');
      const second = (await rotate('gw-rotate-2', first)).body.token as string;
      const refused = await rotate('gw-rotate-2', first);
      expect(refused.status).toBe(403);
      expect(refused.body.detail).toBe('a replaced token cannot rotate; use the current token');

      // Rotating again starts the grace period of the second token; the first keeps its own end.
      const third = await rotate('gw-rotate-2', second);
      expect(third.status).toBe(200);
      for (const token of [first, second, third.body.token as string]) {
        expect((await send('gw-rotate-2', token)).status).toBe(200);
      }
    });

    it('can be done by the admin; another gateway’s token is 403 and an unknown gateway 404', async () => {
      const token = await registerGateway(cloud(), 'gw-rotate-3');
      const other = await registerGateway(cloud(), 'gw-rotate-4');
      expect((await rotate('gw-rotate-3', TEST_ADMIN_TOKEN)).status).toBe(200);
      expect((await rotate('gw-rotate-3', other)).status).toBe(403);
      expect((await rotate('gw-nobody', TEST_ADMIN_TOKEN)).body.code).toBe('GL_GATEWAY_NOT_FOUND');
      expect((await rotate('gw-rotate-3', 'nope')).status).toBe(401);
      expect((await send('gw-rotate-3', token)).status).toBe(200);
    });
  });
});
