import { createConnection, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP relay to a cloud replica that can be cut, as a power cut in a neighbourhood's street
 * cabinet cuts its gateways' link: open connections are reset (a request in flight may or may not
 * have reached the cloud) and new ones are reset at once until the link is restored. (The testkit's
 * fault proxy does this for tests, but its package entry loads vitest, which a plain Node process
 * cannot run.)
 */
export class LinkSwitch {
  private up = true;
  private readonly sockets = new Set<Socket>();
  private constructor(private readonly server: Server) {}

  static async open(targetPort: number): Promise<LinkSwitch> {
    const server = createServer();
    const link = new LinkSwitch(server);
    server.on('connection', (inbound) => {
      if (!link.up) {
        inbound.resetAndDestroy();
        return;
      }
      const outbound = createConnection({ host: '127.0.0.1', port: targetPort, noDelay: true });
      inbound.setNoDelay(true);
      link.sockets.add(inbound);
      link.sockets.add(outbound);
      const close = () => {
        inbound.destroy();
        outbound.destroy();
        link.sockets.delete(inbound);
        link.sockets.delete(outbound);
      };
      inbound.on('error', close).on('close', close);
      outbound.on('error', close).on('close', close);
      inbound.pipe(outbound);
      outbound.pipe(inbound);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return link;
  }

  get url(): string {
    const address = this.server.address();
    if (address === null || typeof address === 'string') throw new Error('the link switch is not listening');
    return `http://127.0.0.1:${address.port}`;
  }

  cut(): void {
    this.up = false;
    for (const socket of this.sockets) socket.resetAndDestroy();
    this.sockets.clear();
  }

  restore(): void {
    this.up = true;
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise((resolve) => this.server.close(resolve));
  }
}
