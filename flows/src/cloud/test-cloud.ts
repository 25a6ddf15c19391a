import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, request, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudConfig, type RunningCloud, startCloud } from '@gridlink/cloud';
import { signIn } from '@gridlink/simulators';
import { pino } from 'pino';

/** The community and grids the tests' incidents are filed in. */
export const COMMUNITY = '320803001001';
export const GRID_1 = '320803001001001';
export const GRID_2 = '320803001001002';

/**
 * A real cloud for the nodes' tests: embedded PostgreSQL (PGlite) kept in a directory of its own,
 * so the same cloud can be stopped and started again on the same port (a restart), and an admin
 * token made for the run.
 */
export class TestCloud {
  readonly adminToken = `flows-admin-${randomBytes(16).toString('hex')}`;
  private readonly dir = mkdtempSync(join(tmpdir(), 'gridlink-flows-cloud-'));
  private running: RunningCloud | undefined;
  private port = 0;
  private users = 0;

  /** Its address, also while it is stopped for a restart (the port stays the same). */
  get url(): string {
    if (this.port === 0) throw new Error('the test cloud has not started');
    return `http://127.0.0.1:${this.port}`;
  }

  get cloud(): RunningCloud {
    if (!this.running) throw new Error('the test cloud is not running');
    return this.running;
  }

  async start(): Promise<void> {
    const config = CloudConfig.parse({
      cloud: { data_dir: join(this.dir, 'cloud') },
      http: { host: '127.0.0.1', port: this.port },
      database: { data_dir: join(this.dir, 'db') },
      auth: { admin_token: this.adminToken },
      log: { level: 'silent' },
    });
    this.running = await startCloud(config, pino({ level: 'silent' }), {
      maintenanceSweepMs: 86_400_000,
      dispatchSweepMs: 3_600_000,
    });
    this.port = this.running.port;
  }

  async stop(): Promise<void> {
    await this.running?.stop();
    this.running = undefined;
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  async remove(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** A new user with these roles, signed in: their bearer token. */
  async signedIn(roles: Array<{ role: string; scope: string }>): Promise<string> {
    this.users++;
    const username = `flows-${this.users}-${randomBytes(3).toString('hex')}`;
    const password = randomBytes(12).toString('base64url');
    const created = await this.call('POST', '/api/v1/users', this.adminToken, {
      username,
      display_name: `Flows ${this.users}`,
      territory_code: '320803',
      password,
      roles,
    });
    if (created.status !== 201)
      throw new Error(`creating ${username}: ${created.status} ${JSON.stringify(created.body)}`);
    return signIn(this.url, username, password);
  }

  /** A new user with these roles and an API token made for them (`glt_…`), as an integration holds one. */
  async apiToken(roles: Array<{ role: string; scope: string }>): Promise<string> {
    this.users++;
    const username = `flows-integration-${this.users}-${randomBytes(3).toString('hex')}`;
    const created = await this.call('POST', '/api/v1/users', this.adminToken, {
      username,
      display_name: `Node-RED ${this.users}`,
      territory_code: '320803',
      password: randomBytes(12).toString('base64url'),
      roles,
    });
    if (created.status !== 201)
      throw new Error(`creating ${username}: ${created.status} ${JSON.stringify(created.body)}`);
    const id = (created.body as { id: string }).id;
    const issued = await this.call('POST', `/api/v1/users/${id}/api-tokens`, this.adminToken, { name: 'node-red' });
    if (issued.status !== 201) throw new Error(`API token: ${issued.status} ${JSON.stringify(issued.body)}`);
    return (issued.body as { token: string }).token;
  }

  /** Reports an incident through the API; returns its id. */
  async report(token: string, grid: string, category = 'other'): Promise<string> {
    this.users++;
    const response = await this.call('POST', '/api/v1/incidents', token, {
      request_id: `flows-test-${this.users}-${randomBytes(4).toString('hex')}`,
      source: 'hotline_12345',
      category,
      title: '楼道堆物占用消防通道',
      community: COMMUNITY,
      grid,
    });
    if (response.status !== 201) throw new Error(`report: ${response.status} ${JSON.stringify(response.body)}`);
    return (response.body as { incident: { id: string } }).incident.id;
  }

  async call(method: string, path: string, token: string, body?: unknown): Promise<{ status: number; body: unknown }> {
    const response = await fetch(`${this.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: text === '' ? undefined : JSON.parse(text) };
  }
}

/**
 * An HTTP proxy in front of the cloud that a test can cut: `cut()` resets every open connection
 * (as a network drop or a load balancer restart does), `hold()` refuses new ones until
 * `release()`, `loseNextAnswer()` lets a request through but resets its connection before the
 * answer, `stall()` stops the open answers without closing them, and `resumeNextFrom(id)` makes the next stream request resume from another
 * `Last-Event-ID` (as a replica behind a balancer that replays from earlier would).
 */
export class CuttableProxy {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private held = false;
  /** Connections refused while held. */
  refused = 0;
  private resumeOverride: string | undefined;
  private loseAnswer = false;
  private readonly answering = new Set<() => void>();
  /** The `Last-Event-ID` of each request passed on, in order (undefined: none). */
  readonly resumedFrom: Array<string | undefined> = [];

  constructor(private readonly target: () => string) {
    this.server = createServer((req, res) => this.forward(req, res));
    this.server.on('connection', (socket) => {
      if (this.held) {
        this.refused++;
        socket.destroy();
        return;
      }
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    const address = this.server.address();
    if (address === null || typeof address === 'string') throw new Error('the proxy has no port');
    return `http://127.0.0.1:${address.port}`;
  }

  cut(): void {
    for (const socket of this.sockets) socket.resetAndDestroy();
  }

  hold(): void {
    this.held = true;
  }

  release(): void {
    this.held = false;
  }

  /**
   * The open answers stop flowing while their connections stay open, as on a half-open link
   * (a NAT that forgot the connection): nothing arrives, and no error says why.
   */
  stall(): void {
    for (const stop of this.answering) stop();
    this.answering.clear();
  }

  /** The next request reaches the cloud, but its answer never comes back: the connection is reset instead. */
  loseNextAnswer(): void {
    this.loseAnswer = true;
  }

  resumeNextFrom(id: string): void {
    this.resumeOverride = id;
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private forward(req: IncomingMessage, res: ServerResponse): void {
    const target = new URL(req.url ?? '/', this.target());
    const headers: Record<string, string | string[] | undefined> = { ...req.headers, host: target.host };
    if (this.resumeOverride !== undefined) {
      headers['last-event-id'] = this.resumeOverride;
      this.resumeOverride = undefined;
    }
    this.resumedFrom.push(headers['last-event-id'] as string | undefined);
    const lose = this.loseAnswer;
    this.loseAnswer = false;
    const upstream = request(target, { method: req.method, headers }, (answer) => {
      if (lose) {
        answer.resume();
        req.socket.resetAndDestroy();
        return;
      }
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      res.flushHeaders();
      answer.pipe(res);
      const stop = () => {
        answer.unpipe(res);
        answer.pause();
      };
      this.answering.add(stop);
      res.on('close', () => this.answering.delete(stop));
    });
    upstream.on('error', () => res.destroy());
    res.on('close', () => upstream.destroy());
    req.pipe(upstream);
  }
}
