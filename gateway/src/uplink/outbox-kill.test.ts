import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { testDataDir } from '../test-support.js';
import { Outbox } from './outbox.js';

const fixture = fileURLToPath(new URL('./outbox-writer.fixture.ts', import.meta.url));

describe('the outbox under kill -9', () => {
  it('keeps every event whose append had resolved (what the device was acknowledged for), 5 times over', async () => {
    for (let round = 0; round < 5; round++) {
      const path = join(testDataDir(), 'outbox.db');
      const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=gridlink-source', fixture, path], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      await new Promise<void>((resolve) => {
        const check = setInterval(() => {
          if (output.split('\n').length > 200 + round * 137) {
            clearInterval(check);
            resolve();
          }
        }, 5);
      });
      child.kill('SIGKILL');
      await new Promise((resolve) => child.once('exit', resolve));

      const acknowledged = output.split('\n').filter((line) => line.startsWith('evt-'));
      const outbox = new Outbox(path);
      const ids = new Set<string>();
      for (let entries = outbox.nextBatch(1000); entries.length > 0; entries = outbox.nextBatch(1000)) {
        for (const entry of entries) ids.add(entry.id);
        outbox.acknowledge(entries.map((entry) => entry.seq));
      }
      outbox.close();
      const missing = acknowledged.filter((id) => !ids.has(id));
      expect(missing, `round ${round}`).toEqual([]);
      expect(acknowledged.length).toBeGreaterThan(150);
    }
  }, 60_000);
});
