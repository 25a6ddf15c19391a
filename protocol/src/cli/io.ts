/**
 * What every Gridlink command line (`gridlink-gateway`, `gridlink-cloud`, `gridlink-sim`) is given
 * instead of the process, so tests drive it with captured output; each `bin.ts` only wires it to
 * the process.
 */
export interface CliIo {
  stdout: { write(chunk: string): unknown };
  stderr: { write(chunk: string): unknown };
  env: Readonly<Record<string, string | undefined>>;
  /** Relative paths given on the command line or in configuration are resolved from here. */
  cwd: string;
  /** Stops a long-running command (`start`). Without one, it stops on SIGINT or SIGTERM. */
  signal?: AbortSignal;
}

/** The signal that stops a long-running command: the one given, or SIGINT/SIGTERM until disposed. */
export function stopSignal(io: Pick<CliIo, 'signal'>): { signal: AbortSignal; dispose(): void } {
  if (io.signal) return { signal: io.signal, dispose: () => {} };
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return {
    signal: controller.signal,
    dispose: () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
    },
  };
}
