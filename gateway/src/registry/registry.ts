import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { CommunityCode, type ConfigSchema, DeviceKind, formatIssues, type Place } from '@gridlink/protocol';
import Database from 'better-sqlite3';
import { z } from 'zod';
import { generateSecret, hashPassword } from '../credentials/password.js';
import type { DeviceRecord, Directory, IntegratorGrants, ServiceAccount, ServiceRole } from '../devices/directory.js';
import { describeGrants } from '../integrator/grants.js';
import { latestVersion, migrate } from '../storage/migrate.js';
import { checkDeviceInput, checkTags, type DeviceInput, type DeviceInputField, Tag } from './device-input.js';
import { REGISTRY_APPLICATION_ID, REGISTRY_MIGRATIONS } from './migrations.js';

/**
 * Who may connect to this gateway: devices (one provisioning id each, forever) and service
 * accounts, on SQLite. The broker calls `device()` / `service()` on every CONNECT: synchronous,
 * prepared, and they see changes made by another process (the CLI) at once.
 *
 * Passwords are generated here, returned exactly once, and stored only as scrypt hashes. A retired
 * device keeps its row (its id is never reused) and loses its credentials.
 */

export type DeviceStatus = DeviceRecord['status'];
export const DEVICE_STATUSES: readonly DeviceStatus[] = ['active', 'retired'];
export const SERVICE_ROLES: readonly ServiceRole[] = ['observer', 'installer', 'integrator'];

/** A device as tools show it: everything but the password hash. */
export interface RegisteredDevice {
  id: string;
  kind: DeviceKind;
  status: DeviceStatus;
  place?: Place;
  notes?: string;
  /** Installer tags rules select on; distinct and sorted, empty when none. */
  tags: string[];
  createdAt: string;
  retiredAt?: string;
  retiredReason?: string;
  /** The device that took this one's place (`replace`). */
  replacedBy?: string;
}

/** A new credential: the password is in memory only, now; the registry keeps just its hash. */
export interface IssuedDevice {
  device: RegisteredDevice;
  password: string;
}

/**
 * One entry of the gateway's audit log: who did what to which device, from where, when. The
 * console's installers, integrators' commands over MQTT, and the CLI (`cli`: a local operator,
 * by their system user name) write to it.
 */
export interface AuditEntry {
  at: string;
  username: string;
  role: ServiceRole | 'cli';
  address: string;
  action: string;
  target?: string;
  detail?: string;
}

/** A commissioning check as it was signed off: who, when, whether every check passed, and the report. */
export interface CommissioningRecord {
  id: number;
  at: string;
  username: string;
  passed: boolean;
  report: unknown;
}

export interface RegisteredService {
  username: string;
  role: ServiceRole;
  createdAt: string;
  /** An integrator's grants (none: read-only); absent for other roles. */
  grants?: IntegratorGrants;
}

/** Grants to add or take away, each list optional; the CLI's `--command-devices` and so on. */
export interface GrantChange {
  commandDevices?: readonly string[];
  commandKinds?: readonly string[];
  ingestDevices?: readonly string[];
}

/** Who changed an account, for the audit log. */
export interface Actor {
  username: string;
  role: AuditEntry['role'];
  address: string;
}

type GrantType = 'command_device' | 'command_kind' | 'ingest_device';
const GRANT_FIELDS: ReadonlyArray<{ key: keyof GrantChange; type: GrantType; field: string }> = [
  { key: 'commandDevices', type: 'command_device', field: 'command-devices' },
  { key: 'commandKinds', type: 'command_kind', field: 'command-kinds' },
  { key: 'ingestDevices', type: 'ingest_device', field: 'ingest-devices' },
];

export interface IssuedService {
  account: RegisteredService;
  password: string;
}

/** Input for a new device, before validation (the CLI and CSV hand strings; `floor` may be text). */
export type DeviceSpec = { id: string; kind: string } & Partial<
  Record<Exclude<DeviceInputField, 'id' | 'kind'>, unknown>
>;

/** For `replace`: the new id, and whatever differs from the old device (the rest is inherited). */
export type ReplacementSpec = { id: string } & Partial<Record<Exclude<DeviceInputField, 'id'>, unknown>>;

export interface DeviceFilter {
  status?: string;
  kind?: string;
  community?: string;
  /** Only devices carrying this tag. */
  tag?: string;
}

