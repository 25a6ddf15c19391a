import { closeSync, openSync, readFileSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { type CliIo, closest, DEVICE_KINDS, stopSignal, Timestamp } from '@gridlink/protocol';
import { pino } from 'pino';
import { describeFsError, loadConfig, SECRET_CONFIG_PATHS } from '../config/load.js';
import type { GatewayConfig } from '../config/schema.js';
import { NO_GRANTS } from '../devices/directory.js';
import { describeGrants } from '../integrator/grants.js';
import { decodeCsv } from '../registry/csv-decode.js';
import { credentialsCsv, importDevicesCsv } from '../registry/csv-import.js';
import {
  type Actor,
  DEVICE_STATUSES,
  DeviceRegistry,
  type DeviceSpec,
  type GrantChange,
  type IssuedDevice,
  type RegisteredDevice,
  RegistryError,
  registryPathIn,
  SERVICE_ROLES,
} from '../registry/registry.js';
import { replayEvents } from '../rules/replay.js';
import { checkRuleText, type RuleCheck } from '../rules/rule-check.js';
import { builtinRuleFile, builtinRules } from '../rules/templates.js';
import { formatReplay } from './rules-report.js';
import { formatTable } from './table.js';

/**
 * `gridlink-gateway`: check the configuration, provision devices and service accounts, run the
 * gateway. Exit codes: 0 done, 1 refused (validation or user error, with a message and no stack
 * trace), 2 usage error (with the usage). Everything goes through `runCli` so tests drive it with
 * captured output; `bin.ts` only wires it to the process.
 */
export type { CliIo } from '@gridlink/protocol';

export const PROGRAM = 'gridlink-gateway';

export const USAGE = `Usage: ${PROGRAM} <command> [options]

Commands:
  check-config <file>               Validate a configuration file (with the GRIDLINK_* variables)
  start --config <file>             Run the gateway
  device add --id <id> --kind <kind> [place] [--notes <text>] [--tag <tag>]...
                                    Register a device; prints its password, once
  device list [--status active|retired] [--kind <kind>] [--community <code>] [--tag <tag>] [--json]
  device import <file.csv> [--out <file>]
                                    Register every device of a CSV (header: id,kind,community,grid,
                                    building,unit,floor,room,notes,tags; tags separated by ";");
                                    prints id,password as CSV, or writes it to --out (mode 0600)
  device tag <id> <tag>...          Add installer tags to a device (rules select on them)
  device untag <id> <tag>...        Remove tags from a device
  device retire <id> [--reason <text>]
  device replace <old-id> --id <new-id> [--kind <kind>] [place] [--notes <text>] [--tag <tag>]...
                 [--reason <text>]  Retire a device and register its successor (kind, place and
                                    tags are taken from the old device unless given)
  device rotate-password <id>       A new password for a device; the old one stops working
  service add --username <name> --role observer|installer|integrator [grants]
                                    A scoped MQTT account for software; prints its password, once.
                                    observer reads; installer also makes bridge requests;
                                    integrator (Node-RED) reads and acts only through its grants
  service grant <username> [grants] Give an integrator more grants (they apply at once)
  service revoke <username> [grants]
                                    Take grants away from an integrator (at once)
  service list [--json]             The service accounts, with each integrator's grants
  rules check <file>                Validate a rule file; prints what each rule does, or every
                                    error as file:line:column
  rules test <file> --events <recorded.jsonl> [--until <ISO time>] [--time-zone <zone>]
                                    Replay recorded device messages (one JSON object a line:
                                    {"at","device":{"id","kind","place","tags"},"topic","payload"})
                                    through the rules in simulated time; prints every alert raised,
                                    repeated or cleared. --until runs simulated time on past the
                                    last record (absences, durations); schedules use --time-zone
                                    (default Asia/Shanghai)
  rules template [--out <file>]     The built-in rules (domain policy for smoke, gas, manhole
                                    covers, fire lanes, elderly residents…) as a rule file to edit

Place: --community <12 digits> --grid <15 digits> --building <b> --unit <u> --floor <n> --room <r>
       (--community defaults to gateway.community of --config)
Grants (integrators only; comma-separated; none: read-only; every change is audited):
       --command-devices <id,...>   may send commands to these active devices
       --command-kinds <kind,...>   may send commands to every active device of these kinds
       --ingest-devices <id,...>    may publish as these registered third-party devices
                                    (state, events, availability; validated like the device's own)
Tags:  1-32 of a-z, 0-9, "_" and "-" (e.g. elderly_alone), at most 16 a device; a running gateway
       applies a device's new tags when the device next connects

Options for every command:
  --config <file>     The gateway's YAML configuration
  --registry <path>   The device registry; default <gateway.data_dir>/registry.db of --config,
                      else ./data/registry.db
  -h, --help          This text

Exit codes: 0 done, 1 refused (the message says why), 2 usage error.
`;

const OPTIONS = {
  config: { type: 'string', short: 'c' },
  registry: { type: 'string' },
  id: { type: 'string' },
  kind: { type: 'string' },
  community: { type: 'string' },
  grid: { type: 'string' },
  building: { type: 'string' },
  unit: { type: 'string' },
  floor: { type: 'string' },
  room: { type: 'string' },
  notes: { type: 'string' },
  tag: { type: 'string', multiple: true },
  status: { type: 'string' },
  json: { type: 'boolean' },
  out: { type: 'string' },
  reason: { type: 'string' },
  username: { type: 'string' },
  role: { type: 'string' },
  'command-devices': { type: 'string' },
  'command-kinds': { type: 'string' },
  'ingest-devices': { type: 'string' },
  events: { type: 'string' },
  until: { type: 'string' },
  'time-zone': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

type OptionName = keyof typeof OPTIONS;
type Values = {
  [K in OptionName]?: (typeof OPTIONS)[K] extends { multiple: true }
    ? string[]
    : (typeof OPTIONS)[K]['type'] extends 'boolean'
      ? boolean
      : string;
};

const GLOBAL: readonly OptionName[] = ['config', 'registry', 'help'];
const PLACE = ['community', 'grid', 'building', 'unit', 'floor', 'room'] as const;
const DEVICE_OPTIONS = ['id', 'kind', ...PLACE, 'notes'] as const;
const GRANT_OPTIONS = ['command-devices', 'command-kinds', 'ingest-devices'] as const;

interface Context {
  io: CliIo;
  values: Values;
  args: string[];
}

interface Command {
  name: string;
  /** Names of the positional arguments, all required. */
  args: readonly string[];
  /** The last positional argument may be given more than once. */
  variadic?: boolean;
  options: readonly OptionName[];
  required?: readonly OptionName[];
  run(context: Context): Promise<number>;
}

/** A mistake in how the command was called: exit 2, with the usage. */
class UsageError extends Error {}

/** A refusal with an explanation: exit 1, no stack trace. */
class UserError extends Error {
  constructor(readonly lines: readonly string[]) {
    super(lines.join('\n'));
  }
}

const COMMANDS: readonly Command[] = [
  { name: 'check-config', args: ['file'], options: [], run: checkConfig },
  { name: 'start', args: [], options: [], required: ['config'], run: start },
  {
    name: 'device add',
    args: [],
    options: ['id', 'kind', ...PLACE, 'notes', 'tag'],
    required: ['id', 'kind'],
    run: deviceAdd,
  },
  { name: 'device list', args: [], options: ['status', 'kind', 'community', 'tag', 'json'], run: deviceList },
  { name: 'device import', args: ['file.csv'], options: ['out', 'community'], run: deviceImport },
  { name: 'device tag', args: ['id', 'tag'], variadic: true, options: [], run: deviceTag },
  { name: 'device untag', args: ['id', 'tag'], variadic: true, options: [], run: deviceUntag },
  { name: 'device retire', args: ['id'], options: ['reason'], run: deviceRetire },
  {
    name: 'device replace',
    args: ['old-id'],
    options: ['id', 'kind', ...PLACE, 'notes', 'tag', 'reason'],
    required: ['id'],
    run: deviceReplace,
  },
  { name: 'device rotate-password', args: ['id'], options: [], run: deviceRotate },
  {
    name: 'service add',
    args: [],
    options: ['username', 'role', ...GRANT_OPTIONS],
    required: ['username', 'role'],
    run: serviceAdd,
  },
  { name: 'service grant', args: ['username'], options: [...GRANT_OPTIONS], run: serviceGrant },
  { name: 'service revoke', args: ['username'], options: [...GRANT_OPTIONS], run: serviceRevoke },
  { name: 'service list', args: [], options: ['json'], run: serviceList },
  { name: 'rules check', args: ['file'], options: [], run: rulesCheck },
  {
    name: 'rules test',
    args: ['file'],
    options: ['events', 'until', 'time-zone'],
    required: ['events'],
    run: rulesTest,
  },
  { name: 'rules template', args: [], options: ['out'], run: rulesTemplate },
];

export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const err = (line: string) => io.stderr.write(`${line}\n`);
  try {
    let parsed: { values: Values; positionals: string[] };
    try {
      parsed = parseArgs({
        args: joinNegativeValues(argv),
        options: OPTIONS,
        strict: true,
        allowPositionals: true,
      }) as typeof parsed;
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
    const { values, positionals } = parsed;
    if (values.help || positionals[0] === 'help') {
      io.stdout.write(USAGE);
      return 0;
    }
    const { command, args } = findCommand(positionals);
    checkCall(command, values, args);
    return await command.run({ io, values, args });
  } catch (error) {
    if (error instanceof UsageError) {
      err(`${PROGRAM}: ${error.message}`);
      err('');
      io.stderr.write(USAGE);
      return 2;
    }
    if (error instanceof UserError) {
      for (const line of error.lines) err(line);
      return 1;
    }
    if (error instanceof RegistryError) {
      err(`${PROGRAM}: ${error.summary}`);
      for (const issue of error.issues) err(`  ${issue}`);
      return 1;
    }
    err(`${PROGRAM}: unexpected error: ${(error as Error)?.stack ?? String(error)}`);
    return 1;
  }
}

/** `--floor -1` means `--floor=-1` (a basement), not a missing value followed by an option `-1`. */
function joinNegativeValues(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const next = argv[i + 1];
    const option = arg.startsWith('--') ? OPTIONS[arg.slice(2) as OptionName] : undefined;
    if (option?.type === 'string' && next !== undefined && /^-\d+(\.\d+)?$/.test(next)) {
      out.push(`${arg}=${next}`);
      i++;
    } else {
      out.push(arg);
    }
  }
  return out;
}

function findCommand(positionals: readonly string[]): { command: Command; args: string[] } {
  if (positionals.length === 0) throw new UsageError('no command given');
  for (const words of [2, 1]) {
    const name = positionals.slice(0, words).join(' ');
    const command = COMMANDS.find((c) => c.name === name);
    if (command) return { command, args: positionals.slice(words) };
  }
  const attempt = positionals.slice(0, ['device', 'service', 'rules'].includes(positionals[0] ?? '') ? 2 : 1).join(' ');
  const hint = closest(
    attempt,
    COMMANDS.map((c) => c.name),
  );
  throw new UsageError(`unknown command "${attempt}"${hint ? ` (did you mean "${hint}"?)` : ''}`);
}

function checkCall(command: Command, values: Values, args: readonly string[]): void {
  const allowed = new Set<OptionName>([...GLOBAL, ...command.options]);
  for (const name of Object.keys(values) as OptionName[]) {
    if (!allowed.has(name)) throw new UsageError(`${command.name} does not take --${name}`);
  }
  const missing = (command.required ?? []).filter((name) => values[name] === undefined || values[name] === '');
  if (missing.length > 0) {
    throw new UsageError(`${command.name} needs ${missing.map((name) => `--${name}`).join(' and ')}`);
  }
  if (args.length < command.args.length) {
    const more = command.variadic ? '...' : '';
    throw new UsageError(`${command.name} needs ${command.args.map((a) => `<${a}>`).join(' ')}${more}`);
  }
  if (args.length > command.args.length && !command.variadic) {
    throw new UsageError(`unexpected argument "${args[command.args.length]}" after ${command.name}`);
  }
}

// --- configuration and registry -------------------------------------------------------------------

function readConfig(io: CliIo, file: string): GatewayConfig {
  const result = loadConfig({ file, env: io.env, cwd: io.cwd });
  if (result.ok) return result.config;
  throw new UserError([
    `${PROGRAM}: ${file}: configuration invalid (${result.errors.length} ${result.errors.length === 1 ? 'error' : 'errors'})`,
    ...result.errors,
  ]);
}

/** `--registry`, else `<gateway.data_dir>/registry.db` of `--config`, else `./data/registry.db`. */
function registryPath(context: Context, config: GatewayConfig | undefined): string {
  const { io, values } = context;
  if (values.registry) return resolve(io.cwd, values.registry);
  return resolve(io.cwd, registryPathIn(config?.gateway.data_dir ?? './data'));
}

async function withRegistry<T>(
  context: Context,
  use: (registry: DeviceRegistry, config: GatewayConfig | undefined) => Promise<T>,
): Promise<T> {
  const config = context.values.config ? readConfig(context.io, context.values.config) : undefined;
  const registry = DeviceRegistry.open(registryPath(context, config));
  try {
    return await use(registry, config);
  } finally {
    registry.close();
  }
}

// --- commands -------------------------------------------------------------------------------------

async function checkConfig({ io, args }: Context): Promise<number> {
  const file = args[0] as string;
  readConfig(io, file);
  io.stdout.write('configuration OK\n');
  return 0;
}

async function start({ io, values }: Context): Promise<number> {
  const config = readConfig(io, values.config as string);
  const redact = [
    ...SECRET_CONFIG_PATHS,
    ...SECRET_CONFIG_PATHS.map((path) => `config.${path}`),
    '*.password',
    '*.token',
  ];
  const logger = pino(
    { name: PROGRAM, level: config.log.level, redact: { paths: redact, censor: '[redacted]' } },
    io.stdout as { write(chunk: string): void },
  );
  const stopping = stopSignal(io);
  try {
    const { startGatewayFromConfig } = await import('../run.js');
    let running: Awaited<ReturnType<typeof startGatewayFromConfig>>;
    try {
      running = await startGatewayFromConfig(config, logger);
    } catch (error) {
      throw new UserError([`${PROGRAM}: the gateway did not start: ${(error as Error).message}`]);
    }
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

const NUMBER = /^[+-]?\d+(\.\d+)?$/;

/** Device fields from the command line; `floor` becomes a number when it is one, `--tag`s the tags. */
function deviceFields(values: Values): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  for (const name of DEVICE_OPTIONS) {
    const value = values[name];
    if (value === undefined || value === '') continue;
    fields[name] = name === 'floor' && NUMBER.test(value) ? Number(value) : value;
  }
  if (values.tag !== undefined) fields.tags = values.tag;
  return fields;
}

function printPassword(io: CliIo, password: string): void {
  io.stdout.write(`password: ${password}\n`);
  io.stdout.write('This password will not be shown again: load it onto the device now (only its hash is stored).\n');
}

async function deviceAdd(context: Context): Promise<number> {
  return withRegistry(context, async (registry, config) => {
    const fields = deviceFields(context.values);
    if (fields.community === undefined && config) fields.community = config.gateway.community;
    const { device, password } = await registry.addDevice(fields as DeviceSpec);
    context.io.stdout.write(`added device ${device.id} (${device.kind}) to ${registry.path}\n`);
    printPassword(context.io, password);
    return 0;
  });
}

async function deviceList(context: Context): Promise<number> {
  const { io, values } = context;
  if (values.status !== undefined && !(DEVICE_STATUSES as readonly string[]).includes(values.status)) {
    throw new UsageError(`--status is ${DEVICE_STATUSES.join(' or ')}, not "${values.status}"`);
  }
  if (values.kind !== undefined && !(DEVICE_KINDS as readonly string[]).includes(values.kind)) {
    const hint = closest(values.kind, DEVICE_KINDS);
    throw new UserError([
      `${PROGRAM}: unknown device kind "${values.kind}"${hint ? ` (did you mean ${hint}?)` : ''}; the kinds are ${DEVICE_KINDS.join(', ')}`,
    ]);
  }
  if (values.tag !== undefined && values.tag.length > 1) {
    throw new UsageError(`device list takes one --tag, not ${values.tag.length}`);
  }
  const tag = values.tag?.[0];
  return withRegistry(context, async (registry) => {
    const filter = {
      ...(values.status ? { status: values.status } : {}),
      ...(values.kind ? { kind: values.kind } : {}),
      ...(values.community ? { community: values.community } : {}),
      ...(tag ? { tag } : {}),
    };
    const devices = registry.list(filter);
    if (values.json) {
      io.stdout.write(`${JSON.stringify(devices, null, 2)}\n`);
      return 0;
    }
    if (devices.length === 0) {
      io.stdout.write('no devices\n');
      return 0;
    }
    io.stdout.write(deviceTable(devices));
    return 0;
  });
}

export function deviceTable(devices: readonly RegisteredDevice[]): string {
  const cell = (value: string | number | undefined) => (value === undefined || value === '' ? '-' : String(value));
  return formatTable(
    [
      'ID',
      'KIND',
      'STATUS',
      'COMMUNITY',
      'GRID',
      'BUILDING',
      'UNIT',
      'FLOOR',
      'ROOM',
      'CREATED',
      'REPLACED BY',
      'TAGS',
      'NOTES',
    ],
    devices.map((d) => [
      d.id,
      d.kind,
      d.status,
      cell(d.place?.community),
      cell(d.place?.grid),
      cell(d.place?.building),
      cell(d.place?.unit),
      cell(d.place?.floor),
      cell(d.place?.room),
      d.createdAt.slice(0, 10),
      cell(d.replacedBy),
      cell(d.tags.join(',')),
      cell(d.notes),
    ]),
  );
}

async function deviceImport(context: Context): Promise<number> {
  const { io, values, args } = context;
  const file = args[0] as string;
  let text: string;
  try {
    // Excel's plain "CSV" is GBK on a Chinese desktop; decodeCsv reads it as well as UTF-8.
    text = decodeCsv(readFileSync(resolve(io.cwd, file))).text;
  } catch (error) {
    throw new UserError([`${PROGRAM}: cannot read ${file} (${describeFsError(error)})`]);
  }
  return withRegistry(context, async (registry, config) => {
    const defaultCommunity = values.community ?? config?.gateway.community;
    // The credentials file is created first: if it cannot be, nothing is imported (the passwords
    // exist only in this process and would be lost).
    const out = values.out ? createPrivateFile(resolve(io.cwd, values.out), values.out) : undefined;
    let issued: IssuedDevice[];
    try {
      issued = await importDevicesCsv(registry, text, defaultCommunity ? { defaultCommunity } : {});
    } catch (error) {
      if (out) out.discard();
      throw error;
    }
    const csv = credentialsCsv(issued);
    const count = `${issued.length} ${issued.length === 1 ? 'device' : 'devices'}`;
    if (out) {
      out.write(csv);
      io.stdout.write(`imported ${count} into ${registry.path}\n`);
      io.stdout.write(`their passwords are in ${values.out} (mode 0600) and will not be shown again\n`);
    } else {
      io.stdout.write(csv);
      io.stderr.write(
        `imported ${count} into ${registry.path}; their passwords (above, as id,password) will not be shown again\n`,
      );
    }
    return 0;
  });
}

/** A new file only its owner can read; never overwrites (an older credentials file may still be needed). */
function createPrivateFile(path: string, shown: string): { write(text: string): void; discard(): void } {
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o600);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UserError([
      code === 'EEXIST'
        ? `${PROGRAM}: ${shown} already exists; credentials are never written over an existing file: choose another --out`
        : `${PROGRAM}: cannot create ${shown} (${describeFsError(error)})`,
    ]);
  }
  return {
    write(text) {
      try {
        writeSync(fd, text);
      } finally {
        closeSync(fd);
      }
    },
    discard() {
      closeSync(fd);
      unlinkSync(path);
    },
  };
}

