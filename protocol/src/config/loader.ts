import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import YAML from 'yaml';
import type { z } from 'zod';
import { describeValue, formatIssues, isSecretPath } from './issues.js';
import { closest, fieldsOf, leafKind, leafPaths, type Schema } from './schema-walk.js';

/**
 * Schema-first configuration, the one way the conventions allow: one YAML file, then env overrides
 * named from the schema path (`GRIDLINK_MQTT__PORT`, `__` between levels), then secrets from
 * `<NAME>_FILE`; validated once, every problem reported as `path: message`, then frozen. Each
 * service binds it to its own zod schema with {@link createConfigLoader}.
 */
export interface LoadConfigOptions {
  /** The YAML file. Without one, the configuration comes from the environment alone. */
  file?: string;
  /** Usually `process.env`. Variables that start with `GRIDLINK_<section>_` are configuration. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Relative paths (the file, `*_FILE` secrets) are resolved from here; default `process.cwd()`. */
  cwd?: string;
}

export type LoadConfigResult<T> = { ok: true; config: T } | { ok: false; errors: string[] };

export interface ConfigLoaderOptions {
  /**
   * A missing secret gets a hint naming the variables that can set it (`GRIDLINK_AUTH__ADMIN_TOKEN`
   * or `…_FILE`): secrets have no default and usually do not belong in the file.
   */
  hintMissingSecrets?: boolean;
}

export interface ConfigLoader<T> {
  loadConfig(options?: LoadConfigOptions): LoadConfigResult<T>;
  /** A copy with every secret replaced by `[redacted]`, safe to log or print. */
  redactConfig<C>(config: C): C;
  /** Dotted paths of every secret field (`telemetry.influx.password`…): for log redaction. */
  secretPaths: readonly string[];
  /** `['mqtt', 'port']` → `GRIDLINK_MQTT__PORT`. */
  configEnvName(path: readonly string[]): string;
}

export const CONFIG_ENV_PREFIX = 'GRIDLINK_';

/** `['mqtt', 'port']` → `GRIDLINK_MQTT__PORT`. */
export function configEnvName(path: readonly string[]): string {
  return `${CONFIG_ENV_PREFIX}${path.map((segment) => segment.toUpperCase()).join('__')}`;
}

export function createConfigLoader<S extends z.ZodType>(
  configSchema: S,
  loaderOptions: ConfigLoaderOptions = {},
): ConfigLoader<z.output<S>> {
  const schema = configSchema as unknown as Schema;
  const sections = [...(fieldsOf(schema)?.keys() ?? [])];
  const secretPaths: readonly string[] = Object.freeze(
    leafPaths(schema)
      .filter((path) => isSecretPath(path))
      .map((path) => path.join('.')),
  );

  function loadConfig(options: LoadConfigOptions = {}): LoadConfigResult<z.output<S>> {
    const cwd = options.cwd ?? process.cwd();
    const errors: string[] = [];

    let document: unknown = {};
    let documentUsable = true;
    if (options.file !== undefined) {
      const read = readYamlFile(options.file, cwd);
      errors.push(...read.errors);
      documentUsable = read.errors.length === 0;
      document = read.value ?? {};
      if (documentUsable && !isPlainObject(document)) {
        const named = sections.slice(0, 2).map((name) => `${name}:`);
        errors.push(
          `${options.file}: expected a mapping of sections (${[...named, '…'].join(', ')}), received ${describeValue(document)}`,
        );
        documentUsable = false;
      }
    }

    const overrides = readEnvOverrides(schema, sections, options.env ?? process.env, cwd);
    errors.push(...overrides.errors);
    if (!documentUsable) return { ok: false, errors };

    const merged = structuredClone(document) as Record<string, unknown>;
    const notes = new Map<string, string>();
    for (const empty of overrides.emptyFiles) {
      notes.set(empty.path.join('.'), ` (${empty.variable} names an empty file, which leaves it unset)`);
    }
    for (const override of overrides.values) {
      if (setPath(merged, override.path, override.value))
        notes.set(override.path.join('.'), ` (from ${override.variable})`);
    }

    const parsed = configSchema.safeParse(merged, { reportInput: true });
    if (!parsed.success) {
      const missingSecret = (issue: z.core.$ZodIssue) =>
        loaderOptions.hintMissingSecrets === true &&
        issue.code === 'invalid_type' &&
        (issue as { input?: unknown }).input === undefined &&
        secretPaths.includes(issue.path.join('.'));
      for (const issue of parsed.error.issues) {
        const lines = formatIssues([issue], {
          schema,
          note: (path) => notes.get(path) ?? '',
        });
        if (missingSecret(issue)) {
          const name = configEnvName(issue.path.map(String));
          errors.push(...lines.map((line) => `${line}; set it with ${name} or ${name}_FILE (a file holding it)`));
        } else {
          errors.push(...lines);
        }
      }
    }
    if (errors.length > 0 || !parsed.success) return { ok: false, errors };
    return { ok: true, config: deepFreeze(parsed.data) };
  }

  function redactConfig<C>(config: C): C {
    const copy = structuredClone(config) as unknown;
    for (const dotted of secretPaths) {
      const path = dotted.split('.');
      const parent = path
        .slice(0, -1)
        .reduce<unknown>((node, key) => (isPlainObject(node) ? node[key] : undefined), copy);
      const last = path[path.length - 1];
      if (isPlainObject(parent) && last !== undefined && parent[last] !== undefined) parent[last] = '[redacted]';
    }
    return copy as C;
  }

  return { loadConfig, redactConfig, secretPaths, configEnvName };
}

