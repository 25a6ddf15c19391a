import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

// --- last-resort cleanup -------------------------------------------------------------------------

const exitHooks: Array<() => void> = [];
let exitHandlerInstalled = false;

/**
 * Runs `hook` synchronously when the vitest process exits without having run teardown (crash,
 * Ctrl-C: vitest turns SIGINT/SIGTERM into process.exit()). Returns the function that cancels it.
 * Hooks run newest first, so a server is killed before its directory is removed.
 */
export function onProcessExit(hook: () => void): () => void {
  if (!exitHandlerInstalled) {
    exitHandlerInstalled = true;
    process.on('exit', () => {
      for (const pending of [...exitHooks].reverse()) {
        try {
          pending();
        } catch {
          // Best effort: the process is going away and there is nobody left to tell.
        }
      }
    });
  }
  exitHooks.push(hook);
  return () => {
    const index = exitHooks.indexOf(hook);
    if (index >= 0) exitHooks.splice(index, 1);
  };
}

export interface ScratchDir {
  path: string;
  remove(): Promise<void>;
}

/** A fresh temp dir that is removed by `remove()` or, failing that, when the process exits. */
export async function createScratchDir(prefix: string): Promise<ScratchDir> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  const cancel = onProcessExit(() => rmSync(path, { recursive: true, force: true }));
  return {
    path,
    async remove() {
      cancel();
      await rm(path, { recursive: true, force: true, maxRetries: 3 });
    },
  };
}

// --- output capture ------------------------------------------------------------------------------

/** Keeps the last lines of a child's output so start-up failures can show them. */
export class OutputTail {
  private readonly lines: string[] = [];
  private partial = '';

  constructor(private readonly maxLines = 40) {}

  push(chunk: Buffer | string): void {
    const parts = (this.partial + chunk.toString()).split('\n');
    this.partial = parts.pop() ?? '';
    this.lines.push(...parts);
    if (this.lines.length > this.maxLines) this.lines.splice(0, this.lines.length - this.maxLines);
  }

  text(lineCount = 20): string {
    const all = this.partial === '' ? this.lines : [...this.lines, this.partial];
    return all.slice(-lineCount).join('\n');
  }
}

export async function fileTail(path: string, lineCount = 20): Promise<string> {
  try {
    return (await readFile(path, 'utf8')).trimEnd().split('\n').slice(-lineCount).join('\n');
  } catch {
    return `(no log at ${path})`;
  }
}

function indent(text: string): string {
  const trimmed = text.trimEnd();
  return trimmed === '' ? '    (no output)' : trimmed.replace(/^/gm, '    ');
}

export function errorMessage(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) {
    return error.errors.map(errorMessage).join('; ');
  }
  if (!(error instanceof Error)) return String(error);
  const message = error.message || error.name;
  // fetch() and friends hide the useful part ("connect ECONNREFUSED …") in `cause`.
  return error.cause === undefined ? message : `${message}: ${errorMessage(error.cause)}`;
}

// --- one-shot commands ---------------------------------------------------------------------------

export interface RunOptions {
  timeoutMs?: number;
  cwd?: string;
}

/** Runs a command to completion; rejects with its output if it fails or overruns. */
export function runCommand(
  command: string,
  args: readonly string[],
  { timeoutMs = 60_000, cwd }: RunOptions = {},
): Promise<string> {
  return new Promise((resolve, reject) => {
    const output = new OutputTail(60);
    const child = spawn(command, args, {
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: timeoutMs,
      killSignal: 'SIGKILL',
    });
    child.stdout.on('data', (chunk: Buffer) => output.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => output.push(chunk));
    child.once('error', (error) => reject(new Error(`${command} could not be run: ${error.message}`)));
    child.once('close', (code, signal) => {
      if (code === 0) {
        resolve(output.text(60));
        return;
      }
      const how = signal === null ? `exited with code ${code}` : `was killed by ${signal}`;
      const overran = signal === 'SIGKILL' ? ` (time limit ${timeoutMs / 1000} s)` : '';
      reject(new Error(`${[command, ...args].join(' ')} ${how}${overran}. Output:\n${indent(output.text())}`));
    });
  });
}

// --- long-running servers ------------------------------------------------------------------------

