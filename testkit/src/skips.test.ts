import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { cannotRun, skipOrFail, underCi } from './skips.js';

const LOCAL = { env: {} };
const CI = { env: { CI: 'true' } };

describe('skips that cannot hide in CI', () => {
  it('runs a test whose need is met, locally and under CI', () => {
    expect(cannotRun('chromium', null, LOCAL)).toBe(false);
    expect(cannotRun('chromium', false, CI)).toBe(false);
    expect(cannotRun('chromium', '', CI)).toBe(false);
  });

  it('skips locally, saying nothing more than the test name does', () => {
    expect(cannotRun('chromium', 'no Chromium at /usr/bin/chromium', LOCAL)).toBe(true);
  });

  it('under CI, a skip for a need not on the allow-list is an error naming the need and the fix', () => {
    expect(() => cannotRun('tmpfs-mount', 'this run may not mount a tmpfs', CI)).toThrow(
      "CI=true: this test may not skip (this run may not mount a tmpfs). Give the CI machine 'tmpfs-mount', or, " +
        "if it truly cannot have it, add 'tmpfs-mount' with why to CI_ALLOWED_SKIPS in testkit/src/skips.ts.",
    );
  });

  it('under CI, an allow-listed need still skips', () => {
    const allowed = { multicast: 'no multicast route in the CI network namespace' };
    expect(cannotRun('multicast', 'no multicast route', { ...CI, allowed })).toBe(true);
  });

  it('a runtime skip skips with its reason locally and fails under CI', () => {
    const notes: (string | undefined)[] = [];
    const context = {
      skip(note?: string): never {
        notes.push(note);
        throw new Error('skipped');
      },
    };
    expect(() => skipOrFail(context, 'multicast', 'no multicast route', LOCAL)).toThrow('skipped');
    expect(notes).toEqual(['no multicast route']);
    expect(() => skipOrFail(context, 'multicast', 'no multicast route', CI)).toThrow(
      /^CI=true: this test may not skip/,
    );
    expect(notes).toHaveLength(1);
  });

  it('reads CI as CI services set it', () => {
    expect([undefined, '', '0', 'false', 'FALSE'].map((CI) => underCi({ CI }))).toEqual([
      false,
      false,
      false,
      false,
      false,
    ]);
    expect(['true', '1', 'yes'].map((CI) => underCi({ CI }))).toEqual([true, true, true]);
  });

  it('every skip in the repository goes through cannotRun or skipOrFail', () => {
    const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
    const offenders: string[] = [];
    const walk = (dir: string) => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        if (entry.name === 'node_modules' || entry.name === 'dist' || entry.name.startsWith('.')) continue;
        const path = join(dir, entry.name);
        if (entry.isDirectory()) walk(path);
        else if (/\.test\.ts$/.test(entry.name) && path !== fileURLToPath(import.meta.url)) {
          readFileSync(path, 'utf8')
            .split('\n')
            .forEach((line, index) => {
              const skips = /\.skipIf\(|\b(describe|it|test)\.skip\b|\b(context|ctx)\.skip\(/.test(line);
              if (skips && !/skipIf\(cannotRun\(|cannotRun\(|skipOrFail\(/.test(line)) {
                offenders.push(`${relative(root, path)}:${index + 1}: ${line.trim()}`);
              }
            });
        }
      }
    };
    for (const pkg of ['protocol', 'testkit', 'gateway', 'cloud', 'simulators', 'flows', 'scripts', 'bench']) {
      walk(join(root, pkg));
    }
    expect(offenders).toEqual([]);
  });
});