export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

function readYamlFile(file: string, cwd: string): { value?: unknown; errors: string[] } {
  let text: string;
  try {
    text = readFileSync(resolve(cwd, file), 'utf8');
  } catch (err) {
    return { errors: [`${file}: cannot read the configuration file (${describeFsError(err)})`] };
  }
  const document = YAML.parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (document.errors.length > 0) {
    return {
      errors: document.errors.map((error) => {
        // The message's own excerpt of the source is left out: it could show a secret.
        const message = error.message.split(/ at line \d+, column \d+/)[0] ?? error.message;
        const at = error.linePos?.[0];
        return at ? `${file}: line ${at.line}, column ${at.col}: ${message}` : `${file}: ${message}`;
      }),
    };
  }
  return { value: document.toJS({ maxAliasCount: 100 }) as unknown, errors: [] };
}

interface EnvOverride {
  variable: string;
  path: string[];
  value: unknown;
}

/** Reads `GRIDLINK_*` variables. Another tool's variable (`GRIDLINK_TEST_PG_URL`) names no section and is left alone. */
function readEnvOverrides(
  schema: Schema,
  sections: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  cwd: string,
) {
  const values: EnvOverride[] = [];
  /** `*_FILE` secrets whose file is empty: a secret is never empty, so the field stays unset. */
  const emptyFiles: Omit<EnvOverride, 'value'>[] = [];
  const errors: string[] = [];
  const setBy = new Map<string, string>();
  const names = Object.keys(env)
    .filter((name) => name.toUpperCase().startsWith(CONFIG_ENV_PREFIX) && env[name] !== undefined)
    .sort();

  for (const variable of names) {
    const raw = env[variable] as string;
    const rest = variable.slice(CONFIG_ENV_PREFIX.length);
    const segments = rest.split('__');
    const first = segments[0]?.toLowerCase() ?? '';

    if (segments.length === 1) {
      // `GRIDLINK_LOG_LEVEL` looks like ours but has one underscore where the levels need two.
      const section = sections.find((name) => first === name || first.startsWith(`${name}_`));
      if (!section) continue;
      if (first === section) {
        const whole = resolveEnvPath(schema, segments);
        if (!whole.ok) errors.push(`${variable}: ${whole.error}`);
        continue;
      }
      const fixed = `${CONFIG_ENV_PREFIX}${section.toUpperCase()}__${rest.slice(section.length + 1)}`;
      const hint = resolveEnvPath(schema, fixed.slice(CONFIG_ENV_PREFIX.length).split('__')).ok ? fixed : undefined;
      errors.push(`${variable}: names no configuration field${hint ? ` (did you mean ${hint}?)` : ''}`);
      continue;
    }

    const resolved = resolveEnvPath(schema, segments);
    if (!resolved.ok) {
      errors.push(`${variable}: ${resolved.error}`);
      continue;
    }
    const dotted = resolved.path.join('.');
    const earlier = setBy.get(dotted);
    if (earlier) {
      errors.push(`${variable}: sets ${dotted}, which ${earlier} already sets; use one of them`);
      continue;
    }
    setBy.set(dotted, variable);

    let text = raw;
    if (resolved.fromFile) {
      if (raw.trim() === '') {
        errors.push(`${variable}: is empty; it must name a file holding the value of ${dotted}`);
        continue;
      }
      try {
        text = readFileSync(resolve(cwd, raw), 'utf8').replace(/[\r\n]+$/, '');
      } catch (err) {
        errors.push(`${variable}: cannot read ${raw} (${describeFsError(err)})`);
        continue;
      }
      // A deployment lays out every secret file up front (compose `secrets:`), some still empty
      // (a gateway's uplink token before its registration): empty means not set yet.
      if (text === '') {
        emptyFiles.push({ variable, path: resolved.path });
        continue;
      }
    }
    const value = resolved.kind === 'string' ? text : parseScalar(text);
    values.push({ variable, path: resolved.path, value });
  }
  return { values, emptyFiles, errors };
}