export type RegistryErrorCode = 'invalid' | 'exists' | 'not_found' | 'retired' | 'name_taken' | 'not_a_registry';

/** A refusal the user can act on: the message says what and why; `issues` are `field: message` lines. */
export class RegistryError extends Error {
  override readonly name = 'RegistryError';

  constructor(
    readonly code: RegistryErrorCode,
    readonly summary: string,
    readonly issues: readonly string[] = [],
  ) {
    super(issues.length > 0 ? `${summary}: ${issues.join('; ')}` : summary);
  }
}

export interface RegistryOptions {
  /** Clock for created/retired timestamps (tests). */
  now?: () => Date;
}

/** Where the registry lives inside a gateway's `data_dir`. */
export function registryPathIn(dataDir: string): string {
  return join(dataDir, 'registry.db');
}

/** The hash stored for a retired device: not a valid scrypt string, so no password ever matches it. */
const RETIRED_HASH = '!retired';

const USERNAME = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9_.-]{0,62}$/,
    'a username is 1-63 of a-z, 0-9, "_", "." and "-", starting with a letter or digit',
  );

const ServiceInput = z.strictObject({
  username: USERNAME,
  role: z.enum(SERVICE_ROLES as [ServiceRole, ...ServiceRole[]]),
});

const Filter = z.strictObject({
  status: z.enum(DEVICE_STATUSES as [DeviceStatus, ...DeviceStatus[]]).optional(),
  kind: DeviceKind.optional(),
  community: CommunityCode.optional(),
  tag: Tag.optional(),
});

interface DeviceRow {
  id: string;
  kind: string;
  status: DeviceStatus;
  password_hash: string;
  community: string | null;
  grid: string | null;
  building: string | null;
  unit: string | null;
  floor: number | null;
  room: string | null;
  notes: string | null;
  /** JSON array of distinct, sorted tags (migration 2). */
  tags: string;
  created_at: string;
  retired_at: string | null;
  retired_reason: string | null;
  replaced_by: string | null;
}

interface ServiceRow {
  username: string;
  role: ServiceRole;
  password_hash: string;
  created_at: string;
}

const DEVICE_COLUMNS =
  'id, kind, status, password_hash, community, grid, building, unit, floor, room, notes, tags, created_at, retired_at, retired_reason, replaced_by';

function check<T>(schema: z.ZodType<T>, value: unknown, summary: string): T {
  const result = schema.safeParse(value, { reportInput: true });
  if (result.success) return result.data;
  throw new RegistryError(
    'invalid',
    summary,
    formatIssues(result.error.issues, { schema: schema as unknown as ConfigSchema }),
  );
}

/** Drops empty strings and undefined, so optional CLI flags and blank CSV cells mean "not given". */
function compact<T extends object>(spec: T): Partial<T> {
  return Object.fromEntries(Object.entries(spec).filter(([, v]) => v !== undefined && v !== '')) as Partial<T>;
}

export class DeviceRegistry implements Directory {
  private readonly statements;
  private closed = false;

  private constructor(
    private readonly db: Database.Database,
    /** The database file. */
    readonly path: string,
    private readonly now: () => Date,
  ) {
    this.statements = {
      device: db.prepare<[string], DeviceRow>(`SELECT ${DEVICE_COLUMNS} FROM devices WHERE id = ?`),
      service: db.prepare<[string], ServiceRow>(
        'SELECT username, role, password_hash, created_at FROM service_accounts WHERE username = ?',
      ),
      services: db.prepare<[], ServiceRow>(
        'SELECT username, role, password_hash, created_at FROM service_accounts ORDER BY username',
      ),
      insertDevice: db.prepare<[DeviceRow], Database.RunResult>(
        `INSERT INTO devices (${DEVICE_COLUMNS}) VALUES (@id, @kind, @status, @password_hash, @community, @grid,
           @building, @unit, @floor, @room, @notes, @tags, @created_at, @retired_at, @retired_reason, @replaced_by)`,
      ),
      retire: db.prepare<[{ id: string; at: string; reason: string | null; replacedBy: string | null }]>(
        `UPDATE devices SET status = 'retired', retired_at = @at, retired_reason = @reason, replaced_by = @replacedBy,
           password_hash = '${RETIRED_HASH}' WHERE id = @id AND status = 'active'`,
      ),
      setHash: db.prepare<[string, string]>(`UPDATE devices SET password_hash = ? WHERE id = ? AND status = 'active'`),
      setTags: db.prepare<[string, string]>(`UPDATE devices SET tags = ? WHERE id = ? AND status = 'active'`),
      grants: db.prepare<[string], { grant_type: GrantType; target: string }>(
        'SELECT grant_type, target FROM service_grants WHERE username = ? ORDER BY grant_type, target',
      ),
      insertGrant: db.prepare<[string, GrantType, string, string]>(
        'INSERT OR IGNORE INTO service_grants (username, grant_type, target, granted_at) VALUES (?, ?, ?, ?)',
      ),
      deleteGrant: db.prepare<[string, GrantType, string]>(
        'DELETE FROM service_grants WHERE username = ? AND grant_type = ? AND target = ?',
      ),
      insertService: db.prepare<[ServiceRow]>(
        'INSERT INTO service_accounts (username, role, password_hash, created_at) VALUES (@username, @role, @password_hash, @created_at)',
      ),
    };
  }

