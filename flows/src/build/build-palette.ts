import { cp, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { EDITOR_DATA_PLACEHOLDER, editorData } from './editor-data.js';

/** The flows package folder (this file sits in src/build). */
export const PACKAGE_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

const NODE_FILE = /^dist\/nodes\/(gridlink-[a-z-]+)\.js$/;

interface PackageJson {
  name: string;
  version: string;
  'node-red': { version: string; nodes: Record<string, string> };
  [key: string]: unknown;
}

export interface BuiltPalette {
  /** The package folder Node-RED loads (its package.json has the `node-red` section). */
  packageDir: string;
  nodesDir: string;
  nodeTypes: string[];
}

/**
 * Builds the palette: each node set of package.json's `node-red.nodes` map from
 * src/nodes/<set>/<set>.ts into one CommonJS file (Node-RED loads nodes with require()), with
 * @gridlink/protocol and mqtt bundled in (a published palette cannot depend on private
 * workspace packages), next to its editor HTML, locales and the icons.
 *
 * `into` is the flows package itself (`npm run build`) or another folder, which then receives a
 * complete package (package.json and README too) — how tests get a build of their own.
 */
export async function buildPalette(into: string = PACKAGE_DIR): Promise<BuiltPalette> {
  const pkg = JSON.parse(await readFile(join(PACKAGE_DIR, 'package.json'), 'utf8')) as PackageJson;
  const sets = Object.entries(pkg['node-red'].nodes).map(([set, file]) => {
    const match = NODE_FILE.exec(file);
    if (!match || match[1] !== set) {
      throw new Error(`package.json node-red.nodes.${set}: expected "dist/nodes/${set}.js", found ${file}`);
    }
    return set;
  });
  const packageDir = resolve(into);
  const nodesDir = join(packageDir, 'dist', 'nodes');
  await rm(nodesDir, { recursive: true, force: true });
  await mkdir(nodesDir, { recursive: true });

  await build({
    entryPoints: Object.fromEntries(sets.map((set) => [set, join(PACKAGE_DIR, 'src/nodes', set, `${set}.ts`)])),
    outdir: nodesDir,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    // The protocol's TypeScript sources, as everywhere in the workspace: no prior tsc build needed.
    conditions: ['gridlink-source'],
    // ws' optional native speed-ups, required inside try/catch.
    external: ['bufferutil', 'utf-8-validate'],
    logLevel: 'silent',
  });
  // The flows package is ESM; the bundles are CommonJS.
  await writeFile(join(nodesDir, 'package.json'), `${JSON.stringify({ type: 'commonjs' }, null, 2)}\n`);

  const editorJson = JSON.stringify(editorData());
  for (const set of sets) {
    const source = join(PACKAGE_DIR, 'src/nodes', set);
    const html = await readFile(join(source, `${set}.html`), 'utf8');
    await writeFile(join(nodesDir, `${set}.html`), html.replaceAll(EDITOR_DATA_PLACEHOLDER, editorJson));
    for (const lang of await readdir(join(source, 'locales'))) {
      await mkdir(join(nodesDir, 'locales', lang), { recursive: true });
      for (const ext of ['json', 'html']) {
        await cp(join(source, 'locales', lang, `${set}.${ext}`), join(nodesDir, 'locales', lang, `${set}.${ext}`));
      }
    }
  }
  await cp(join(PACKAGE_DIR, 'src/icons'), join(nodesDir, 'icons'), { recursive: true });

  if (packageDir !== PACKAGE_DIR) {
    const { devDependencies: _dev, scripts: _scripts, ...published } = pkg;
    await writeFile(join(packageDir, 'package.json'), `${JSON.stringify(published, null, 2)}\n`);
    await cp(join(PACKAGE_DIR, 'README.md'), join(packageDir, 'README.md'));
  }
  return { packageDir, nodesDir, nodeTypes: sets };
}
