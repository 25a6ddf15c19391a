import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { NodeInitializer } from 'node-red';
import type helper from 'node-red-node-test-helper';
import { ensurePalette } from '../build/build-palette.js';

const require = createRequire(import.meta.url);
let built: Promise<Record<string, NodeInitializer>> | undefined;

/**
 * The node sets as Node-RED loads them: the palette built in flows/ (once for every test file and
 * process, see ensurePalette), require()d from its CommonJS bundles, so tests exercise what ships.
 */
export function builtNodes(): Promise<Record<string, NodeInitializer>> {
  built ??= (async () => {
    const palette = await ensurePalette();
    return Object.fromEntries(
      palette.nodeTypes.map((type) => [type, require(join(palette.nodesDir, `${type}.js`)).default as NodeInitializer]),
    );
  })();
  return built;
}

/** The path node-red-node-test-helper needs to find the runtime. */
export const NODE_RED_RUNTIME = require.resolve('node-red');

type FlowNode = { id: string; type: string } & Record<string, unknown>;

/** A flow for node-red-node-test-helper, whose types know only the core properties of a node. */
export const testFlow = (nodes: FlowNode[]) => nodes as unknown as Parameters<typeof helper.load>[1];