async function deviceTag(context: Context): Promise<number> {
  return editTags(context, (registry, id, tags) => registry.addTags(id, tags));
}

async function deviceUntag(context: Context): Promise<number> {
  return editTags(context, (registry, id, tags) => registry.removeTags(id, tags));
}

async function editTags(
  context: Context,
  edit: (registry: DeviceRegistry, id: string, tags: string[]) => RegisteredDevice,
): Promise<number> {
  const [id, ...tags] = context.args as [string, ...string[]];
  return withRegistry(context, async (registry) => {
    const device = edit(registry, id, tags);
    context.io.stdout.write(
      `device ${device.id} tags: ${device.tags.length > 0 ? device.tags.join(', ') : '(none)'}\n`,
    );
    context.io.stdout.write('A running gateway applies them when the device next connects.\n');
    return 0;
  });
}

async function deviceRetire(context: Context): Promise<number> {
  return withRegistry(context, async (registry) => {
    const device = registry.retire(context.args[0] as string, context.values.reason);
    context.io.stdout.write(
      `retired device ${device.id}${device.retiredReason ? ` (${device.retiredReason})` : ''}; it can never connect again and its id is never reused\n`,
    );
    return 0;
  });
}

async function deviceReplace(context: Context): Promise<number> {
  return withRegistry(context, async (registry) => {
    const oldId = context.args[0] as string;
    const result = await registry.replace(oldId, deviceFields(context.values) as DeviceSpec, context.values.reason);
    context.io.stdout.write(`retired device ${oldId} (replaced by ${result.device.id})\n`);
    context.io.stdout.write(`added device ${result.device.id} (${result.device.kind}) to ${registry.path}\n`);
    printPassword(context.io, result.password);
    return 0;
  });
}

