import type { ServerResponse } from 'node:http';
import { DEVICE_KINDS, type DeviceKind, type Names, profileOf, REGISTRY_CSV_COLUMNS } from '@gridlink/protocol';
import type { CommandOutcome } from '../devices/device-command.js';
import type { DeviceRecord } from '../devices/directory.js';
import { TAG_SEPARATOR } from '../registry/csv-import.js';
import {
  type CsvIssue,
  csvLine,
  type DeviceRegistry,
  type DeviceSpec,
  decodeCsv,
  type IssuedDevice,
  previewDevicesCsv,
  RegistryError,
} from '../registry/index.js';
import { type CommandForm, commandForms } from './command-forms.js';
import type { DeviceActivity } from './device-history.js';
import type { ConsoleDevice } from './devices-routes.js';
import { BadRequest, ConsoleProblem, type ConsoleRoute, json, readBody, readJson } from './http-kit.js';

/** An import file may hold a few thousand rows: far more than a form's 16 KiB. */
export const IMPORT_BODY_BYTES = 1024 * 1024;

/** Where devices reach the broker, for the labels' QR codes (the host is the one the console was reached at when unset). */
export interface BrokerAddress {
  host?: string;
  port?: number;
  tls: boolean;
}

/** What the add form, the import and the labels need to know of this gateway. */
export interface DeviceSetup {
  kinds: Array<{ kind: DeviceKind; name: Names; commands: number }>;
  columns: readonly string[];
  tagSeparator: string;
  community: string;
  broker: { host: string; port: number; tls: boolean } | null;
}

/** A device's page: its registry row, what the gateway heard of it lately, and the commands it takes. */
export interface DevicePageData {
  device: ConsoleDevice;
  activity: DeviceActivity;
  commands: CommandForm[];
  /** The device this one took the place of, if any. */
  replaces?: string;
}

/** A field the server refused, named as the form names it. */
export interface FieldIssue {
  field: string;
  message: string;
}

/** The answer to an import: what it would do (preview) or did (apply). */
export interface ImportPreview {
  encoding: 'utf-8' | 'gb18030';
  rows: number;
  badRows: number;
  issues: CsvIssue[];
  devices: DeviceSpec[];
}

export interface IssuedCredential {
  device: ConsoleDevice;
  password: string;
}

export interface DeviceAdminOptions {
  registry: DeviceRegistry;
  /** The gateway's own community, for devices placed without one. */
  community: string;
  broker: () => BrokerAddress;
  device: (record: ReturnType<DeviceRegistry['get']> & object) => ConsoleDevice;
  activity: (id: string) => DeviceActivity;
  sendCommand: (device: DeviceRecord | undefined, command: unknown) => Promise<CommandOutcome>;
}

const TEMPLATE_ROWS = [
  ['smoke-b3-u2-0401', 'smoke_detector', '', '', '3', '2', '4', '401', '厨房吊顶', 'elderly_alone'],
  ['door-b3-u2-0401', 'door_contact', '', '', '3', '2', '4', '401', '入户门', 'elderly_alone;door_watch'],
];

/** `field: message` lines of a registry refusal as fields the form can mark. */
function fieldIssues(issues: readonly string[]): FieldIssue[] {
  return issues.map((issue) => {
    const match = /^([a-z_]+): (.*)$/s.exec(issue);
    return match ? { field: match[1] ?? '', message: match[2] ?? '' } : { field: '', message: issue };
  });
}

function refuse(res: ServerResponse, code: string, detail: string, extra: Record<string, unknown>): void {
  json(res, 400, { type: `urn:gridlink:problem:${code}`, title: code, status: 400, code, detail, ...extra });
}