  /**
   * Opens (creating if needed) the registry at `path`: WAL, `synchronous=NORMAL`, foreign keys on,
   * migrated to the latest schema. A new file is created with mode 0600 (it holds password hashes).
   */
  static open(path: string, options: RegistryOptions = {}): DeviceRegistry {
    const now = options.now ?? (() => new Date());
    const inMemory = path === ':memory:';
    if (!inMemory) {
      mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
      closeSync(openSync(path, 'a', 0o600));
    }
    let db: Database.Database;
    try {
      db = new Database(path);
    } catch (err) {
      throw new RegistryError('not_a_registry', `cannot open the device registry ${path}: ${(err as Error).message}`);
    }
    try {
      db.pragma('busy_timeout = 5000');
      claimFile(db, path);
      if (!inMemory) db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      db.pragma('foreign_keys = ON');
      migrate(db, path, REGISTRY_MIGRATIONS, now);
    } catch (err) {
      db.close();
      if (err instanceof RegistryError) throw err;
      const message = (err as Error).message;
      if (/not a database/i.test(message)) {
        throw new RegistryError('not_a_registry', `${path} is not an SQLite database, so not a device registry`);
      }
      throw err;
    }
    return new DeviceRegistry(db, path, now);
  }

  /** The schema version this code migrates to (for health output). */
  static readonly schemaVersion = latestVersion(REGISTRY_MIGRATIONS);

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.db.close();
  }

  // --- Directory: called by the broker on every CONNECT -----------------------------------------

  device(id: string): DeviceRecord | undefined {
    const row = this.statements.device.get(id);
    if (!row) return undefined;
    const place = placeOf(row);
    const tags = tagsOf(row);
    return {
      id: row.id,
      kind: row.kind as DeviceKind,
      status: row.status,
      passwordHash: row.password_hash,
      ...(place ? { place } : {}),
      ...(row.notes !== null ? { notes: row.notes } : {}),
      ...(tags.length > 0 ? { tags } : {}),
    };
  }

  activeDevices(): DeviceRecord[] {
    return this.list({ status: 'active' }).flatMap((device) => this.device(device.id) ?? []);
  }

  allDevices(): DeviceRecord[] {
    return this.list().flatMap((device) => this.device(device.id) ?? []);
  }

  service(username: string): ServiceAccount | undefined {
    const row = this.statements.service.get(username);
    if (!row) return undefined;
    const account: ServiceAccount = { username: row.username, role: row.role, passwordHash: row.password_hash };
    return row.role === 'integrator' ? { ...account, grants: this.grantsOf(row.username) } : account;
  }

  // --- Devices ----------------------------------------------------------------------------------

  /** One device without its hash, or undefined. */
  get(id: string): RegisteredDevice | undefined {
    const row = this.statements.device.get(id);
    return row ? toRegistered(row) : undefined;
  }

  /** Devices ordered by id, optionally only one status, kind, community and/or tag. */
  list(filter: DeviceFilter = {}): RegisteredDevice[] {
    const wanted = check(Filter, compact(filter), 'invalid device filter');
    const where: string[] = [];
    const params: Record<string, string> = {};
    for (const key of ['status', 'kind', 'community'] as const) {
      const value = wanted[key];
      if (value === undefined) continue;
      where.push(`${key} = @${key}`);
      params[key] = value;
    }
    if (wanted.tag !== undefined) {
      where.push('EXISTS (SELECT 1 FROM json_each(devices.tags) WHERE value = @tag)');
      params.tag = wanted.tag;
    }
    const sql = `SELECT ${DEVICE_COLUMNS} FROM devices${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY id`;
    return this.db.prepare<[Record<string, string>], DeviceRow>(sql).all(params).map(toRegistered);
  }

  /**
   * Registers a device and returns its generated password, the only time it is ever visible.
   * Refuses invalid input (every field named), an id already used (also by a retired device) and
   * an id that is a service account's username.
   */
  async addDevice(spec: DeviceSpec): Promise<IssuedDevice> {
    const [issued] = await this.addDevices([spec]);
    if (!issued) throw new Error('unreachable: one device in, one out');
    return issued;
  }

  /** All or nothing: validates every spec, then inserts them in one transaction. */
  async addDevices(specs: readonly DeviceSpec[]): Promise<IssuedDevice[]> {
    this.assertOpen();
    const inputs = specs.map((spec) => this.validated(spec));
    const ids = new Set<string>();
    for (const input of inputs) {
      if (ids.has(input.id)) throw new RegistryError('exists', `device ${input.id} is given twice`);
      ids.add(input.id);
      this.assertIdFree(input.id);
    }
    // Two at a time: scrypt runs on libuv's small thread pool, which the broker's CONNECT checks share.
    const secrets = await mapLimit(inputs, 2, () => this.newSecret());
    const createdAt = this.now().toISOString();
    const rows = inputs.map((input, i) => newRow(input, secrets[i]?.hash ?? '', createdAt));
    this.db
      .transaction(() => {
        for (const row of rows) {
          this.assertIdFree(row.id); // again, inside the write lock: another process may have been quicker
          this.statements.insertDevice.run(row);
        }
      })
      .immediate();
    return rows.map((row, i) => ({ device: toRegistered(row), password: secrets[i]?.password ?? '' }));
  }

  /** Retires a device for good: it can never connect again and its id is never reused. */
  retire(id: string, reason?: string): RegisteredDevice {
    this.assertOpen();
    this.db
      .transaction(() => {
        this.activeRow(id);
        this.statements.retire.run({ id, at: this.now().toISOString(), reason: reason || null, replacedBy: null });
      })
      .immediate();
    return this.mustGet(id);
  }

  /**
   * Swaps a device for a new one in one transaction: the old one is retired with `replacedBy`, the
   * new one added. Kind, place and tags not given are taken from the old device (the household
   * a tag describes does not change with the hardware).
   */
  async replace(
    oldId: string,
    spec: ReplacementSpec,
    reason?: string,
  ): Promise<IssuedDevice & { retired: RegisteredDevice }> {
    this.assertOpen();
    const old = this.activeRow(oldId);
    const inherited = compact({
      kind: old.kind,
      community: old.community ?? undefined,
      grid: old.grid ?? undefined,
      building: old.building ?? undefined,
      unit: old.unit ?? undefined,
      floor: old.floor ?? undefined,
      room: old.room ?? undefined,
      tags: tagsOf(old),
    });
    const input = this.validated({ ...inherited, ...compact(spec) } as DeviceSpec);
    if (input.id === oldId) {
      throw new RegistryError('exists', `the replacement needs a new id, not ${oldId}`);
    }
    this.assertIdFree(input.id);
    const secret = await this.newSecret();
    const at = this.now().toISOString();
    const row = newRow(input, secret.hash, at);
    this.db
      .transaction(() => {
        this.activeRow(oldId);
        this.assertIdFree(row.id);
        this.statements.insertDevice.run(row);
        this.statements.retire.run({ id: oldId, at, reason: reason || `replaced by ${row.id}`, replacedBy: row.id });
      })
      .immediate();
    return { device: toRegistered(row), password: secret.password, retired: this.mustGet(oldId) };
  }

  /** A new password for an active device; the old one stops working at once. */
  async rotatePassword(id: string): Promise<IssuedDevice> {
    this.assertOpen();
    this.activeRow(id);
    const secret = await this.newSecret();
    this.db
      .transaction(() => {
        this.activeRow(id);
        this.statements.setHash.run(secret.hash, id);
      })
      .immediate();
    return { device: this.mustGet(id), password: secret.password };
  }

  /** Adds tags to an active device (those it already has stay); returns the device as it now is. */
  addTags(id: string, tags: readonly string[]): RegisteredDevice {
    const wanted = this.tagList(id, tags);
    return this.updateTags(id, (current) => [...current, ...wanted]);
  }

  /** Removes tags from an active device; refuses a tag it does not have (a typo would do nothing). */
  removeTags(id: string, tags: readonly string[]): RegisteredDevice {
    const unwanted = new Set(this.tagList(id, tags));
    return this.updateTags(id, (current) => {
      const missing = [...unwanted].filter((tag) => !current.includes(tag));
      if (missing.length > 0) {
        throw new RegistryError(
          'invalid',
          `device ${id} has no tag ${missing.join(', ')}; its tags are ${current.length > 0 ? current.join(', ') : '(none)'}`,
        );
      }
      return current.filter((tag) => !unwanted.has(tag));
    });
  }

  /** Replaces an active device's tags (none: no tags). */
  setTags(id: string, tags: readonly string[]): RegisteredDevice {
    const wanted = tags.length > 0 ? this.tagList(id, tags) : [];
    return this.updateTags(id, () => wanted);
  }

  // --- Service accounts -------------------------------------------------------------------------

  /**
   * A scoped account for software (Node-RED, an installer's tool); its password is shown once. An
   * integrator may be given grants at once (checked like `grant`); other roles take none.
   */
  async addService(username: string, role: string, grants: GrantChange = {}, actor?: Actor): Promise<IssuedService> {
    this.assertOpen();
    const input = check(ServiceInput, { username, role }, 'invalid service account');
    const wanted = this.checkedGrants(grants);
    if (input.role !== 'integrator' && wanted.length > 0) {
      throw new RegistryError(
        'invalid',
        `only an integrator takes grants; ${input.username} would be ${input.role}: use --role integrator, or drop the grants`,
      );
    }
    const taken = () => {
      if (this.statements.service.get(input.username)) {
        throw new RegistryError('exists', `service account ${input.username} already exists`);
      }
      if (this.statements.device.get(input.username)) {
        throw new RegistryError('name_taken', `${input.username} is a device id; a service account needs another name`);
      }
    };
    taken();
    const secret = await this.newSecret();
    const row: ServiceRow = {
      username: input.username,
      role: input.role,
      password_hash: secret.hash,
      created_at: this.now().toISOString(),
    };
    this.db
      .transaction(() => {
        taken();
        this.statements.insertService.run(row);
        if (input.role !== 'integrator') return;
        this.checkedGrants(grants); // again, inside the write lock: a device may have been retired since
        for (const grant of wanted)
          this.statements.insertGrant.run(row.username, grant.type, grant.target, row.created_at);
        this.auditChange(
          actor,
          'service.add',
          row.username,
          `integrator; ${describeGrants(this.grantsOf(row.username))}`,
        );
      })
      .immediate();
    return { account: this.registeredService(row), password: secret.password };
  }

  listServices(): RegisteredService[] {
    this.assertOpen();
    return this.statements.services.all().map((row) => this.registeredService(row));
  }

  /** An integrator's grants now. */
  grantsOf(username: string): IntegratorGrants {
    const grants = { commandDevices: [] as string[], commandKinds: [] as DeviceKind[], ingestDevices: [] as string[] };
    for (const row of this.statements.grants.all(username)) {
      if (row.grant_type === 'command_device') grants.commandDevices.push(row.target);
      else if (row.grant_type === 'command_kind') grants.commandKinds.push(row.target as DeviceKind);
      else grants.ingestDevices.push(row.target);
    }
    return grants;
  }

  /**
   * Adds grants to an integrator (those it has stay): each device must be registered and active,
   * each kind a known one. Applies at once, also to its open connections; audited.
   */
  grant(username: string, change: GrantChange, actor?: Actor): RegisteredService {
    return this.changeGrants(username, change, 'grant', actor);
  }

  /** Takes grants away from an integrator; refuses one it does not have (a typo would do nothing). Audited. */
  revoke(username: string, change: GrantChange, actor?: Actor): RegisteredService {
    return this.changeGrants(username, change, 'revoke', actor);
  }

  private changeGrants(
    username: string,
    change: GrantChange,
    how: 'grant' | 'revoke',
    actor: Actor | undefined,
  ): RegisteredService {
    this.assertOpen();
    const wanted = how === 'grant' ? this.checkedGrants(change) : grantList(change);
    if (wanted.length === 0) {
      throw new RegistryError(
        'invalid',
        `nothing to ${how}: give --command-devices, --command-kinds and/or --ingest-devices`,
      );
    }
    const at = this.now().toISOString();
    this.db
      .transaction(() => {
        const row = this.integratorRow(username);
        if (how === 'grant') {
          this.checkedGrants(change);
          for (const grant of wanted) this.statements.insertGrant.run(row.username, grant.type, grant.target, at);
        } else {
          const missing = wanted.filter(
            (grant) => this.statements.deleteGrant.run(row.username, grant.type, grant.target).changes === 0,
          );
          if (missing.length > 0) {
            throw new RegistryError(
              'invalid',
              `${username} does not hold ${missing.map((grant) => `${fieldOf(grant.type)} ${grant.target}`).join(', ')}`,
              [`it holds ${describeGrants(this.grantsOf(username))}`],
            );
          }
        }
        const listed = (type: GrantType) =>
          wanted
            .filter((grant) => grant.type === type)
            .map((grant) => grant.target)
            .join(',');
        const what = GRANT_FIELDS.filter(({ type }) => listed(type))
          .map(({ type, field }) => `${field} ${listed(type)}`)
          .join('; ');
        this.auditChange(actor, `service.${how}`, username, `${what} → ${describeGrants(this.grantsOf(username))}`);
      })
      .immediate();
    const row = this.statements.service.get(username);
    if (!row) throw new RegistryError('not_found', `no service account ${username}`);
    return this.registeredService(row);
  }

  /** Every grant of `change`, each device registered and active and each kind known; issues name the field. */
  private checkedGrants(change: GrantChange): Array<{ type: GrantType; target: string }> {
    const issues: string[] = [];
    for (const { key, type, field } of GRANT_FIELDS) {
      for (const target of change[key] ?? []) {
        if (type === 'command_kind') {
          if (!DeviceKind.safeParse(target).success)
            issues.push(
              `${field}: ${JSON.stringify(target)} is not a device kind; the kinds are ${DeviceKind.options.join(', ')}`,
            );
          continue;
        }
        const device = this.statements.device.get(target);
        if (!device)
          issues.push(
            `${field}: no device ${target} in the registry; register it first (device add), or check the id (device list)`,
          );
        else if (device.status !== 'active')
          issues.push(
            `${field}: device ${target} is retired; grant its successor${device.replaced_by ? ` ${device.replaced_by}` : ''} instead`,
          );
      }
    }
    if (issues.length > 0) throw new RegistryError('invalid', 'invalid grants', issues);
    return grantList(change);
  }

  private integratorRow(username: string): ServiceRow {
    const row = this.statements.service.get(username);
    if (!row)
      throw new RegistryError('not_found', `no service account ${username}; add it with service add --role integrator`);
    if (row.role !== 'integrator') {
      throw new RegistryError(
        'invalid',
        `${username} is an ${row.role} account: only an integrator takes grants; add an integrator account (service add --role integrator)`,
      );
    }
    return row;
  }

  private registeredService(row: ServiceRow): RegisteredService {
    return {
      username: row.username,
      role: row.role,
      createdAt: row.created_at,
      ...(row.role === 'integrator' ? { grants: this.grantsOf(row.username) } : {}),
    };
  }

  private auditChange(actor: Actor | undefined, action: string, target: string, detail: string): void {
    const who = actor ?? { username: 'unknown', role: 'cli', address: 'local' };
    this.audit({ ...who, action, target, detail });
  }

  // --- Console audit log ------------------------------------------------------------------------

  /** Records an action taken in the installer console (never the secrets it issued). */
  audit(entry: Omit<AuditEntry, 'at'>): AuditEntry {
    this.assertOpen();
    const at = this.now().toISOString();
    this.db
      .prepare(
        'INSERT INTO console_audit (at, username, role, address, action, target, detail) VALUES (?, ?, ?, ?, ?, ?, ?)',
      )
      .run(at, entry.username, entry.role, entry.address, entry.action, entry.target ?? null, entry.detail ?? null);
    return { at, ...entry };
  }

  /** The latest audit entries, newest first. */
  auditLog(limit = 100): AuditEntry[] {
    this.assertOpen();
    const rows = this.db
      .prepare<
        [number],
        {
          at: string;
          username: string;
          role: AuditEntry['role'];
          address: string;
          action: string;
          target: string | null;
          detail: string | null;
        }
      >('SELECT at, username, role, address, action, target, detail FROM console_audit ORDER BY id DESC LIMIT ?')
      .all(limit);
    return rows.map((row) => ({
      at: row.at,
      username: row.username,
      role: row.role,
      address: row.address,
      action: row.action,
      ...(row.target !== null ? { target: row.target } : {}),
      ...(row.detail !== null ? { detail: row.detail } : {}),
    }));
  }

  // --- Commissioning ----------------------------------------------------------------------------

  /** Notes that a device was heard (the first time only counts). */
  noteSeen(deviceId: string, at: string): void {
    this.assertOpen();
    this.db
      .prepare('INSERT OR IGNORE INTO device_first_seen (device_id, first_seen_at) VALUES (?, ?)')
      .run(deviceId, at);
  }

  /** When each device was first heard, by id. */
  firstSeen(): Map<string, string> {
    this.assertOpen();
    const rows = this.db
      .prepare<[], { device_id: string; first_seen_at: string }>(
        'SELECT device_id, first_seen_at FROM device_first_seen',
      )
      .all();
    return new Map(rows.map((row) => [row.device_id, row.first_seen_at]));
  }

  /** Keeps a commissioning check's result as it was signed off; returns its id. */
  recordCommissioning(entry: { username: string; passed: boolean; report: unknown }): CommissioningRecord {
    this.assertOpen();
    const at = this.now().toISOString();
    const { lastInsertRowid } = this.db
      .prepare('INSERT INTO commissioning_records (at, username, passed, report) VALUES (?, ?, ?, ?)')
      .run(at, entry.username, entry.passed ? 1 : 0, JSON.stringify(entry.report));
    return { id: Number(lastInsertRowid), at, username: entry.username, passed: entry.passed, report: entry.report };
  }

  /** The commissioning records, newest first (one when `id` is given). */
  commissioningRecords(options: { id?: number; limit?: number } = {}): CommissioningRecord[] {
    this.assertOpen();
    type Row = { id: number; at: string; username: string; passed: number; report: string };
    const rows =
      options.id === undefined
        ? this.db
            .prepare<[number], Row>(
              'SELECT id, at, username, passed, report FROM commissioning_records ORDER BY id DESC LIMIT ?',
            )
            .all(options.limit ?? 50)
        : this.db
            .prepare<[number], Row>('SELECT id, at, username, passed, report FROM commissioning_records WHERE id = ?')
            .all(options.id);
    return rows.map((row) => ({
      id: row.id,
      at: row.at,
      username: row.username,
      passed: row.passed === 1,
      report: JSON.parse(row.report) as unknown,
    }));
  }

  // --- internals --------------------------------------------------------------------------------

  /** Why `id` cannot be given to a new device, as a sentence; undefined if it can. */
  idConflict(id: string): string | undefined {
    const existing = this.statements.device.get(id);
    if (existing?.status === 'retired') {
      return `device ${id} was retired on ${existing.retired_at}; a retired id is never reused: choose a new id`;
    }
    if (existing) return `device ${id} already exists`;
    if (this.statements.service.get(id)) return `${id} is the username of a service account`;
    return undefined;
  }

  private assertIdFree(id: string): void {
    const conflict = this.idConflict(id);
    if (conflict) throw new RegistryError(this.statements.service.get(id) ? 'name_taken' : 'exists', conflict);
  }

  private validated(spec: DeviceSpec): DeviceInput {
    const checked = checkDeviceInput(compact(spec));
    if (!checked.ok)
      throw new RegistryError('invalid', `invalid device${spec.id ? ` ${String(spec.id)}` : ''}`, checked.issues);
    return checked.value;
  }

  private tagList(id: string, tags: readonly string[]): string[] {
    return checkedTags(id, tags, 'edit');
  }

  /** Read, change and write a device's tags under the write lock (another process may edit too). */
  private updateTags(id: string, change: (current: string[]) => string[]): RegisteredDevice {
    this.assertOpen();
    this.db
      .transaction(() => {
        const row = this.activeRow(id);
        const next = checkedTags(id, change(tagsOf(row)), 'set');
        this.statements.setTags.run(JSON.stringify(next), id);
      })
      .immediate();
    return this.mustGet(id);
  }

  private activeRow(id: string): DeviceRow {
    const row = this.statements.device.get(id);
    if (!row) throw new RegistryError('not_found', `no device ${id} in the registry`);
    if (row.status === 'retired') {
      throw new RegistryError(
        'retired',
        `device ${id} was retired on ${row.retired_at}${row.replaced_by ? ` (replaced by ${row.replaced_by})` : ''}`,
      );
    }
    return row;
  }

  private mustGet(id: string): RegisteredDevice {
    const device = this.get(id);
    if (!device) throw new RegistryError('not_found', `no device ${id} in the registry`);
    return device;
  }

  private async newSecret(): Promise<{ password: string; hash: string }> {
    const password = generateSecret();
    return { password, hash: await hashPassword(password) };
  }

  private assertOpen(): void {
    if (this.closed) throw new Error(`the device registry ${this.path} is closed`);
  }
}

