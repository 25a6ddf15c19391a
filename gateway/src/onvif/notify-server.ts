import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { normalizeHost } from './camera-address.js';
import { type CameraNotification, parseNotify } from './notifications.js';
import { parseXml, soapBody } from './xml.js';

const MAX_BODY_BYTES = 1024 * 1024;

type Consumer = (notifications: CameraNotification[]) => void;

/**
 * The gateway's WS-BaseNotification consumer: cameras with a push subscription POST Notify here.
 * Cameras cannot log in to it, so each camera gets an unguessable URL
 * (`/onvif/notify/<camera_id>/<token>`, a new token for each new subscription; a resumed one keeps its own), and a camera's Notify is taken
 * only from its pinned host's addresses (the URL travels in clear HTTP on the LAN); anything else
 * is 404.
 */
export class NotifyServer {
  private server?: Server;
  private readonly consumers = new Map<string, { token: Buffer; consume: Consumer; sources?: ReadonlySet<string> }>();
  private base = '';
  received = 0;
  refused = 0;

  constructor(private readonly options: { host: string; port: number; publicUrl?: string | undefined }) {}

  async start(): Promise<void> {
    const server = createServer((req, res) => {
      const match = /^\/onvif\/notify\/([a-z0-9][a-z0-9-]{0,62})\/([0-9a-f]{32})$/.exec(req.url ?? '');
      const consumer = match ? this.consumers.get(match[1] as string) : undefined;
      const token = match ? Buffer.from(match[2] as string) : undefined;
      const source = normalizeHost(req.socket.remoteAddress ?? '');
      if (
        req.method !== 'POST' ||
        !consumer ||
        !token ||
        !timingSafeEqual(consumer.token, token) ||
        (consumer.sources !== undefined && !consumer.sources.has(source))
      ) {
        this.refused++;
        req.resume();
        res.writeHead(404).end();
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      req.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_BODY_BYTES) {
          this.refused++;
          res.writeHead(413).end();
          req.destroy();
          return;
        }
        chunks.push(chunk);
      });
      req.on('end', () => {
        if (res.headersSent) return;
        try {
          const body = soapBody(parseXml(Buffer.concat(chunks).toString('utf8')));
          if (!body) throw new Error('no SOAP body');
          const notifications = parseNotify(body);
          this.received++;
          consumer.consume(notifications);
          res.writeHead(202).end();
        } catch {
          this.refused++;
          res.writeHead(400).end();
        }
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port, this.options.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    const { port } = server.address() as AddressInfo;
    this.base = (this.options.publicUrl ?? `http://${this.options.host}:${port}`).replace(/\/$/, '');
  }

  get port(): number {
    return (this.server?.address() as AddressInfo | null)?.port ?? 0;
  }

  /**
   * Registers a camera and returns the URL to give it in Subscribe. With `sources`, Notify is
   * taken from those addresses only (the camera's pinned host).
   */
  register(cameraId: string, consume: Consumer, sources?: ReadonlySet<string>): string {
    const token = randomBytes(16).toString('hex');
    this.consumers.set(cameraId, { token: Buffer.from(token), consume, ...(sources ? { sources } : {}) });
    return `${this.base}/onvif/notify/${cameraId}/${token}`;
  }

  /**
   * Takes back a URL this endpoint gave a camera before a restart (a resumed push subscription
   * keeps posting there). False when the URL is not one of this endpoint's (another address or port).
   */
  adopt(cameraId: string, url: string, consume: Consumer, sources?: ReadonlySet<string>): boolean {
    const prefix = `${this.base}/onvif/notify/${cameraId}/`;
    const token = url.startsWith(prefix) ? url.slice(prefix.length) : '';
    if (!/^[0-9a-f]{32}$/.test(token)) return false;
    this.consumers.set(cameraId, { token: Buffer.from(token), consume, ...(sources ? { sources } : {}) });
    return true;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
