import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { type CliIo as BaseCliIo, CommunityCode, GatewayId, stopSignal } from '@gridlink/protocol';
import type { Logger } from 'pino';
import { BackupRefused, backupCloud, type PgTarget, restoreCloud } from '../backup/backup.js';
import { loadCloudConfig, redactCloudConfig } from '../config/load.js';
import { resolveConfigPaths } from '../config/paths.js';
import type { CloudConfig } from '../config/schema.js';
import type { Db } from '../db/db.js';
import { migrate } from '../db/migrate.js';
import { embeddedDataDir, openDatabase } from '../db/open.js';
import { IN_MEMORY } from '../db/pglite.js';
import { GatewayRegistry } from '../gateways/registry.js';
import { createLogger } from '../logging/logger.js';
import { PeopleError } from '../people/errors.js';
import { passwordProblem } from '../people/passwords.js';
import { Role } from '../people/roles.js';
import { NewUserBody } from '../people/routes.js';
import { UserStore } from '../people/users.js';
import { userToken } from './api-tokens.js';
import { type PasswordInput, passwordFromFile, passwordFromPipe, passwordFromTerminal } from './password-input.js';
import { territoryImport } from './territory-import.js';

/**
 * `gridlink-cloud`: run the cloud, register gateways. Exit codes: 0 done, 1 refused (with a
 * message, no stack trace), 2 usage error. `bin.ts` only wires `runCli` to the process, so tests
 * drive it with captured output.
 */
export interface CliIo extends BaseCliIo {
  /** Called once `start` is serving, with its base URL. */
  onListening?: (url: string) => void;
  /** Where `user create` reads the password without `--password-file` (a pipe, or a terminal: no echo). */
  stdin?: PasswordInput;
}

export const PROGRAM = 'gridlink-cloud';

export const USAGE = `Usage: ${PROGRAM} <command> [options]

Commands:
  start --config <file>                       Run the cloud
  gateway add <id> --community <code> [--name <text>] --config <file>
                                              Register a gateway for the community it serves
                                              (its gateway.community); prints its token, once
  user create --username <name> --role <role> --territory <code>
              [--display-name <text>] [--password-file <file>] --config <file>
                                              Create a user (the first district_admin of a new
                                              deployment); the password is read from the file's
                                              first line or from stdin, never echoed; prints the id

  user token add --username <name> --name <text> [--expires <date>] --config <file>
                                              Create an API token for an integration acting as
                                              this user (its roles, nothing more); prints the
                                              token once. Default expiry auth.api_tokens.default_days
  user token list --username <name> --config <file>
                                              The user's API tokens (masked), newest first
  user token revoke <token id> --username <name> --config <file>
                                              Revoke one at once

  territory import <file> [--kind boundaries|buildings|placements] [--crs wgs84|gcj02]
                   [--apply] [--valid-from <ISO time>] --config <file>
                                              Preview a territory file (GeoJSON boundaries, or a
                                              CSV of buildings or device placements) and print its
                                              problems; --apply applies it when it has none.
                                              Exit 1 when it has problems

  backup --out <file> --config <file>         Dump the PostgreSQL database (database.url) to a
                                              new file with pg_dump (custom format). Attachments
                                              live in the database: the one file holds everything
  restore <file> [--replace] --config <file>  Restore a dump into the configured database, which
                                              must be empty unless --replace (drops everything in
                                              it first). A dump newer than this release is refused

The configuration file is optional when GRIDLINK_* variables set every required field.
`;

