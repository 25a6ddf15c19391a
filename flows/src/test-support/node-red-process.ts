import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const NODE_RED = createRequire(import.meta.url).resolve('node-red/red.js');

export interface NodeRedProcess {
  /** The editor and admin API, e.g. http://127.0.0.1:40123/ */
  url: string;
  /** Everything it printed so far. */
  output(): string;
  stop(): Promise<void>;
}

/**
 * Starts the real `node-red` in its own process: a fresh userDir whose settings load the node
 * packages in `nodesDir`, on a port the OS picks, and resolves once it says where it listens.
 */
export async function startNodeRed(userDir: string, nodesDir: string[]): Promise<NodeRedProcess> {
  await mkdir(userDir, { recursive: true });
  const settings = {
    uiHost: '127.0.0.1',
    uiPort: 0,
    nodesDir,
    flowFile: 'flows.json',
    credentialSecret: false,
    logging: { console: { level: 'info', metrics: false, audit: false } },
    diagnostics: { enabled: false },
    telemetry: { enabled: false, updateNotification: false },
    editorTheme: { tours: false },
  };
  await writeFile(join(userDir, 'settings.js'), `module.exports = ${JSON.stringify(settings, null, 2)};\n`);
  const child = spawn(process.execPath, [NODE_RED, '--userDir', userDir], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const read = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      const listening = /Server now running at (http:\/\/\S+)/.exec(output);
      if (listening?.[1]) resolve(listening[1].endsWith('/') ? listening[1] : `${listening[1]}/`);
    };
    child.stdout?.on('data', read);
    child.stderr?.on('data', read);
    child.once('exit', (code) => reject(new Error(`node-red exited with ${code} before listening:\n${output}`)));
  });
  return { url, output: () => output, stop: () => stop(child) };
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  await exited;
}
