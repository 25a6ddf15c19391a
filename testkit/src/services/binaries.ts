import { accessSync, constants, readdirSync, realpathSync, statSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';

/** The few file-system questions the finders ask, injectable so the search order is testable. */
export interface FileProbe {
  isExecutable(path: string): boolean;
  listDir(path: string): string[];
  realpath(path: string): string;
}

export const realFileProbe: FileProbe = {
  isExecutable(path) {
    try {
      if (!statSync(path).isFile()) return false;
      accessSync(path, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  },
  listDir(path) {
    try {
      return readdirSync(path);
    } catch {
      return [];
    }
  },
  realpath(path) {
    try {
      return realpathSync(path);
    } catch {
      return path;
    }
  },
};

export interface FinderOptions {
  env?: Readonly<Record<string, string | undefined>>;
  probe?: FileProbe;
}

/** Looks on the PATH, then in `extraDirs` (sbin dirs are often missing from a non-root PATH). */
export function findExecutable(
  name: string,
  extraDirs: readonly string[],
  { env = process.env, probe = realFileProbe }: FinderOptions = {},
): string | null {
  const pathDirs = (env.PATH ?? '').split(delimiter).filter((dir) => dir !== '');
  for (const dir of [...pathDirs, ...extraDirs]) {
    const candidate = join(dir, name);
    if (probe.isExecutable(candidate)) return candidate;
  }
  return null;
}

export const DEBIAN_POSTGRES_ROOT = '/usr/lib/postgresql';

/**
 * The directory holding initdb and pg_ctl. PATH wins; Debian keeps them off the PATH in
 * /usr/lib/postgresql/<version>/bin, where the newest version is preferred.
 */
export function findPostgresBinDir(options: FinderOptions = {}): string | null {
  const probe = options.probe ?? realFileProbe;
  const hasTools = (dir: string) => probe.isExecutable(join(dir, 'initdb')) && probe.isExecutable(join(dir, 'pg_ctl'));

  const initdb = findExecutable('initdb', [], options);
  if (initdb !== null) {
    // Symlinks such as /usr/local/bin/initdb point into the real bin dir that also holds postgres.
    const dir = dirname(probe.realpath(initdb));
    if (hasTools(dir)) return dir;
  }

  const versions = probe
    .listDir(DEBIAN_POSTGRES_ROOT)
    .filter((entry) => /^\d+(\.\d+)?$/.test(entry))
    .sort((a, b) => Number.parseFloat(b) - Number.parseFloat(a));
  for (const version of versions) {
    const dir = join(DEBIAN_POSTGRES_ROOT, version, 'bin');
    if (hasTools(dir)) return dir;
  }
  return null;
}

export function findMosquitto(options: FinderOptions = {}): string | null {
  return findExecutable('mosquitto', ['/usr/sbin', '/usr/local/sbin'], options);
}

export function findInfluxd(options: FinderOptions = {}): string | null {
  return findExecutable('influxd', ['/usr/bin', '/usr/local/bin'], options);
}

export function findRunuser(options: FinderOptions = {}): string | null {
  return findExecutable('runuser', ['/usr/sbin', '/sbin', '/usr/bin', '/bin'], options);
}
