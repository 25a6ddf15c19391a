import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GATEWAY_NODE_ENV, GATEWAY_NODE_FLAGS } from './node-flags.js';

describe('the gridlink-gateway executable', () => {
  it('starts Node with the gateway V8 flags and C library settings (its shebang is the only place they can go)', () => {
    const shebang = readFileSync(new URL('./bin.ts', import.meta.url), 'utf8').split('\n')[0];
    const env = Object.entries(GATEWAY_NODE_ENV).map(([name, value]) => `${name}=${value}`);
    expect(shebang).toBe(`#!/usr/bin/env -S ${env.join(' ')} node ${GATEWAY_NODE_FLAGS.join(' ')}`);
  });
});
