import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface BrokerUnderTest {
  name: string;
  port: number;
  pid: number;
  stop(): Promise<void>;
}

const here = dirname(fileURLToPath(import.meta.url));

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function stopper(child: ChildProcess, cleanup: () => Promise<void> = async () => {}) {
  return async () => {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    }
    await cleanup();
  };
}

/** Debian's Mosquitto with `set_tcp_nodelay true`, anonymous, no persistence: the reference. */
export async function startMosquitto(): Promise<BrokerUnderTest> {
  const binary = ['/usr/sbin/mosquitto', '/usr/bin/mosquitto'].find(existsSync) ?? 'mosquitto';
  const dir = await mkdtemp(join(tmpdir(), 'gridlink-bench-mqtt-'));
  const port = await freePort();
  await writeFile(
    join(dir, 'mosquitto.conf'),
    [
      `listener ${port} 127.0.0.1`,
      'allow_anonymous true',
      'persistence false',
      'set_tcp_nodelay true',
      'max_connections -1',
      'log_dest none',
      '',
    ].join('\n'),
  );
  const child = spawn(binary, ['-c', join(dir, 'mosquitto.conf')], { stdio: 'ignore' });
  for (let attempt = 0; attempt < 100; attempt++) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = createServer();
      socket.once('error', () => resolve(true));
      socket.listen(port, '127.0.0.1', () => socket.close(() => resolve(false)));
    });
    if (open) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    name: 'mosquitto',
    port,
    pid: child.pid ?? 0,
    stop: stopper(child, () => rm(dir, { recursive: true, force: true })),
  };
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

/** A server script in bench/servers that prints `READY {"port":…}`. */
export async function startScript(
  name: string,
  script: string,
  env: Record<string, string> = {},
  nodeArgs: string[] = [],
): Promise<BrokerUnderTest> {
  const child = spawn(process.execPath, [...nodeArgs, compiledServer(script)], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    let buffer = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const match = /READY (.*)\n/.exec(buffer);
      if (match?.[1]) resolve((JSON.parse(match[1]) as { port: number }).port);
    });
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code} before it was ready`)));
  });
  return { name, port, pid: child.pid ?? 0, stop: stopper(child) };
}