class UserError extends Error {}
class UsageError extends Error {}

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
      return await addGateway(io, parsed.values.config, rest[0] as string, parsed.values.name, parsed.values.community);
    }
    if (command === 'user' && sub === 'create' && rest.length === 0) {
      return await createUser(io, parsed.values);
    }
    const tokenSub = rest[0];
    if (
      (command === 'user' || command === 'users') &&
      sub === 'token' &&
      (tokenSub === 'add' || tokenSub === 'list' || tokenSub === 'revoke') &&
      rest.length === (tokenSub === 'revoke' ? 2 : 1)
    ) {
      const { db, config } = await openMigrated(io, parsed.values.config, 'API token');
      try {
        return await userToken(
          io,
          db,
          { defaultDays: config.auth.api_tokens.default_days, maxDays: config.auth.api_tokens.max_days },
          {
            sub: tokenSub,
            username: parsed.values.username,
            name: parsed.values.name,
            expires: parsed.values.expires,
            tokenId: rest[1],
          },
          (text) => {
            throw new UsageError(text);
          },
        );
      } finally {
        await db.close();
      }
    }
    if (command === 'territory' && sub === 'import' && rest.length === 1) {
      const { db } = await openMigrated(io, parsed.values.config, 'territory');
      try {
        return await territoryImport(
          io,
          db,
          {
            file: rest[0] as string,
            kind: parsed.values.kind,
            crs: parsed.values.crs,
            apply: parsed.values.apply,
            validFrom: parsed.values['valid-from'],
          },
          (text) => {
            throw new UsageError(text);
          },
        );
      } finally {
        await db.close();
      }
    }
    if (command === 'backup' && sub === undefined) {
      if (parsed.values.out === undefined) throw new UsageError('backup needs --out <file>');
      return await backup(io, parsed.values.config, parsed.values.out);
    }
    if (command === 'restore' && sub !== undefined && rest.length === 0) {
      return await restore(io, parsed.values.config, sub, parsed.values.replace === true);
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
    if (err instanceof UsageError) {
      io.stderr.write(`${PROGRAM}: ${err.message}\n\n${USAGE}`);
      return 2;
    }
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
      community: { type: 'string' },
      username: { type: 'string' },
      'display-name': { type: 'string' },
      role: { type: 'string' },
      territory: { type: 'string' },
      'password-file': { type: 'string' },
      kind: { type: 'string' },
      crs: { type: 'string' },
      apply: { type: 'boolean' },
      'valid-from': { type: 'string' },
      expires: { type: 'string' },
      out: { type: 'string' },
      replace: { type: 'boolean' },
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
  const stopping = stopSignal(io);
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

/** The configured database, migrated, for a command that writes to it; refused when it lives in memory. */
async function openMigrated(
  io: CliIo,
  file: string | undefined,
  what: string,
): Promise<{ db: Db; config: CloudConfig }> {
  const config = readConfig(io, file);
  if (config.database.url === undefined && embeddedDataDir(config) === IN_MEMORY) {
    throw new UserError(`${PROGRAM}: database.data_dir is ${IN_MEMORY}: the ${what} would be forgotten at once`);
  }
  const logger = createLogger('warn', io.stderr as { write(chunk: string): void });
  let db: Db;
  try {
    db = await openDatabase(config, logger);
  } catch (err) {
    throw new UserError(`${PROGRAM}: cannot open the database: ${(err as Error).message}`);
  }
  try {
    await migrate(db);
  } catch (err) {
    await db.close();
    throw err;
  }
  return { db, config };
}

/** The configured PostgreSQL database, for `backup` and `restore`; refused for the embedded one. */
function postgresTarget(io: CliIo, file: string | undefined): PgTarget {
  const config = readConfig(io, file);
  if (config.database.url === undefined) {
    throw new UserError(
      `${PROGRAM}: backup and restore work on PostgreSQL (database.url); the embedded database is backed up by stopping the cloud and copying ${embeddedDataDir(config)}`,
    );
  }
  return { url: config.database.url, password: config.database.password };
}

async function backup(io: CliIo, file: string | undefined, out: string): Promise<number> {
  const target = postgresTarget(io, file);
  const path = resolve(io.cwd, out);
  const { schemaVersion } = await backupCloud(target, path).catch(refused);
  io.stdout.write(`${PROGRAM}: backed up the database (schema version ${schemaVersion}) to ${path}\n`);
  return 0;
}

async function restore(io: CliIo, file: string | undefined, dump: string, replace: boolean): Promise<number> {
  const target = postgresTarget(io, file);
  const path = resolve(io.cwd, dump);
  const { schemaVersion, codeVersion } = await restoreCloud(target, path, { replace }).catch(refused);
  io.stdout.write(`${PROGRAM}: restored ${path} (schema version ${schemaVersion})\n`);
  if (schemaVersion < codeVersion) {
    io.stdout.write(`${PROGRAM}: the cloud migrates it to schema version ${codeVersion} when it starts\n`);
  }
  return 0;
}

function refused(error: unknown): never {
  if (error instanceof BackupRefused) throw new UserError(`${PROGRAM}: ${error.message}`);
  throw error;
}

async function addGateway(
  io: CliIo,
  file: string | undefined,
  id: string,
  name: string | undefined,
  community: string | undefined,
): Promise<number> {
  if (!GatewayId.safeParse(id).success) {
    throw new UserError(`${PROGRAM}: ${JSON.stringify(id)} is not a gateway id (1-63 of a-z, 0-9 and "-")`);
  }
  if (community !== undefined && !CommunityCode.safeParse(community).success) {
    throw new UserError(`${PROGRAM}: --community: ${JSON.stringify(community)} is not a 12-digit community code`);
  }
  const { db, config } = await openMigrated(io, file, 'gateway');
  try {
    const registry = new GatewayRegistry(db, () => new Date(), config.auth.token_grace_s);
    const result = await registry.register(id, name, community);
    if (!result.ok) throw new UserError(`${PROGRAM}: gateway ${id} is already registered`);
    io.stdout.write(`${result.issued.token}\n`);
    io.stderr.write(
      `${PROGRAM}: registered ${id}; the token above is shown only once: set it as the gateway's uplink.token\n`,
    );
    if (community === undefined) {
      io.stderr.write(
        `${PROGRAM}: warning: no --community: the gateway's alerts naming a place are refused until its community is set (PUT /api/v1/gateways/${id}/community)\n`,
      );
    }
    return 0;
  } finally {
    await db.close();
  }
}

/** What `user create` was given on its command line. */
interface UserOptions {
  config?: string | undefined;
  username?: string | undefined;
  'display-name'?: string | undefined;
  role?: string | undefined;
  territory?: string | undefined;
  'password-file'?: string | undefined;
}

/** The command-line flag each field of a new user comes from, for error messages. */
const FLAG_OF: Record<string, string> = {
  username: '--username',
  display_name: '--display-name',
  territory_code: '--territory',
  roles: '--role/--territory',
  password: 'the password',
};

/**
 * `user create`: a user with one role over `--territory` (the first `district_admin` of a fresh
 * deployment, who then manages the rest over the API). Validated like `POST /api/v1/users`, and the
 * password must not contain the username either. The password is read from `--password-file` (its
 * first line) or stdin: piped, or typed twice on a terminal with echo off. It is never printed.
 */
async function createUser(io: CliIo, options: UserOptions): Promise<number> {
  const missing = (['username', 'role', 'territory'] as const).filter((flag) => options[flag] === undefined);
  if (missing.length > 0) {
    throw new UserError(`${PROGRAM}: user create needs ${missing.map((flag) => `--${flag}`).join(', ')}`);
  }
  const role = Role.safeParse(options.role);
  if (!role.success) {
    throw new UserError(
      `${PROGRAM}: --role: ${JSON.stringify(options.role)} is not a role (${Role.options.join(', ')})`,
    );
  }
  const username = options.username as string;
  const territory = options.territory as string;
  const password = await readPassword(io, options['password-file']);
  const weak = passwordProblem(password, username);
  if (weak !== undefined) throw new UserError(`${PROGRAM}: the password is refused: ${weak}`);
  const input = NewUserBody.safeParse({
    username,
    display_name: options['display-name'] ?? username,
    territory_code: territory,
    password,
    roles: [{ role: role.data, scope: territory }],
  });
  if (!input.success) {
    // Never quote the input: a password must not reach the terminal or a log.
    const lines = input.error.issues.map((issue) => {
      const field = String(issue.path[0] ?? '');
      return `  ${FLAG_OF[field] ?? field}: ${field === 'password' ? issue.message : issueText(issue)}`;
    });
    throw new UserError([`${PROGRAM}: the user is refused:`, ...lines].join('\n'));
  }
  const { db } = await openMigrated(io, options.config, 'user');
  try {
    const users = new UserStore(db, () => new Date());
    const user = await users.create({ kind: 'cli' }, input.data).catch((err: unknown) => {
      if (err instanceof PeopleError) throw new UserError(`${PROGRAM}: ${err.message}`);
      throw err;
    });
    io.stdout.write(`${user.id}\n`);
    io.stderr.write(
      `${PROGRAM}: created ${user.username} (${role.data} over ${territory}); sign in with POST /api/v1/sessions\n`,
    );
    return 0;
  } finally {
    await db.close();
  }
}

function issueText(issue: { message: string; path: PropertyKey[] }): string {
  // roles.0.scope: the message names the role and the scope it needs already.
  return issue.path[0] === 'roles' || issue.path.length <= 1
    ? issue.message
    : `${issue.path.slice(1).join('.')}: ${issue.message}`;
}

async function readPassword(io: CliIo, file: string | undefined): Promise<string> {
  if (file !== undefined) {
    try {
      return await passwordFromFile(file, io.cwd);
    } catch (err) {
      throw new UserError(
        `${PROGRAM}: --password-file: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      );
    }
  }
  const stdin = io.stdin;
  if (stdin === undefined) throw new UserError(`${PROGRAM}: give the password with --password-file or on stdin`);
  if (!stdin.isTTY) {
    const piped = await passwordFromPipe(stdin);
    if (piped === '') throw new UserError(`${PROGRAM}: no password on stdin: pipe it in or use --password-file`);
    return piped;
  }
  const prompt = (text: string) => io.stderr.write(text);
  const first = await passwordFromTerminal(stdin, prompt, 'Password (not shown): ');
  if (first === undefined) throw new UserError(`${PROGRAM}: no password given`);
  const again = await passwordFromTerminal(stdin, prompt, 'The same password again: ');
  if (again !== first) throw new UserError(`${PROGRAM}: the two passwords differ; nothing was created`);
  return first;
}