type Resolved =
  | { ok: true; path: string[]; kind: 'string' | 'value'; fromFile: boolean }
  | { ok: false; error: string };

/** Maps env segments (any case) onto schema keys; a last segment ending in `_FILE` may name a file. */
function resolveEnvPath(schema: Schema, segments: readonly string[]): Resolved {
  const path: string[] = [];
  let current: Schema[] = [schema];
  for (const [index, segment] of segments.entries()) {
    const fields = fieldsOf(current);
    const last = index === segments.length - 1;
    if (!fields) return { ok: false, error: `names no configuration field: ${path.join('.')} has no fields` };
    const key = [...fields.keys()].find((name) => name.toLowerCase() === segment.toLowerCase());
    if (key !== undefined) {
      path.push(key);
      current = fields.get(key) ?? [];
      continue;
    }
    if (last && /_file$/i.test(segment)) {
      const base = segment.slice(0, -'_file'.length).toLowerCase();
      const fileKey = [...fields.keys()].find((name) => name.toLowerCase() === base);
      const target = fileKey === undefined ? undefined : fields.get(fileKey);
      if (fileKey !== undefined && target && leafKind(target) !== 'section') {
        return {
          ok: true,
          path: [...path, fileKey],
          kind: leafKind(target) === 'string' ? 'string' : 'value',
          fromFile: true,
        };
      }
    }
    const hint = segment === '' ? undefined : closest(segment.toLowerCase(), fields.keys());
    const suggestion = hint ? ` (did you mean ${configEnvName([...path, hint])}?)` : '';
    return { ok: false, error: `names no configuration field${suggestion}` };
  }
  const kind = leafKind(current);
  if (kind === 'section') {
    const example = [...(fieldsOf(current)?.keys() ?? [])][0];
    return {
      ok: false,
      error: `names the section ${path.join('.')}, not a field${example ? ` (set its fields, e.g. ${configEnvName([...path, example])})` : ''}`,
    };
  }
  return { ok: true, path, kind, fromFile: false };
}

/** Env values are YAML scalars: `1884` is a number, `true` a boolean; anything else stays text. */
function parseScalar(text: string): unknown {
  try {
    const value: unknown = YAML.parse(text);
    return typeof value === 'object' && value !== null ? text : value;
  } catch {
    return text;
  }
}

/** Sets `path` in `target`, creating sections; false when the file put a non-mapping in the way. */
function setPath(target: Record<string, unknown>, path: readonly string[], value: unknown): boolean {
  let node = target;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (next === undefined || next === null) node[key] = {};
    else if (!isPlainObject(next)) return false;
    node = node[key] as Record<string, unknown>;
  }
  const last = path[path.length - 1];
  if (last === undefined) return false;
  node[last] = value;
  return true;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const FS_ERRORS: Record<string, string> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EISDIR: 'it is a directory',
  ENOTDIR: 'a parent is not a directory',
};

/** `ENOENT` → `no such file`: file errors in words an operator reads. */
export function describeFsError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code ? (FS_ERRORS[code] ?? code) : String(err);
}
