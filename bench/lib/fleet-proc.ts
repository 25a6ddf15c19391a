import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/**
 * A compiled server in bench/servers driven by commands on its standard input, a line each, and
 * answering with lines on its standard output (`READY`, then whatever its commands print).
 */
export class CommandedProcess {
  private readonly waiting: Array<{ prefix: string; resolve: (line: string) => void }> = [];
  private readonly early: string[] = [];

  private constructor(private readonly child: ReturnType<typeof spawn>) {
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      const at = this.waiting.findIndex((w) => line.startsWith(w.prefix));
      if (at >= 0) this.waiting.splice(at, 1)[0]?.resolve(line.slice(line.indexOf(' ') + 1));
      else this.early.push(line);
    });
  }

  static async start(script: string, env: Record<string, string>): Promise<CommandedProcess> {
    const here = dirname(fileURLToPath(import.meta.url));
    const compiled = join(here, '..', 'dist', 'servers', script.replace(/\.ts$/, '.js'));
    if (!existsSync(compiled)) throw new Error(`${compiled} is missing: run npm run build (npm run bench does)`);
    const child = spawn(process.execPath, [compiled], {
      env: { ...process.env, ...env },
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    const proc = new CommandedProcess(child);
    const exited = new Promise<never>((_, reject) =>
      child.once('exit', (code) => reject(new Error(`${script} exited with ${code}`))),
    );
    await Promise.race([proc.next('READY'), exited]);
    return proc;
  }

  get pid(): number {
    return this.child.pid ?? 0;
  }

  /** The next line starting with `prefix` (one already printed included), without the prefix. */
  next(prefix: string): Promise<string> {
    const at = this.early.findIndex((line) => line.startsWith(prefix));
    if (at >= 0) {
      const line = this.early.splice(at, 1)[0] as string;
      return Promise.resolve(line.slice(line.indexOf(' ') + 1));
    }
    return new Promise((resolve) => this.waiting.push({ prefix, resolve }));
  }

  send(command: string): void {
    this.child.stdin?.write(`${command}\n`);
  }

  /** Sends a command and waits for its answer line. */
  ask(command: string, prefix: string): Promise<string> {
    const answer = this.next(prefix);
    this.send(command);
    return answer;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.send('STOP');
    await exited;
  }
}