export interface ManagedProcess {
  readonly name: string;
  readonly pid: number | undefined;
  /** null while running, otherwise why it is gone (e.g. `exited with code 1`). */
  exitStatus(): string | null;
  /** Last lines of its stdout and stderr. */
  tail(lineCount?: number): string;
  /** SIGTERM, then SIGKILL if it is still alive after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

export function startProcess(
  name: string,
  command: string,
  args: readonly string[],
  options: { cwd?: string } = {},
): ManagedProcess {
  const output = new OutputTail();
  const child = spawn(command, args, { cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.on('data', (chunk: Buffer) => output.push(chunk));
  child.stderr.on('data', (chunk: Buffer) => output.push(chunk));

  let status: string | null = null;
  let markExited: () => void = () => {};
  const exited = new Promise<void>((resolve) => {
    markExited = resolve;
  });
  const cancelExitHook = onProcessExit(() => {
    if (status === null) child.kill('SIGKILL');
  });
  const finish = (why: string) => {
    if (status !== null) return;
    status = why;
    cancelExitHook();
    markExited();
  };
  child.once('error', (error) => finish(`could not be started (${error.message})`));
  child.once('exit', (code, signal) =>
    finish(signal === null ? `exited with code ${code}` : `was killed by ${signal}`),
  );

  return {
    name,
    pid: child.pid,
    exitStatus: () => status,
    tail: (lineCount) => output.text(lineCount),
    async stop(graceMs = 5_000) {
      if (status !== null) return;
      child.kill('SIGTERM');
      // A pending grace timer would keep vitest alive after teardown, so it is cancelled.
      const grace = new AbortController();
      const timer = sleep(graceMs, 'timeout' as const, { signal: grace.signal }).catch(() => 'exited');
      const outcome = await Promise.race([exited.then(() => 'exited'), timer]);
      grace.abort();
      if (outcome === 'timeout') {
        child.kill('SIGKILL');
        await exited;
      }
    },
  };
}

export interface WaitOptions {
  timeoutMs?: number;
  intervalMs?: number;
  /** Stop waiting early if this process dies. */
  process?: ManagedProcess;
  /** The server's recent log, appended to the error if it never becomes ready. */
  log?: () => string | Promise<string>;
}

/** Polls `check` until it resolves true; on failure the error carries the server's last log lines. */
export async function waitUntilReady(
  what: string,
  check: () => Promise<boolean>,
  { timeoutMs = 30_000, intervalMs = 100, process: proc, log }: WaitOptions = {},
): Promise<void> {
  const recentLog = async () => indent(log ? await log() : (proc?.tail() ?? ''));
  const deadline = Date.now() + timeoutMs;
  let lastProblem = 'not checked yet';
  for (;;) {
    const status = proc?.exitStatus();
    if (status) {
      throw new Error(`${what} ${status} before it became ready. Last log lines:\n${await recentLog()}`);
    }
    try {
      if (await check()) return;
      lastProblem = 'not ready';
    } catch (error) {
      lastProblem = errorMessage(error);
    }
    if (Date.now() >= deadline) {
      throw new Error(
        `${what} did not become ready within ${timeoutMs / 1000} s (last check: ${lastProblem}). ` +
          `Last log lines:\n${await recentLog()}`,
      );
    }
    await sleep(intervalMs);
  }
}

export interface ServerLaunch {
  name: string;
  binary: string;
  args: readonly string[];
  /** Its private directory, removed when the server stops. */
  scratch: ScratchDir;
  url: string;
  /** Resolves once the server at `url` answers; given a short timeout per attempt. */
  verify(url: string, timeoutMs: number): Promise<void>;
  graceMs: number;
}

/**
 * Starts a server process and waits until it answers at its URL. If it never does, it is stopped
 * and its scratch directory removed before the error (with its last log lines) propagates.
 */
export async function launchServer(
  launch: ServerLaunch,
): Promise<{ url: string; pid: number | undefined; stop(): Promise<void> }> {
  const server = startProcess(launch.name, launch.binary, launch.args, { cwd: launch.scratch.path });
  const stop = async () => {
    await server.stop(launch.graceMs);
    await launch.scratch.remove();
  };
  try {
    await waitUntilReady(
      launch.name,
      async () => {
        await launch.verify(launch.url, 1_000);
        return true;
      },
      { process: server },
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return { url: launch.url, pid: server.pid, stop };
}
