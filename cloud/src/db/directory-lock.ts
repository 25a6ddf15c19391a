import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';

/**
 * An embedded database directory must have one user at a time: two PGlite instances writing the
 * same files corrupt it. The lock is a file beside the directory holding the owner's pid; a file
 * left by a process that died is taken over.
 */
export function lockDirectory(dataDir: string): () => void {
  const path = `${dataDir}.lock`;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o600);
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        rmSync(path, { force: true });
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const owner = Number.parseInt(readPid(path), 10);
      if (Number.isInteger(owner) && owner > 0 && isAlive(owner)) {
        throw new Error(
          `the embedded database ${dataDir} is in use by process ${owner}` +
            (owner === process.pid ? ' (this one)' : '') +
            '; stop it first, or use the HTTP API of the running cloud',
        );
      }
      rmSync(path, { force: true });
    }
  }
  throw new Error(`cannot lock the embedded database ${dataDir}: ${path} keeps reappearing`);
}

function readPid(path: string): string {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return '';
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
