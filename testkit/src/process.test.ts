import { describe, expect, it } from 'vitest';
import { startProcess, waitUntilReady } from './services/process.js';

const node = process.execPath;

describe('waitUntilReady()', () => {
  it('fails fast with the last log lines when the server exits', async () => {
    const server = startProcess('fake-server', node, [
      '-e',
      "console.error('line 1'); console.error('bad config at line 7'); process.exit(3)",
    ]);
    await expect(
      waitUntilReady('fake-server', async () => false, { process: server, timeoutMs: 10_000 }),
    ).rejects.toThrow(
      'fake-server exited with code 3 before it became ready. Last log lines:\n' +
        '    line 1\n    bad config at line 7',
    );
  });

  it('gives up after its timeout, naming the last failed check', async () => {
    const server = startProcess('idle-server', node, ['-e', 'setInterval(() => {}, 1000)']);
    try {
      await expect(
        waitUntilReady(
          'idle-server',
          async () => {
            throw new Error('connect ECONNREFUSED');
          },
          { process: server, timeoutMs: 300, intervalMs: 50 },
        ),
      ).rejects.toThrow('idle-server did not become ready within 0.3 s (last check: connect ECONNREFUSED)');
    } finally {
      await server.stop();
    }
  });
});

describe('ManagedProcess.stop()', () => {
  it('kills a process that ignores SIGTERM once the grace period is over', async () => {
    const termIgnorer = startProcess('term-ignorer', node, [
      '-e',
      "process.on('SIGTERM', () => {}); console.log('up'); setInterval(() => {}, 1000)",
    ]);
    await waitUntilReady('term-ignorer', async () => termIgnorer.tail().includes('up'), {
      process: termIgnorer,
    });

    await termIgnorer.stop(200);

    expect(termIgnorer.exitStatus()).toBe('was killed by SIGKILL');
  });
});
