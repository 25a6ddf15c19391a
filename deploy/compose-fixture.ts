import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root: docker-compose.yml, .env.example and the Dockerfile live there. */
export const ROOT = fileURLToPath(new URL('../', import.meta.url));
export const COMPOSE_FILE = join(ROOT, 'docker-compose.yml');
export const ENV_EXAMPLE = join(ROOT, '.env.example');
export const MAKE_SECRETS = join(ROOT, 'deploy', 'compose', 'make-secrets.sh');

/** A secrets folder as `deploy/compose/make-secrets.sh` writes it, in a temporary directory. */
export function makeSecrets(): { dir: string; remove(): void } {
  const parent = mkdtempSync(join(tmpdir(), 'gridlink-secrets-'));
  const dir = join(parent, 'secrets');
  execFileSync('sh', [MAKE_SECRETS], { env: { ...process.env, SECRETS_DIR: dir }, stdio: 'pipe' });
  return { dir, remove: () => rmSync(parent, { recursive: true, force: true }) };
}

/** Where `command` is on the PATH, or null. */
export function which(command: string): string | null {
  try {
    return execFileSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' }).trim() || null;
  } catch {
    return null;
  }
}