async function deviceRotate(context: Context): Promise<number> {
  return withRegistry(context, async (registry) => {
    const { device, password } = await registry.rotatePassword(context.args[0] as string);
    context.io.stdout.write(`new password for device ${device.id}; the old one no longer works\n`);
    printPassword(context.io, password);
    return 0;
  });
}

async function serviceAdd(context: Context): Promise<number> {
  const { values } = context;
  if (!(SERVICE_ROLES as readonly string[]).includes(values.role as string)) {
    throw new UsageError(
      `--role is ${SERVICE_ROLES.slice(0, -1).join(', ')} or ${SERVICE_ROLES.at(-1)}, not "${values.role}"`,
    );
  }
  return withRegistry(context, async (registry) => {
    const { account, password } = await registry.addService(
      values.username as string,
      values.role as string,
      grantChange(values),
      actor(context),
    );
    context.io.stdout.write(`added service account ${account.username} (${account.role}) to ${registry.path}\n`);
    if (account.grants) context.io.stdout.write(`grants: ${describeGrants(account.grants)}\n`);
    context.io.stdout.write(`password: ${password}\n`);
    context.io.stdout.write('This password will not be shown again: store it where the service reads it.\n');
    return 0;
  });
}

async function serviceGrant(context: Context): Promise<number> {
  return withRegistry(context, async (registry) => {
    const account = registry.grant(context.args[0] as string, grantChange(context.values), actor(context));
    context.io.stdout.write(`${account.username} now holds ${describeGrants(account.grants ?? NO_GRANTS)}\n`);
    return 0;
  });
}

