import { createServer } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FaultProxy, startFaultProxy } from './fault-proxy.js';

let server: ReturnType<typeof createServer>;
let proxy: FaultProxy;

beforeAll(async () => {
  server = createServer((_req, res) => res.end('ok'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy = await startFaultProxy({ host: '127.0.0.1', port: (server.address() as { port: number }).port });
});
afterAll(async () => {
  await proxy.close();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const get = (timeoutMs = 2000) =>
  fetch(proxy.url, { signal: AbortSignal.timeout(timeoutMs) }).then(
    async (response) => `${response.status} ${await response.text()}`,
    (err: Error) => err.name,
  );

describe('the TCP fault proxy', () => {
  it('forwards, refuses, black-holes and slows down on command, counting connections', async () => {
    expect(await get()).toBe('200 ok');
    proxy.set({ kind: 'refuse' }, { cut: true });
    expect(await get()).toBe('TypeError'); // fetch failed: connection reset
    proxy.set({ kind: 'blackhole' });
    expect(await get(300)).toBe('TimeoutError');
    proxy.set({ kind: 'slow', delayMs: 150 }, { cut: true });
    const started = performance.now();
    expect(await get()).toBe('200 ok');
    expect(performance.now() - started).toBeGreaterThanOrEqual(250); // request and answer each held
    proxy.set({ kind: 'pass' });
    expect(await get()).toBe('200 ok');
    expect(proxy.connections).toBeGreaterThanOrEqual(4);
  });
});
