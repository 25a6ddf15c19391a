import { readFileSync } from 'node:fs';
import YAML from 'yaml';

/**
 * docker-compose.yml as the tests read it without docker-compose: YAML with its merge keys, then
 * `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:?error}` and `$$` in every string, as
 * Compose interpolates them. The compose test checks this reading against docker-compose's own.
 */
export interface ComposeService {
  image?: string;
  build?: { context: string; target?: string };
  profiles?: string[];
  command?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
  secrets?: string[];
  restart?: string;
  healthcheck?: { test: string[]; interval?: string; timeout?: string; retries?: number };
  deploy?: { resources?: { limits?: { cpus?: string; memory?: string } } };
  user?: string;
  read_only?: boolean;
  ports?: string[];
  networks?: string[] | Record<string, unknown>;
}

export interface ComposeFile {
  services: Record<string, ComposeService>;
  secrets: Record<string, { file?: string; environment?: string }>;
  volumes?: Record<string, unknown>;
}

export type Env = Readonly<Record<string, string | undefined>>;

/** A `.env` file: `NAME=value` lines; blank lines and `#` comments skipped. */
export function readEnvFile(path: string): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [index, raw] of readFileSync(path, 'utf8').split('\n').entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (!match) throw new Error(`${path}:${index + 1}: expected NAME=value, found ${JSON.stringify(line)}`);
    values[match[1] as string] = match[2] as string;
  }
  return values;
}

const VARIABLE = /\$(?:\$|\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))/g;

/** Compose's interpolation of one string; a `${VAR:?message}` left unset throws with the message. */
export function interpolate(text: string, env: Env): string {
  return text.replace(VARIABLE, (whole, braced?: string, operator?: string, argument?: string, bare?: string) => {
    if (whole === '$$') return '$';
    const name = (braced ?? bare) as string;
    const value = env[name];
    const unset = value === undefined || (operator?.startsWith(':') === true && value === '');
    if (operator?.endsWith('-')) return unset ? (argument ?? '') : (value as string);
    if (operator?.endsWith('?')) {
      if (unset) throw new Error(`${name}: ${argument || 'required'}`);
      return value as string;
    }
    return value ?? '';
  });
}

function interpolateAll(value: unknown, env: Env): unknown {
  if (typeof value === 'string') return interpolate(value, env);
  if (Array.isArray(value)) return value.map((item) => interpolateAll(item, env));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, interpolateAll(item, env)]));
  }
  return value;
}

/** The compose file with its anchors merged and its variables set from `env`; `x-` fragments dropped. */
export function readComposeFile(path: string, env: Env): ComposeFile {
  const document = YAML.parse(readFileSync(path, 'utf8'), { merge: true }) as Record<string, unknown>;
  const kept = Object.fromEntries(Object.entries(document).filter(([key]) => !key.startsWith('x-')));
  return interpolateAll(kept, env) as ComposeFile;
}

/** Every variable the compose file reads, by name. */
export function composeVariables(path: string): Set<string> {
  const names = new Set<string>();
  for (const match of readFileSync(path, 'utf8').matchAll(VARIABLE)) {
    const name = match[1] ?? match[4];
    if (name) names.add(name);
  }
  return names;
}

/** `/run/secrets/<name>` → the name; undefined for any other path. */
export function secretName(path: string): string | undefined {
  return /^\/run\/secrets\/([A-Za-z0-9_.-]+)$/.exec(path)?.[1];
}
