import { parseArgs } from 'node:util';
import { GatewayId } from '@gridlink/protocol';
import type { Logger } from 'pino';
import { loadCloudConfig, redactCloudConfig } from '../config/load.js';
import { resolveConfigPaths } from '../config/paths.js';
import type { CloudConfig } from '../config/schema.js';
import { migrate } from '../db/migrate.js';
import { embeddedDataDir, openDatabase } from '../db/open.js';
import { IN_MEMORY } from '../db/pglite.js';
import { GatewayRegistry } from '../gateways/registry.js';
import { createLogger } from '../logging/logger.js';

/**
 * `gridlink-cloud`: run the cloud, register gateways. Exit codes: 0 done, 1 refused (with a
 * message, no stack trace), 2 usage error. `bin.ts` only wires `runCli` to the process, so tests
 * drive it with captured output.
 */
export interface CliIo {
  stdout: { write(chunk: string): unknown };
  stderr: { write(chunk: string): unknown };
  env: Readonly<Record<string, string | undefined>>;
  /** Relative paths (the config file, data_dir) are resolved from here. */
  cwd: string;
  /** Stops `start`. Without one, `start` stops on SIGINT or SIGTERM. */
  signal?: AbortSignal;
  /** Called once `start` is serving, with its base URL. */
  onListening?: (url: string) => void;
}

export const PROGRAM = 'gridlink-cloud';

export const USAGE = `Usage: ${PROGRAM} <command> [options]

Commands:
  start --config <file>                       Run the cloud
  gateway add <id> [--name <text>] --config <file>
                                              Register a gateway; prints its token, once

The configuration file is optional when GRIDLINK_* variables set every required field.
`;

class UserError extends Error {}

export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (err) {
    io.stderr.write(`${PROGRAM}: ${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const [command, sub, ...rest] = parsed.positionals;
  try {
    if (command === 'start' && sub === undefined) return await start(io, parsed.values.config);
    if (command === 'gateway' && sub === 'add' && rest.length === 1) {
      return await addGateway(io, parsed.values.config, rest[0] as string, parsed.values.name);
    }
    if (command === 'help' || parsed.values.help) {
      io.stdout.write(USAGE);
      return 0;
    }
    io.stderr.write(
      `${PROGRAM}: ${command === undefined ? 'no command' : `unknown command: ${argv.join(' ')}`}\n\n${USAGE}`,
    );
    return 2;
  } catch (err) {
    if (!(err instanceof UserError)) throw err;
    io.stderr.write(`${err.message}\n`);
    return 1;
  }
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      config: { type: 'string', short: 'c' },
      name: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}

function readConfig(io: CliIo, file: string | undefined): CloudConfig {
  const result = loadCloudConfig({ ...(file === undefined ? {} : { file }), env: io.env, cwd: io.cwd });
  if (!result.ok) {
    const count = `${result.errors.length} ${result.errors.length === 1 ? 'error' : 'errors'}`;
    throw new UserError(
      [`${PROGRAM}: ${file ?? 'the environment'}: configuration invalid (${count})`, ...result.errors].join('\n'),
    );
  }
  return resolveConfigPaths(result.config, io.cwd);
}

async function start(io: CliIo, file: string | undefined): Promise<number> {
  const config = readConfig(io, file);
  const logger: Logger = createLogger(config.log.level, io.stdout as { write(chunk: string): void });
  const stopping = io.signal ? { signal: io.signal, dispose: () => {} } : processSignals();
  try {
    const { startCloud } = await import('../start.js');
    let running: Awaited<ReturnType<typeof startCloud>>;
    try {
      running = await startCloud(config, logger);
    } catch (err) {
      throw new UserError(`${PROGRAM}: the cloud did not start: ${(err as Error).message}`);
    }
    logger.info({ config: redactCloudConfig(config) }, 'configuration');
    io.onListening?.(running.url);
    await new Promise<void>((done) => {
      if (stopping.signal.aborted) done();
      else stopping.signal.addEventListener('abort', () => done(), { once: true });
    });
    logger.info('stopping');
    await running.stop();
    return 0;
  } finally {
    stopping.dispose();
  }
}

async function addGateway(io: CliIo, file: string | undefined, id: string, name: string | undefined): Promise<number> {
  if (!GatewayId.safeParse(id).success) {
    throw new UserError(`${PROGRAM}: ${JSON.stringify(id)} is not a gateway id (1-63 of a-z, 0-9 and "-")`);
  }
  const config = readConfig(io, file);
  if (config.database.url === undefined && embeddedDataDir(config) === IN_MEMORY) {
    throw new UserError(`${PROGRAM}: database.data_dir is ${IN_MEMORY}: the gateway would be forgotten at once`);
  }
  const logger = createLogger('warn', io.stderr as { write(chunk: string): void });
  let db: Awaited<ReturnType<typeof openDatabase>>;
  try {
    db = await openDatabase(config, logger);
  } catch (err) {
    throw new UserError(`${PROGRAM}: cannot open the database: ${(err as Error).message}`);
  }
  try {
    await migrate(db);
    const registry = new GatewayRegistry(db, () => new Date(), config.auth.token_grace_s);
    const result = await registry.register(id, name);
    if (!result.ok) throw new UserError(`${PROGRAM}: gateway ${id} is already registered`);
    io.stdout.write(`${result.issued.token}\n`);
    io.stderr.write(
      `${PROGRAM}: registered ${id}; the token above is shown only once: set it as the gateway's uplink.token\n`,
    );
    return 0;
  } finally {
    await db.close();
  }
}

function processSignals(): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return {
    signal: controller.signal,
    dispose: () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
    },
  };
}