async function serviceRevoke(context: Context): Promise<number> {
  return withRegistry(context, async (registry) => {
    const account = registry.revoke(context.args[0] as string, grantChange(context.values), actor(context));
    context.io.stdout.write(`${account.username} now holds ${describeGrants(account.grants ?? NO_GRANTS)}\n`);
    return 0;
  });
}

async function serviceList(context: Context): Promise<number> {
  return withRegistry(context, async (registry) => {
    const accounts = registry.listServices();
    if (context.values.json) {
      context.io.stdout.write(`${JSON.stringify(accounts, null, 2)}\n`);
      return 0;
    }
    if (accounts.length === 0) {
      context.io.stdout.write('no service accounts\n');
      return 0;
    }
    context.io.stdout.write(
      formatTable(
        ['USERNAME', 'ROLE', 'CREATED', 'GRANTS'],
        accounts.map((account) => [
          account.username,
          account.role,
          account.createdAt,
          account.grants ? describeGrants(account.grants) : '',
        ]),
      ),
    );
    return 0;
  });
}

/** `--command-devices a,b` and the like, as lists (blanks dropped). */
function grantChange(values: Values): GrantChange {
  const list = (value: string | undefined) =>
    value === undefined
      ? undefined
      : value
          .split(',')
          .map((item) => item.trim())
          .filter((item) => item !== '');
  const change: GrantChange = {};
  const commandDevices = list(values['command-devices']);
  const commandKinds = list(values['command-kinds']);
  const ingestDevices = list(values['ingest-devices']);
  if (commandDevices) change.commandDevices = commandDevices;
  if (commandKinds) change.commandKinds = commandKinds;
  if (ingestDevices) change.ingestDevices = ingestDevices;
  return change;
}

