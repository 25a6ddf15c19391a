import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server as HttpServer, type IncomingMessage } from 'node:http';
import { type AddressInfo, createServer as createNetServer, type Server, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { createServer as createTlsServer } from 'node:tls';
import type { Logger } from 'pino';
import { createWebSocketStream, WebSocketServer } from 'ws';
import type { AddressLimiter } from './address-limit.js';

export interface ListenerConfig {
  host: string;
  port: number;
  tls: {
    enabled: boolean;
    host: string;
    port: number;
    cert_file?: string | undefined;
    key_file?: string | undefined;
    ca_file?: string | undefined;
    client_certificates: 'off' | 'optional' | 'required';
    allow_plain_passwords: boolean;
  };
  websocket: { enabled: boolean; host: string; port: number; path: string };
  limits: { max_packet_bytes: number };
}

export type ConnectionHandler = (stream: Duplex, request?: IncomingMessage) => void;

export interface Listeners {
  /** Bound ports by transport (useful when configured with port 0); plain TCP is off when certificates are required. */
  ports: { tcp?: number; tls?: number; websocket?: number };
  close(): Promise<void>;
}

function listen(server: Server | HttpServer, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

const close = (server: Server | HttpServer) => new Promise<void>((resolve) => server.close(() => resolve()));

/**
 * Whether the plain listeners (TCP, WebSocket) may open: not when every client must show a
 * certificate, unless password logins there are explicitly allowed for devices without TLS.
 */
export function plainListenersOpen(config: Pick<ListenerConfig, 'tls'>): boolean {
  return !(config.tls.enabled && config.tls.client_certificates === 'required') || config.tls.allow_plain_passwords;
}

/**
 * Says loudly, at every start, that certificates are required yet passwords still log in on the
 * plain listeners, in clear, for devices that cannot do TLS.
 */
export function warnOfPlainPasswords(
  config: Pick<ListenerConfig, 'tls'>,
  ports: Listeners['ports'],
  logger: Pick<Logger, 'warn'>,
): void {
  if (!(config.tls.enabled && config.tls.client_certificates === 'required' && config.tls.allow_plain_passwords))
    return;
  logger.warn(
    { tcp: ports.tcp, websocket: ports.websocket },
    'INSECURE: mqtt.tls.client_certificates is required, but mqtt.tls.allow_plain_passwords keeps the plain listeners open: ' +
      'devices there log in with a password sent in clear. Move them to TLS and set allow_plain_passwords: false',
  );
}

/**
 * MQTT over TCP, TLS and WebSocket into one broker. Every listener sets `noDelay`: without it
 * QoS1 round trips stall ~40 ms on Nagle's algorithm.
 */
export async function startListeners(
  config: ListenerConfig,
  handle: ConnectionHandler,
  limiter: AddressLimiter,
): Promise<Listeners> {
  const servers: Array<Server | HttpServer> = [];
  const sockets = new Set<Socket>();
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  };
  try {
    const plain = plainListenersOpen(config);
    const ports: Listeners['ports'] = {};
    if (plain) {
      const tcp = createNetServer({ noDelay: true }, (socket) => {
        if (!limiter.admit(socket)) return;
        track(socket);
        handle(socket);
      });
      servers.push(tcp);
      ports.tcp = await listen(tcp, config.port, config.host);
    }

    if (config.tls.enabled) {
      const { tls } = config;
      const server = createTlsServer({
        cert: readFileSync(tls.cert_file ?? ''),
        key: readFileSync(tls.key_file ?? ''),
        ...(tls.ca_file ? { ca: readFileSync(tls.ca_file) } : {}),
        requestCert: tls.client_certificates !== 'off',
        // Verification happens in the handshake; *whether* a certificate is required is decided in
        // authenticate, so 'optional' can still fall back to a password.
        rejectUnauthorized: tls.client_certificates === 'required',
      });
      server.on('connection', (socket: Socket) => {
        socket.setNoDelay(true);
        if (limiter.admit(socket)) track(socket);
      });
      server.on('secureConnection', (socket) => handle(socket));
      servers.push(server);
      ports.tls = await listen(server, tls.port, tls.host);
    }

    if (config.websocket.enabled && plain) {
      const http = createHttpServer((_req, res) => {
        res.writeHead(426, { 'content-type': 'text/plain' }).end('MQTT over WebSocket only\n');
      });
      http.on('connection', (socket: Socket) => {
        socket.setNoDelay(true);
        if (limiter.admit(socket)) track(socket);
      });
      const wss = new WebSocketServer({
        server: http,
        path: config.websocket.path,
        // A frame may carry at most one maximal MQTT packet (plus its 5-byte fixed header).
        maxPayload: config.limits.max_packet_bytes + 5,
      });
      wss.on('connection', (socket, request) => handle(createWebSocketStream(socket), request));
      servers.push(http);
      ports.websocket = await listen(http, config.websocket.port, config.websocket.host);
    }
    return {
      ports,
      async close() {
        const closing = servers.map(close);
        for (const socket of sockets) socket.destroy();
        await Promise.all(closing);
      },
    };
  } catch (error) {
    await Promise.all(servers.filter((server) => server.listening).map(close));
    throw error;
  }
}