function grantList(change: GrantChange): Array<{ type: GrantType; target: string }> {
  const seen = new Set<string>();
  const grants: Array<{ type: GrantType; target: string }> = [];
  for (const { key, type } of GRANT_FIELDS) {
    for (const target of change[key] ?? []) {
      if (seen.has(`${type}:${target}`)) continue;
      seen.add(`${type}:${target}`);
      grants.push({ type, target });
    }
  }
  return grants;
}

function fieldOf(type: GrantType): string {
  return GRANT_FIELDS.find((field) => field.type === type)?.field ?? type;
}

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** Marks a fresh file as a registry; refuses an SQLite file that belongs to something else. */
function claimFile(db: Database.Database, path: string): void {
  const id = Number(db.pragma('application_id', { simple: true }));
  if (id === REGISTRY_APPLICATION_ID) return;
  const tables = Number(db.prepare("SELECT count(*) FROM sqlite_schema WHERE type = 'table'").pluck().get());
  if (id !== 0 || tables > 0) {
    throw new RegistryError('not_a_registry', `${path} is an SQLite database but not a Gridlink device registry`);
  }
  db.pragma(`application_id = ${REGISTRY_APPLICATION_ID}`);
}

function newRow(input: DeviceInput, passwordHash: string, createdAt: string): DeviceRow {
  return {
    id: input.id,
    kind: input.kind,
    status: 'active',
    password_hash: passwordHash,
    community: input.community ?? null,
    grid: input.grid ?? null,
    building: input.building ?? null,
    unit: input.unit ?? null,
    floor: input.floor ?? null,
    room: input.room ?? null,
    notes: input.notes ?? null,
    tags: JSON.stringify(input.tags ?? []),
    created_at: createdAt,
    retired_at: null,
    retired_reason: null,
    replaced_by: null,
  };
}

