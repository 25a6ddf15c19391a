import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HOTLINE_SIGNATURE_HEADER, HOTLINE_TIMESTAMP_HEADER, type HotlinePush } from '@gridlink/protocol';
import { pushSignatureValid } from './signature.js';

/**
 * A hotline platform's webhook as the cloud's tests need it: verifies each push's signature and
 * timestamp, records the good ones in arrival order, and can play dead. (The full platform
 * simulator lives with the simulators, which build on the cloud.)
 */
export class PushReceiver {
  readonly pushes: HotlinePush[] = [];
  readonly refusedSignatures: string[] = [];
  private secret = '';
  private refusing = false;
  private server: Server | undefined;

  constructor(private readonly now: () => number) {}

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const timestamp = String(req.headers[HOTLINE_TIMESTAMP_HEADER] ?? '');
        const signature = String(req.headers[HOTLINE_SIGNATURE_HEADER] ?? '');
        if (this.refusing) {
          res.writeHead(503).end();
          return;
        }
        const fresh = Math.abs(this.now() - Number(timestamp) * 1000) <= 300_000;
        if (!fresh || !pushSignatureValid(this.secret, timestamp, body, signature)) {
          this.refusedSignatures.push(fresh ? 'signature mismatch' : 'stale timestamp');
          res.writeHead(401).end();
          return;
        }
        this.pushes.push(JSON.parse(body) as HotlinePush);
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
  }

  get url(): string {
    const address = this.server?.address() as AddressInfo | undefined;
    return `http://127.0.0.1:${address?.port ?? 0}/pushes`;
  }

  useSecret(secret: string): void {
    this.secret = secret;
  }

  refuse(down: boolean): void {
    this.refusing = down;
  }

  pushesOf(ticket: string): HotlinePush[] {
    return this.pushes.filter((push) => push.ticket === ticket);
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