/** A form's text fields as the registry takes them: blanks dropped, a numeric floor as a number. */
function specFrom(
  body: Record<string, unknown>,
  fields: readonly string[],
  community: string,
): Record<string, unknown> {
  const spec: Record<string, unknown> = {};
  for (const name of fields) {
    let value = body[name];
    if (typeof value === 'string') value = value.trim();
    if (value === undefined || value === '' || value === null) continue;
    if (name === 'floor' && typeof value === 'string' && /^[+-]?\d+$/.test(value)) value = Number(value);
    spec[name] = value;
  }
  const placed = ['grid', 'building', 'unit', 'floor', 'room'].some((name) => spec[name] !== undefined);
  if (placed && spec.community === undefined) spec.community = community;
  return spec;
}

/**
 * An installer's registry work in the console: add one device, import a spreadsheet (previewed
 * with every error before anything is written, then applied in one transaction), replace one
 * device by another, send a command the profile allows, and a device's own page. Passwords are in
 * the answers that issue them only; the audit log says what was done, never the secret.
 */
export function deviceAdminRoutes(options: DeviceAdminOptions): ConsoleRoute[] {
  const { registry } = options;
  const issued = (list: IssuedDevice[]): IssuedCredential[] =>
    list.map(({ device, password }) => ({ device: options.device(device), password }));

  const preview = async (req: Parameters<ConsoleRoute['handle']>[0]['req']): Promise<ImportPreview> => {
    const { text, encoding } = decodeCsv(await readBody(req, IMPORT_BODY_BYTES));
    return { encoding, ...previewDevicesCsv(registry, text, { defaultCommunity: options.community }) };
  };

  return [
    {
      method: 'GET',
      pattern: /^\/api\/console\/device-setup$/,
      change: false,
      handle: ({ req, res }) => {
        const address = options.broker();
        const host = address.host ?? new URL(`http://${req.headers.host ?? 'localhost'}`).hostname;
        const setup: DeviceSetup = {
          kinds: DEVICE_KINDS.map((kind) => {
            const profile = profileOf(kind);
            return { kind, name: profile.name, commands: Object.keys(profile.commands).length };
          }),
          columns: REGISTRY_CSV_COLUMNS,
          tagSeparator: TAG_SEPARATOR,
          community: options.community,
          broker: address.port === undefined ? null : { host, port: address.port, tls: address.tls },
        };
        json(res, 200, setup);
      },
    },
    {
      method: 'GET',
      pattern: /^\/api\/console\/device-import\/template\.csv$/,
      change: false,
      handle: ({ res }) => {
        // A byte-order mark: Excel opens the file as UTF-8 (the Chinese notes stay readable).
        const csv = `\uFEFF${csvLine([...REGISTRY_CSV_COLUMNS])}${TEMPLATE_ROWS.map((row) => csvLine(row)).join('')}`;
        res
          .writeHead(200, {
            'content-type': 'text/csv; charset=utf-8',
            'content-disposition': 'attachment; filename="gridlink-devices.csv"',
            'cache-control': 'no-store',
          })
          .end(csv);
      },
    },
    {
      method: 'POST',
      pattern: /^\/api\/console\/device-import\/preview$/,
      change: true,
      handle: async ({ req, res }) => json(res, 200, await preview(req)),
    },
    {
      method: 'POST',
      pattern: /^\/api\/console\/device-import\/apply$/,
      change: true,
      handle: async ({ req, res, audit }) => {
        // The file is checked again here: what was previewed may have changed (another import, the CLI).
        const checked = await preview(req);
        if (checked.issues.length > 0) {
          return refuse(
            res,
            'GL_IMPORT_INVALID',
            `${checked.issues.length} problems in the file; nothing was imported`,
            {
              ...checked,
            },
          );
        }
        const added = await registry.addDevices(checked.devices);
        const ids = added.map(({ device }) => device.id);
        audit(
          'device.import',
          undefined,
          `${ids.length}: ${ids.slice(0, 20).join(', ')}${ids.length > 20 ? ', …' : ''}`,
        );
        json(res, 200, { encoding: checked.encoding, issued: issued(added) });
      },
    },
    {
      method: 'POST',
      pattern: /^\/api\/console\/devices$/,
      change: true,
      handle: async ({ req, res, audit }) => {
        const body = await readJson(req);
        const spec = specFrom(body, REGISTRY_CSV_COLUMNS, options.community);
        if (typeof body.tags === 'string')
          spec.tags = body.tags
            .split(TAG_SEPARATOR)
            .map((tag) => tag.trim())
            .filter(Boolean);
        try {
          const added = await registry.addDevice(spec as DeviceSpec);
          audit('device.add', added.device.id, added.device.kind);
          json(res, 200, { issued: issued([added]) });
        } catch (err) {
          if (!(err instanceof RegistryError) || err.code === 'not_found') throw err;
          const issues = err.issues.length > 0 ? fieldIssues(err.issues) : [{ field: 'id', message: err.summary }];
          refuse(res, 'GL_INVALID_DEVICE', err.message, { issues });
        }
      },
    },
    {
      method: 'GET',
      pattern: /^\/api\/console\/devices\/([^/]+)$/,
      change: false,
      handle: ({ res, params }) => {
        const id = params[0] ?? '';
        const record = registry.get(id);
        if (!record) throw new ConsoleProblem(404, 'GL_NOT_FOUND', `no device ${id} in the registry`);
        const replaces = registry.list().find((other) => other.replacedBy === id)?.id;
        const page: DevicePageData = {
          device: options.device(record),
          activity: options.activity(id),
          commands: record.status === 'active' ? commandForms(record.kind) : [],
          ...(replaces ? { replaces } : {}),
        };
        json(res, 200, page);
      },
    },
    {
      method: 'POST',
      pattern: /^\/api\/console\/devices\/([^/]+)\/replace$/,
      change: true,
      handle: async ({ req, res, params, audit }) => {
        const oldId = params[0] ?? '';
        const body = await readJson(req);
        const spec = specFrom(body, REGISTRY_CSV_COLUMNS, options.community);
        if (typeof spec.id !== 'string')
          throw new BadRequest('id: the new device’s id is required, like smoke-b3-u2-0401-2');
        const reason = typeof body.reason === 'string' && body.reason.trim() ? body.reason.slice(0, 200) : undefined;
        try {
          const swapped = await registry.replace(oldId, spec as DeviceSpec, reason);
          audit('device.replace', oldId, `by ${swapped.device.id}${reason ? `: ${reason}` : ''}`);
          json(res, 200, { issued: issued([swapped]), retired: options.device(swapped.retired) });
        } catch (err) {
          if (!(err instanceof RegistryError) || err.code === 'not_found' || err.code === 'retired') throw err;
          const issues = err.issues.length > 0 ? fieldIssues(err.issues) : [{ field: 'id', message: err.summary }];
          refuse(res, 'GL_INVALID_DEVICE', err.message, { issues });
        }
      },
    },
    {
      method: 'POST',
      pattern: /^\/api\/console\/devices\/([^/]+)\/command$/,
      change: true,
      handle: async ({ req, res, params, audit }) => {
        const id = params[0] ?? '';
        const body = await readJson(req);
        const command = body.command;
        if (typeof command !== 'object' || command === null || Array.isArray(command)) {
          throw new BadRequest(
            'command: send {"command": {"door": "release", …}}, a payload the device’s profile allows',
          );
        }
        const record = registry.device(id);
        if (!record) throw new ConsoleProblem(404, 'GL_NOT_FOUND', `no device ${id} in the registry`);
        const outcome = await options.sendCommand(record, command);
        if (!outcome.ok)
          return refuse(res, 'GL_COMMAND_REFUSED', outcome.error, {
            issues: [{ field: 'command', message: outcome.error }],
          });
        audit('device.command', id, JSON.stringify(command).slice(0, 200));
        json(res, 200, { topic: outcome.topic });
      },
    },
  ];
}
