import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import helper from 'node-red-node-test-helper';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CloudConfigNode } from '../../cloud/cloud-link.js';
import { builtNodes, NODE_RED_RUNTIME, testFlow } from '../../test-support/built-nodes.js';

helper.init(NODE_RED_RUNTIME);

describe('gridlink-cloud', () => {
  const seen: Array<{ url: string | undefined; headers: IncomingHttpHeaders }> = [];
  const server = createServer((req, res) => {
    seen.push({ url: req.url, headers: req.headers });
    res.setHeader('content-type', 'application/json');
    res.end('{"ok":true}');
  });
  let cloudUrl: string;

  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cloudUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/cloud`;
    await helper.startServer();
  });
  afterEach(async () => {
    await helper.unload();
    seen.length = 0;
  });
  afterAll(async () => {
    await helper.stopServer();
    server.close();
  });

  const load = async (url: string, token?: string) => {
    const nodes = await builtNodes();
    await helper.load(
      nodes['gridlink-cloud'] as never,
      testFlow([{ id: 'cloud', type: 'gridlink-cloud', url }]),
      token === undefined ? {} : { cloud: { token } },
    );
    return (helper.getNode('cloud') as CloudConfigNode).cloud;
  };

  it('calls the cloud under its URL with the token as a bearer, the token kept out of the flow', async () => {
    const cloud = await load(cloudUrl, 'glk_test_token');
    const response = await cloud.fetch('/api/v1/incidents?state=open', { headers: { accept: 'application/json' } });
    expect(await response.json()).toEqual({ ok: true });
    expect(seen).toEqual([
      {
        url: '/cloud/api/v1/incidents?state=open',
        headers: expect.objectContaining({ authorization: 'Bearer glk_test_token', accept: 'application/json' }),
      },
    ]);
  });

  it('never sends the token to another origin', async () => {
    const cloud = await load(cloudUrl, 'glk_test_token');
    await expect(cloud.fetch('http://example.invalid/steal')).rejects.toThrow(/leaves the cloud's origin/);
    expect(seen).toEqual([]);
  });

  it('without a token it refuses every call with the field to fill in', async () => {
    const cloud = await load(cloudUrl);
    await expect(cloud.fetch('api/v1/incidents')).rejects.toThrow(
      'API token is empty: paste a token made in the cloud',
    );
    expect(seen).toEqual([]);
  });

  it('names a URL that is not one', async () => {
    const cloud = await load('cloud.example', 'glk_test_token');
    await expect(cloud.fetch('api/v1/incidents')).rejects.toThrow('URL "cloud.example" is not a URL');
  });
});
