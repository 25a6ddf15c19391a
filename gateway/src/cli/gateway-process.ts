/**
 * Test support: `gridlink-gateway start` as a real process, from the sources. Resolves once the
 * gateway logs that it started, with its MQTT port.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('./bin.ts', import.meta.url));

export interface GatewayProcess {
  child: ChildProcess;
  port: number;
  output(): string;
}

export async function startGatewayProcess(
  config: string,
  options: { env?: NodeJS.ProcessEnv; prefix?: string[] } = {},
): Promise<GatewayProcess> {
  const [command, ...prefix] = options.prefix ?? [];
  const node = [process.execPath, '--import', 'tsx', '--conditions=gridlink-source', bin, 'start', '--config', config];
  const child =
    command === undefined
      ? spawn(node[0] as string, node.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], env: options.env ?? process.env })
      : spawn(command, [...prefix, ...node], { stdio: ['ignore', 'pipe', 'pipe'], env: options.env ?? process.env });
  let output = '';
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      for (const line of output.split('\n')) {
        if (line.includes('"gateway started"')) resolve((JSON.parse(line) as { ports: { tcp: number } }).ports.tcp);
      }
    });
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => reject(new Error(`gateway exited with ${code}: ${output}`)));
  });
  return { child, port, output: () => output };
}

/** kill -9, and wait until the process is gone. */
export async function killHard(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}