function placeOf(row: DeviceRow): Place | undefined {
  if (row.community === null) return undefined;
  return {
    community: row.community,
    ...(row.grid !== null ? { grid: row.grid } : {}),
    ...(row.building !== null ? { building: row.building } : {}),
    ...(row.unit !== null ? { unit: row.unit } : {}),
    ...(row.floor !== null ? { floor: row.floor } : {}),
    ...(row.room !== null ? { room: row.room } : {}),
  };
}

function checkedTags(id: string, tags: readonly string[], purpose: 'edit' | 'set'): string[] {
  const checked = checkTags(tags, purpose);
  if (!checked.ok) throw new RegistryError('invalid', `invalid tags for device ${id}`, checked.issues);
  return checked.value;
}

/** The stored tags; the column's CHECK keeps it a JSON array of strings. */
function tagsOf(row: DeviceRow): string[] {
  return JSON.parse(row.tags) as string[];
}

function toRegistered(row: DeviceRow): RegisteredDevice {
  const place = placeOf(row);
  return {
    id: row.id,
    kind: row.kind as DeviceKind,
    status: row.status,
    ...(place ? { place } : {}),
    ...(row.notes !== null ? { notes: row.notes } : {}),
    tags: tagsOf(row),
    createdAt: row.created_at,
    ...(row.retired_at !== null ? { retiredAt: row.retired_at } : {}),
    ...(row.retired_reason !== null ? { retiredReason: row.retired_reason } : {}),
    ...(row.replaced_by !== null ? { replacedBy: row.replaced_by } : {}),
  };
}