/** Who runs the CLI, for the audit log: the local system user. */
function actor({ io }: Context): Actor {
  return { username: `cli:${io.env.USER ?? io.env.LOGNAME ?? 'unknown'}`, role: 'cli', address: 'local' };
}

// --- rules ----------------------------------------------------------------------------------------

function readText(io: CliIo, file: string): string {
  try {
    return readFileSync(resolve(io.cwd, file), 'utf8');
  } catch (error) {
    throw new UserError([`${PROGRAM}: cannot read ${file} (${describeFsError(error)})`]);
  }
}

/** A valid rule file, or a refusal listing every error as `file:line:column: path: message`. */
function checkRuleFile(io: CliIo, file: string): Extract<RuleCheck, { ok: true }> {
  const checked = checkRuleText(readText(io, file), file);
  if (checked.ok) return checked;
  throw new UserError([`${PROGRAM}: ${checked.summary}`, ...checked.errors]);
}

async function rulesCheck({ io, args }: Context): Promise<number> {
  io.stdout.write(checkRuleFile(io, args[0] as string).report);
  return 0;
}

async function rulesTest({ io, values, args }: Context): Promise<number> {
  let until: number | undefined;
  if (values.until !== undefined) {
    if (!Timestamp.safeParse(values.until).success) {
      throw new UsageError(`--until is an ISO-8601 UTC time like 2026-11-25T14:52:18.646Z, not "${values.until}"`);
    }
    until = Date.parse(values.until);
  }
  const timeZone = values['time-zone'];
  if (timeZone !== undefined) {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone });
    } catch {
      throw new UsageError(`--time-zone is an IANA time zone like Asia/Shanghai, not "${timeZone}"`);
    }
  }
  const ruleFile = checkRuleFile(io, args[0] as string).file;
  const eventsFile = values.events as string;
  const lines = readText(io, eventsFile).split(/\r?\n/);
  const result = replayEvents(ruleFile, lines, {
    ...(until !== undefined ? { until } : {}),
    ...(timeZone !== undefined ? { timeZone } : {}),
  });
  for (const problem of result.problems) io.stderr.write(`${eventsFile}:${problem.line}: ${problem.message}\n`);
  io.stdout.write(formatReplay(result));
  if (result.problems.length === 0) return 0;
  const count = result.problems.length;
  io.stderr.write(`${PROGRAM}: ${count} ${count === 1 ? 'line' : 'lines'} of ${eventsFile} not replayed (above)\n`);
  return 1;
}

async function rulesTemplate({ io, values }: Context): Promise<number> {
  const text = builtinRuleFile();
  if (values.out === undefined) {
    io.stdout.write(text);
    return 0;
  }
  try {
    writeFileSync(resolve(io.cwd, values.out), text, { flag: 'wx' });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UserError([
      code === 'EEXIST'
        ? `${PROGRAM}: ${values.out} already exists; a rule file is never written over: choose another --out`
        : `${PROGRAM}: cannot create ${values.out} (${describeFsError(error)})`,
    ]);
  }
  io.stdout.write(`wrote ${builtinRules().length} built-in rules to ${values.out}\n`);
  return 0;
}
