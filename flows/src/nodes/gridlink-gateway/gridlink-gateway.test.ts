import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { createTestCertificates } from '@gridlink/testkit';
import helper from 'node-red-node-test-helper';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { builtNodes, NODE_RED_RUNTIME, testFlow } from '../../test-support/built-nodes.js';
import { type GatewaySite, NODERED_PASSWORD, startGatewaySite } from '../../test-support/gateway-site.js';
import { statusesOf } from '../../test-support/node-status.js';

helper.init(NODE_RED_RUNTIME);

/** A loopback port nothing listens on (taken from the OS, then let go). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('gridlink-gateway, as the nodes using it show it', () => {
  let site: GatewaySite;

  beforeAll(async () => {
    site = await startGatewaySite();
    await helper.startServer();
  });
  afterEach(() => helper.unload());
  afterAll(async () => {
    await helper.stopServer();
    await site.close();
  });

  const load = async (gateway: Record<string, unknown>, credentials: Record<string, string>) => {
    const nodes = await builtNodes();
    await helper.load(
      [nodes['gridlink-gateway'], nodes['gridlink-device-in']] as never,
      testFlow([
        {
          id: 'gw',
          type: 'gridlink-gateway',
          host: site.host,
          port: site.port,
          reconnectMin: 0.05,
          reconnectMax: 0.2,
          ...gateway,
        },
        { id: 'in', type: 'gridlink-device-in', gateway: 'gw', wires: [[]] },
      ]),
      { gw: credentials },
    );
    return statusesOf(helper.getNode('in'));
  };

  it('connects with the integrator account (client id svc-<account>-nodered-…) and shows connected in green', async () => {
    const statuses = await load({}, { username: 'nodered', password: NODERED_PASSWORD });
    const { status } = await statuses.waitFor((s) => s.fill === 'green');
    expect(status).toEqual({ fill: 'green', shape: 'dot', text: 'connected' });
  });

  it('on a bad address shows red with the reason and retries, each wait twice the last up to the longest', async () => {
    const statuses = await load({ port: await closedPort() }, { username: 'nodered', password: NODERED_PASSWORD });
    const texts: string[] = [];
    let from = 0;
    for (let round = 0; round < 4; round++) {
      const failed = await statuses.waitFor((s) => s.fill === 'red', from);
      const retrying = await statuses.waitFor((s) => s.fill === 'yellow', failed.index + 1);
      texts.push(failed.status.text as string, retrying.status.text as string);
      from = retrying.index + 1;
    }
    expect(texts.map((text) => text.replace(/127\.0\.0\.1:\d+/, '127.0.0.1:<port>'))).toEqual([
      'error: connect ECONNREFUSED 127.0.0.1:<port> (retry in 50 ms)',
      'reconnecting (attempt 2)',
      'error: connect ECONNREFUSED 127.0.0.1:<port> (retry in 100 ms)',
      'reconnecting (attempt 3)',
      'error: connect ECONNREFUSED 127.0.0.1:<port> (retry in 200 ms)',
      'reconnecting (attempt 4)',
      'error: connect ECONNREFUSED 127.0.0.1:<port> (retry in 200 ms)',
      'reconnecting (attempt 5)',
    ]);
  });

  it('with a wrong password shows red with the gateway’s refusal', async () => {
    const statuses = await load({}, { username: 'nodered', password: 'not-the-password' });
    const { status } = await statuses.waitFor((s) => s.fill === 'red');
    expect(status).toEqual({
      fill: 'red',
      shape: 'ring',
      text: 'error: Connection refused: Bad username or password (retry in 50 ms)',
    });
  });

  it('with an empty host says which field to fix', async () => {
    const statuses = await load({ host: ' ' }, { username: 'nodered', password: NODERED_PASSWORD });
    const { status } = await statuses.waitFor((s) => s.fill === 'red');
    expect(status.text).toBe('error: host is empty: enter the gateway address, e.g. 192.168.1.10');
  });

  it('without a password says which field to fix', async () => {
    const statuses = await load({}, { username: 'nodered' });
    const { status } = await statuses.waitFor((s) => s.fill === 'red');
    expect(status.text).toBe(
      'error: password is empty: enter the password of nodered, or sign in with a TLS client certificate',
    );
  });
});

describe('gridlink-gateway over TLS', () => {
  const certificates = createTestCertificates(['nodered']);
  const pem = (path: string) => readFileSync(path, 'utf8');
  let site: GatewaySite;

  beforeAll(async () => {
    site = await startGatewaySite({ tls: certificates });
    await helper.startServer();
  });
  afterEach(() => helper.unload());
  afterAll(async () => {
    await helper.stopServer();
    await site.close();
  });

  const load = async (gateway: Record<string, unknown>, credentials: Record<string, string>) => {
    const nodes = await builtNodes();
    await helper.load(
      [nodes['gridlink-gateway'], nodes['gridlink-device-in']] as never,
      testFlow([
        { id: 'gw', type: 'gridlink-gateway', host: '127.0.0.1', port: site.tlsPort, tls: true, ...gateway },
        { id: 'in', type: 'gridlink-device-in', gateway: 'gw', wires: [[]] },
      ]),
      { gw: credentials },
    );
    return statusesOf(helper.getNode('in'));
  };

  it('connects with the password, verifying the gateway against the CA given', async () => {
    const statuses = await load({ tlsCa: pem(certificates.ca) }, { username: 'nodered', password: NODERED_PASSWORD });
    expect((await statuses.waitFor((s) => s.fill !== 'yellow')).status).toMatchObject({ fill: 'green' });
  });

  it('connects with a client certificate and no password', async () => {
    const client = certificates.clients.nodered as { cert: string; key: string };
    const statuses = await load(
      { tlsCa: pem(certificates.ca), tlsCert: pem(client.cert) },
      { username: 'nodered', tlsKey: pem(client.key) },
    );
    expect((await statuses.waitFor((s) => s.fill !== 'yellow')).status).toMatchObject({ fill: 'green' });
  });

  it('refuses a gateway certificate it cannot verify, red with the reason', async () => {
    const statuses = await load({}, { username: 'nodered', password: NODERED_PASSWORD });
    const { status } = await statuses.waitFor((s) => s.fill === 'red');
    expect(status.text).toMatch(
      /^error: (self[- ]signed certificate in certificate chain|unable to get local issuer certificate) \(retry in /,
    );
  });
});
