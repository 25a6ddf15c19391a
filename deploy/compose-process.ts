import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { ComposeFile, ComposeService } from './compose-file.js';
import { secretName } from './compose-file.js';
import { ROOT } from './compose-fixture.js';

/**
 * A compose service run as a plain process on this machine, from the same files: its command line,
 * its environment with each `/run/secrets/<name>` replaced by the secret's file, each read-only
 * file mount by the repository file, and its health check's command with the healthcheck script
 * from the repository. The apps run from their TypeScript sources (the images run the same CLI
 * compiled to dist/).
 */
export interface PlainProcess {
  args: string[];
  env: Record<string, string>;
  /** The health check's command, for a server listening on `port` instead of the container's. */
  healthcheck(port: number): string[];
}

/** The CLI each Gridlink image's entrypoint runs, by image name. */
const CLI_OF: Record<string, string> = {
  'gridlink/cloud': 'cloud/src/cli/bin.ts',
  'gridlink/gateway': 'gateway/src/cli/bin.ts',
  'gridlink/simulators': 'simulators/src/cli/bin.ts',
};
const HEALTHCHECK_IN_IMAGE = '/usr/local/lib/gridlink/healthcheck.mjs';

export function asPlainProcess(compose: ComposeFile, name: string): PlainProcess {
  const service: ComposeService | undefined = compose.services[name];
  if (!service) throw new Error(`docker-compose.yml has no service ${name}`);
  const cli = CLI_OF[(service.image ?? '').split(':')[0] ?? ''];
  if (!cli) throw new Error(`${name}: not a Gridlink app image (${service.image})`);

  const mounts = new Map<string, string>();
  for (const volume of service.volumes ?? []) {
    const [host = '', container = ''] = volume.split(':');
    if (host.startsWith('./')) mounts.set(container, join(ROOT, host));
  }
  const hostPath = (value: string) => {
    const secret = secretName(value);
    if (secret !== undefined) {
      const file = compose.secrets[secret]?.file;
      if (!file) throw new Error(`${name}: ${value} names no secret file`);
      return file;
    }
    return mounts.get(value) ?? value;
  };

  const env = Object.fromEntries(
    Object.entries(service.environment ?? {}).map(([key, value]) => [key, hostPath(value)]),
  );
  return {
    args: [
      '--import',
      'tsx',
      '--conditions=gridlink-source',
      join(ROOT, cli),
      ...(service.command ?? []).map(hostPath),
    ],
    env,
    healthcheck(port) {
      const [kind, ...command] = service.healthcheck?.test ?? [];
      if (kind !== 'CMD') throw new Error(`${name}: the healthcheck is not a CMD`);
      return command.map((word) =>
        word === HEALTHCHECK_IN_IMAGE ? join(ROOT, 'deploy', 'healthcheck.mjs') : word.replace(/:\d+\//, `:${port}/`),
      );
    },
  };
}

/** Starts it with `overrides` on top of its environment (and PATH, HOME…), resolving on `ready(line)`. */
export function startPlainProcess(
  plain: PlainProcess,
  overrides: Record<string, string>,
  ready: (line: string) => boolean,
): Promise<{ child: ChildProcess; line: string; output(): string }> {
  const child = spawn(process.execPath, plain.args, {
    cwd: ROOT,
    env: plainEnv({ ...plain.env, ...overrides }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  return new Promise((resolve, reject) => {
    let pending = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      pending += chunk.toString();
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) if (ready(line)) resolve({ child, line, output: () => output });
    });
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => reject(new Error(`exited with ${code} before it was ready:\n${output}`)));
  });
}

/** The environment a plain process gets: this one's, without GRIDLINK_* configuration, then `env`. */
export function plainEnv(env: Record<string, string>): Record<string, string | undefined> {
  const base = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !key.startsWith('GRIDLINK_') || key.startsWith('GRIDLINK_TEST_')),
  );
  return { ...base, ...env };
}

/** Runs a health check command; its exit code and what it printed. */
export function runHealthcheck(command: string[]): { status: number | null; output: string } {
  const [program = '', ...args] = command;
  const result = spawnSync(program === 'node' ? process.execPath : program, args, { encoding: 'utf8' });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}
