import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { EventStream } from './event-stream.js';

const closers: Array<() => void> = [];
afterEach(() => {
  for (const close of closers.splice(0)) close();
});

async function serve(stream: EventStream) {
  const server = createServer((_req, res) => {
    if (!stream.open(res)) res.writeHead(503).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(() => {
    stream.close();
    server.closeAllConnections();
    server.close();
  });
  return (server.address() as AddressInfo).port;
}

describe('the console event stream', () => {
  it('cuts a reader that stops reading once its buffer passes the bound, and keeps serving the others', async () => {
    const stream = new EventStream(64 * 1024);
    const port = await serve(stream);
    // A reader that never reads: its socket fills, then the gateway's buffer for it.
    const stalled = connect(port, '127.0.0.1');
    stalled.pause();
    stalled.write('GET /events HTTP/1.1\r\nhost: x\r\n\r\n');
    const reading = connect(port, '127.0.0.1');
    reading.write('GET /events HTTP/1.1\r\nhost: x\r\n\r\n');
    let received = 0;
    reading.on('data', (chunk) => {
      received += chunk.length;
    });
    closers.push(() => {
      stalled.destroy();
      reading.destroy();
    });
    await expect.poll(() => stream.size).toBe(2);

    const frame = 'x'.repeat(8 * 1024);
    let sent = 0;
    // Bounded: the kernel's socket buffers take a few MiB at most before the stall shows.
    while (stream.cut === 0 && sent < 4000) {
      stream.send('overview', frame);
      sent++;
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(stream.cut).toBe(1);
    expect(stream.size).toBe(1);
    stream.send('overview', 'after');
    await expect.poll(() => received).toBeGreaterThan(sent * frame.length);
  });

  it('refuses readers past its limit', async () => {
    const stream = new EventStream(64 * 1024, 1);
    const port = await serve(stream);
    const first = await fetch(`http://127.0.0.1:${port}/`);
    expect(first.status).toBe(200);
    await expect.poll(() => stream.size).toBe(1);
    const second = connect(port, '127.0.0.1');
    closers.push(() => second.destroy());
    second.write('GET /events HTTP/1.1\r\nhost: x\r\n\r\n');
    const answer = await new Promise<string>((resolve) => second.once('data', (chunk) => resolve(String(chunk))));
    expect(answer).toMatch(/^HTTP\/1\.1 503/);
    expect(stream.size).toBe(1);
    await first.body?.cancel();
  });
});
