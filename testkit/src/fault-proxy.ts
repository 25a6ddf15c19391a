import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * What the proxy does to connections: `pass` forwards; `refuse` closes each new connection at
 * once (the far side is down); `blackhole` accepts and never answers (a dead route); `slow` holds
 * each chunk for `delayMs` in both directions (a congested link).
 */
export type FaultMode =
  | { kind: 'pass' }
  | { kind: 'refuse' }
  | { kind: 'blackhole' }
  | { kind: 'slow'; delayMs: number };

export interface FaultProxy {
  /** `http://127.0.0.1:<port>`: point the client here instead of at the target. */
  readonly url: string;
  readonly port: number;
  /** Connections accepted so far (each is an attempt by the client). */
  readonly connections: number;
  /** Changes the mode for new traffic; `cut` also drops every open connection. */
  set(mode: FaultMode, options?: { cut?: boolean }): void;
  close(): Promise<void>;
}

/**
 * A TCP fault proxy on loopback, for tests that need a cloud that is down, slow or flapping
 * (`tc netem` needs privileges a test run does not have). It sits between a client and a real
 * server and breaks the link on command; the server itself stays real.
 */
export async function startFaultProxy(target: { host: string; port: number }): Promise<FaultProxy> {
  let mode: FaultMode = { kind: 'pass' };
  let connections = 0;
  const open = new Set<Socket>();

  const server: Server = createServer((client) => {
    connections++;
    open.add(client);
    client.on('close', () => open.delete(client));
    client.on('error', () => client.destroy());
    const current = mode;
    if (current.kind === 'refuse') return void client.resetAndDestroy();
    if (current.kind === 'blackhole') return; // holds the socket, says nothing
    const upstream = connect(target.port, target.host);
    open.add(upstream);
    upstream.setNoDelay(true);
    client.setNoDelay(true);
    upstream.on('close', () => {
      open.delete(upstream);
      client.destroy();
    });
    upstream.on('error', () => upstream.destroy());
    client.on('close', () => upstream.destroy());
    const forward = (from: Socket, to: Socket) =>
      from.on('data', (chunk: Buffer) => {
        const delay = mode.kind === 'slow' ? mode.delayMs : 0;
        if (delay === 0) to.write(chunk);
        else {
          from.pause();
          setTimeout(() => {
            to.write(chunk);
            from.resume();
          }, delay);
        }
      });
    forward(client, upstream);
    forward(upstream, client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    get connections() {
      return connections;
    },
    set(next, options = {}) {
      mode = next;
      if (options.cut) for (const socket of open) socket.destroy();
    },
    async close() {
      for (const socket of open) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
