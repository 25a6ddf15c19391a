import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findInfluxd, findMosquitto } from '@gridlink/testkit/services';

export interface BrokerUnderTest {
  name: string;
  port: number;
  pid: number;
  /** The server's standard output (scripts may print figures on it, e.g. `MEMORY {…}` lines). */
  stdout?: NodeJS.ReadableStream;
  /** What a server script announced on its `READY {…}` line (its port, and any others). */
  ready?: Record<string, unknown>;
  stop(): Promise<void>;
}

const here = dirname(fileURLToPath(import.meta.url));

function stopper(child: ChildProcess) {
  return async () => {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    }
  };
}

/** Debian's Mosquitto with `set_tcp_nodelay true`, anonymous, no persistence: the reference. */
export async function startMosquitto(): Promise<BrokerUnderTest> {
  const launcher = findMosquitto();
  if (!launcher) throw new Error("mosquitto not found: install the Debian package 'mosquitto'");
  const server = await launcher.start();
  return { name: 'mosquitto', port: Number(new URL(server.url).port), pid: server.pid ?? 0, stop: server.stop };
}

/** A throwaway InfluxDB 1.x with a `bench` database, for the gateway's telemetry path. */
export async function startInflux(): Promise<{ url: string; database: string; stop(): Promise<void> }> {
  const launcher = findInfluxd();
  if (!launcher) throw new Error("influxd not found: install the Debian package 'influxdb'");
  const server = await launcher.start();
  const database = 'bench';
  const response = await fetch(`${server.url}/query`, {
    method: 'POST',
    body: new URLSearchParams({ q: `CREATE DATABASE ${database}` }),
  });
  if (!response.ok) throw new Error(`CREATE DATABASE failed: ${response.status} ${await response.text()}`);
  return { url: server.url, database, stop: server.stop };
}

/**
 * The compiled form of a server in bench/servers, run by plain Node as in production (no TypeScript
 * loader, whose extra thread and heap would distort memory figures). `npm run bench` builds first.
 */
function compiledServer(script: string): string {
  const compiled = join(here, '..', 'dist', 'servers', script.replace(/\.ts$/, '.js'));
  if (!existsSync(compiled)) throw new Error(`${compiled} is missing: run npm run build (npm run bench does)`);
  return compiled;
}

/**
 * A server script in bench/servers that prints `READY {"port":…}`. SERVER_NODE_FLAGS adds Node
 * flags to every such server, e.g. to see where a server's time goes under a benchmark's load:
 * `SERVER_NODE_FLAGS='--cpu-prof --cpu-prof-dir=/tmp/profiles' npm run bench district-load`
 * (a profile per server process, written when it stops).
 */
export async function startScript(
  name: string,
  script: string,
  env: Record<string, string> = {},
  nodeArgs: string[] = [],
): Promise<BrokerUnderTest> {
  const extra = process.env.SERVER_NODE_FLAGS?.split(/\s+/).filter((flag) => flag !== '') ?? [];
  const child = spawn(process.execPath, [...nodeArgs, ...extra, compiledServer(script)], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const ready = await new Promise<{ port: number } & Record<string, unknown>>((resolve, reject) => {
    let buffer = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const match = /READY (.*)\n/.exec(buffer);
      if (match?.[1]) resolve(JSON.parse(match[1]) as { port: number });
    });
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code} before it was ready`)));
  });
  return {
    name,
    port: ready.port,
    pid: child.pid ?? 0,
    ...(child.stdout ? { stdout: child.stdout } : {}),
    ready,
    stop: stopper(child),
  };
}
