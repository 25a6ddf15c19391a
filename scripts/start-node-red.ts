/**
 * Runs Node-RED in its own process for `npm start` (`node red.js --settings … --userDir …`), waits
 * until its admin API answers, and stops it with npm start. Node-RED 4.1 (4.1.15): its engines
 * accept Node 18.5 and later, so it runs on the Node 20 we run on; 5.x asks for Node 22.9.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { PreparedNodeRed } from './node-red-settings.js';

const require = createRequire(import.meta.url);
const RED_JS = require.resolve('node-red/red.js');
const WATCHDOG = fileURLToPath(new URL('./node-red-watchdog.cjs', import.meta.url));
const TAIL_LINES = 30;

export interface StartNodeRedOptions {
  /** The setting that chose the port, named in the error when the port is taken. */
  portSetting: string;
  /** Environment for the flows (Node-RED substitutes `${NAME}` in node properties). */
  env?: Record<string, string>;
  /** Every line Node-RED prints (its log also goes nowhere else). */
  onLine?: (line: string) => void;
  /** Node-RED stopped, after it had started, without being asked to. */
  onUnexpectedExit?: (code: number | null) => void;
  /** How long Node-RED may take to answer before it is given up on (a safety net, not a wait). */
  readyWithinMs?: number;
}

export interface RunningNodeRed {
  url: string;
  pid: number;
  /** Node-RED's last lines of output. */
  tail(): string[];
  stop(): Promise<void>;
}

export class NodeRedStartError extends Error {}

/** True when nothing listens on the port at 127.0.0.1. */
export async function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer()
      .once('error', () => resolve(false))
      .listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

/** A free port on 127.0.0.1, for `port: 0`. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer()
      .once('error', reject)
      .listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as { port: number };
        probe.close(() => resolve(port));
      });
  });
}

export function portInUse(port: number, setting: string): NodeRedStartError {
  return new NodeRedStartError(
    `Node-RED: port ${port} on 127.0.0.1 is in use by another program. Set ${setting} to a free port (0 picks one), or stop the program using port ${port}.`,
  );
}

export async function startNodeRed(prepared: PreparedNodeRed, options: StartNodeRedOptions): Promise<RunningNodeRed> {
  const { port } = prepared;
  if (!(await portIsFree(port))) throw portInUse(port, options.portSetting);

  const child = spawn(
    process.execPath,
    ['--require', WATCHDOG, RED_JS, '--settings', prepared.settingsFile, '--userDir', prepared.userDir],
    {
      cwd: prepared.userDir,
      env: { ...process.env, ...options.env, NODE_RED_ENABLE_PROJECTS: 'false' },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    },
  );
  const lines: string[] = [];
  let portTaken = false;
  const collect = (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split(/\r?\n/)) {
      if (line.trim() === '') continue;
      if (/EADDRINUSE|port-in-use|already in use/i.test(line)) portTaken = true;
      lines.push(line);
      if (lines.length > TAIL_LINES) lines.shift();
      options.onLine?.(line);
    }
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  let running = true;
  let started = false;
  let stopping = false;
  void exited.then(([code]) => {
    running = false;
    if (started && !stopping) options.onUnexpectedExit?.(code);
  });

  const url = `http://127.0.0.1:${port}`;
  const stop = () => {
    stopping = true;
    return stopChild(child, exited, () => running);
  };
  const failure = (what: string) =>
    portTaken
      ? portInUse(port, options.portSetting)
      : new NodeRedStartError(`Node-RED ${what}. Its last lines:\n${lines.map((line) => `    ${line}`).join('\n')}`);

  // Ready when the admin API answers its login question (it asks for credentials: adminAuth is on).
  const deadline = Date.now() + (options.readyWithinMs ?? 60_000);
  while (true) {
    if (!running) throw failure(`stopped while starting (exit code ${child.exitCode ?? child.signalCode})`);
    if (Date.now() > deadline) {
      await stop();
      throw failure(`did not answer on ${url} within ${(options.readyWithinMs ?? 60_000) / 1000} s`);
    }
    const login = await fetch(`${url}/auth/login`, { signal: AbortSignal.timeout(2000) })
      .then(async (response) => (response.ok ? ((await response.json()) as { type?: string }) : undefined))
      .catch(() => undefined);
    if (login?.type === 'credentials') break;
    // Polled every 100 ms, or sooner when Node-RED exits.
    await Promise.race([new Promise((resolve) => setTimeout(resolve, 100)), exited]);
  }

  started = true;
  return { url, pid: child.pid ?? 0, tail: () => [...lines], stop };
}

async function stopChild(child: ChildProcess, exited: Promise<unknown>, isRunning: () => boolean): Promise<void> {
  if (!isRunning()) return;
  child.kill('SIGTERM');
  // Node-RED stops its flows on SIGTERM; one that hangs on the way out is killed.
  const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(killer);
  if (child.connected) child.disconnect();
}
