import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GATEWAY_NODE_FLAGS } from './node-flags.js';

describe('the gridlink-gateway executable', () => {
  it('starts Node with the gateway V8 flags (its shebang is the only place they can go)', () => {
    const shebang = readFileSync(new URL('./bin.ts', import.meta.url), 'utf8').split('\n')[0];
    expect(shebang).toBe(`#!/usr/bin/env -S node ${GATEWAY_NODE_FLAGS.join(' ')}`);
  });
});
