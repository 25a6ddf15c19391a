import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';

/** A rule file's name in the rules folder: a plain file name ending in .yaml or .yml. */
const RULE_FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}\.ya?ml$/;

/** Why `name` cannot name a file of the rules folder, or undefined when it can. */
export function ruleFileNameProblem(name: string): string | undefined {
  if (RULE_FILE_NAME.test(name) && !name.includes('..')) return undefined;
  return `name: "${name.slice(0, 80)}" is not a rule file name: use letters, digits, ".", "_" and "-", ending in .yaml (like night-doors.yaml), with no folder`;
}

/**
 * The gateway's rules folder (`rules.dir`): every `*.yaml` in it is a rule file, loaded in name
 * order. Writes are atomic (a staging file renamed over the old one), so the watcher and a crash
 * only ever see a whole file. Nothing outside the folder is reachable by name.
 */
export class RuleFolder {
  readonly dir: string;

  constructor(dir: string) {
    this.dir = resolve(dir);
  }

  /** Creates the folder if it is missing, so it can be watched. */
  ensure(): void {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
  }

  names(): string[] {
    try {
      return readdirSync(this.dir, { withFileTypes: true })
        .filter((entry) => entry.isFile() && ruleFileNameProblem(entry.name) === undefined)
        .map((entry) => entry.name)
        .sort();
    } catch {
      return [];
    }
  }

  paths(): string[] {
    return this.names().map((name) => join(this.dir, name));
  }

  /** The path of `name` in the folder; throws a RuleFolderError for anything else. */
  pathOf(name: string): string {
    const problem = ruleFileNameProblem(name);
    if (problem !== undefined) throw new RuleFolderError(problem);
    const path = resolve(this.dir, name);
    // Defence in depth: the name's pattern already rules out separators and "..".
    if (dirname(path) !== this.dir || basename(path) !== name)
      throw new RuleFolderError(`name: ${name} is outside the rules folder`);
    return path;
  }

  /** Whether `path` (a configured rule file) lies in the folder. */
  holds(path: string): boolean {
    return dirname(resolve(path)) === this.dir;
  }

  read(name: string): string | undefined {
    try {
      return readFileSync(this.pathOf(name), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  write(name: string, text: string): void {
    const path = this.pathOf(name);
    this.ensure();
    // The staging name does not end in .yaml: neither the loader nor the watcher takes it for a rule file.
    const staging = `${path}.saving`;
    writeFileSync(staging, text, { mode: 0o600 });
    renameSync(staging, path);
  }

  /** Deletes `name`; false when there was no such file. */
  remove(name: string): boolean {
    const path = this.pathOf(name);
    try {
      rmSync(path);
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw err;
    }
  }
}

/** A name that does not name a file of the rules folder. */
export class RuleFolderError extends Error {}
