import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { createTestCertificates, useTestDatabase } from '@gridlink/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloudConfig } from '../config/schema.js';
import { IN_MEMORY } from '../db/pglite.js';
import { type RunningCloud, startCloud } from '../start.js';
import { BACKENDS, silentLogger, TEST_ADMIN_TOKEN, testDataDir } from '../test-support.js';

const certificates = createTestCertificates(['gw-rotating', 'gw-other']);

/** A POST over HTTPS trusting the test CA, with the client certificate of `as` if given. */
function post(
  cloud: RunningCloud,
  path: string,
  token: string,
  as?: string,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const client = as === undefined ? undefined : certificates.clients[as];
  return new Promise((resolve, reject) => {
    const req = request(
      `${cloud.url}${path}`,
      {
        method: 'POST',
        ca: readFileSync(certificates.ca),
        ...(client ? { cert: readFileSync(client.cert), key: readFileSync(client.key) } : {}),
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'accept-language': 'en' },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text === '' ? {} : JSON.parse(text) }));
      },
    );
    req.on('error', reject);
    req.end('{}');
  });
}

describe.each(BACKENDS)('token rotation under client_certificates: required (%s)', (backend) => {
  const database = backend === 'postgres' ? useTestDatabase() : undefined;
  let cloud: RunningCloud | undefined;
  beforeAll(async () => {
    const config = CloudConfig.parse({
      cloud: { data_dir: testDataDir() },
      http: {
        host: '127.0.0.1',
        port: 0,
        tls: {
          enabled: true,
          cert_file: certificates.server.cert,
          key_file: certificates.server.key,
          ca_file: certificates.ca,
          client_certificates: 'required',
        },
      },
      database: database ? { url: database.url } : { data_dir: IN_MEMORY },
      auth: { admin_token: TEST_ADMIN_TOKEN },
      log: { level: 'silent' },
    });
    cloud = await startCloud(config, silentLogger());
  }, 120_000);
  afterAll(async () => {
    await cloud?.stop();
  });

  it('attack: a stolen gateway token cannot rotate itself without the gateway’s client certificate', async () => {
    const running = cloud as RunningCloud;
    const registered = await running.registry.register('gw-rotating', 'rotating');
    if (!registered.ok) throw new Error('gw-rotating is registered already');
    const stolen = registered.issued.token;

    const withoutCertificate = await post(running, '/api/v1/gateways/gw-rotating/token', stolen);
    expect(withoutCertificate.status).toBe(401);
    expect(withoutCertificate.body.code).toBe('GL_UNAUTHENTICATED');
    const withAnotherCertificate = await post(running, '/api/v1/gateways/gw-rotating/token', stolen, 'gw-other');
    expect(withAnotherCertificate.status).toBe(403);
    expect(withAnotherCertificate.body.detail).toMatch(/client certificate names gw-other/);
    // Nothing was rotated: the token is still the current one, and the gateway itself rotates it.
    expect(await running.registry.authenticate(stolen)).toMatchObject({ gatewayId: 'gw-rotating', current: true });
    const own = await post(running, '/api/v1/gateways/gw-rotating/token', stolen, 'gw-rotating');
    expect(own.status).toBe(200);
    expect(own.body.token).toMatch(/^glgw_/);
    // The admin token needs no gateway certificate.
    const byAdmin = await post(running, '/api/v1/gateways/gw-rotating/token', TEST_ADMIN_TOKEN);
    expect(byAdmin.status).toBe(200);
  });
});
