import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cachedBuild } from './bundle.js';

/**
 * The pages are built once and kept in a cache keyed by their sources: two processes starting
 * together (a test run, replicas on one machine) may both build, and neither may see half a build.
 */
describe('the web build cache', () => {
  const root = mkdtempSync(join(tmpdir(), 'gridlink-web-cache-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('survives two builds racing into an empty cache, and serves the next start from it', async () => {
    const [first, second] = await Promise.all([cachedBuild(root), cachedBuild(root)]);
    // One build won the rename; the other's was thrown away, and no temporary folder is left.
    expect(readdirSync(root)).toHaveLength(1);
    expect([...first.files.keys()].sort()).toEqual([...second.files.keys()].sort());
    for (const [path, file] of first.files) expect(second.files.get(path)?.body.equals(file.body)).toBe(true);
    expect(first.files.get('/assets/app.js')?.type).toBe('text/javascript; charset=utf-8');
    expect(first.files.get('/')?.body.toString()).toContain('/assets/app.js');
    // A start with the same sources reads the cache: the same files, nothing rebuilt.
    const again = await cachedBuild(root);
    expect([...again.files.keys()].sort()).toEqual([...first.files.keys()].sort());
    expect(readdirSync(root)).toHaveLength(1);
  }, 120_000);
});
