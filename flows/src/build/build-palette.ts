import { createHash } from 'node:crypto';
import { cp, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
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
 * The palette: each node set of package.json's `node-red.nodes` map from src/nodes/<set>/<set>.ts
 * into one CommonJS file (Node-RED loads nodes with require()), with @gridlink/protocol and mqtt
 * bundled in (a published palette cannot depend on private workspace packages), next to its editor
 * HTML, locales and the icons. It is built in the flows package itself: that is the copy Node-RED
 * finds in a checkout, since it scans the node_modules above its own install, where npm's workspace link to flows/ sits (a copy
 * built elsewhere and named in `nodesDir` is shadowed by it). Built only when its sources changed
 * since the build there (a digest of them is kept beside it), under a lock, and swapped in whole,
 * so that test files, `npm start` and `npm run build` side by side neither rebuild nor half-read
 * each other's build.
 */
export async function ensurePalette(): Promise<BuiltPalette> {
  const pkg = await readManifest();
  const sets = nodeSets(pkg);
  const dist = join(PACKAGE_DIR, 'dist');
  const nodesDir = join(dist, 'nodes');
  const built = { packageDir: PACKAGE_DIR, nodesDir, nodeTypes: sets };
  const digest = await sourcesDigest();
  const current = () => readFile(join(nodesDir, DIGEST_FILE), 'utf8').catch(() => '');
  if ((await current()) === digest) return built;
  await mkdir(dist, { recursive: true });
  const release = await lock(join(dist, '.build-lock'));
  try {
    if ((await current()) === digest) return built;
    const staging = join(dist, `nodes-${process.pid}-${Date.now()}`);
    await writeNodes(sets, staging);
    await writeFile(join(staging, DIGEST_FILE), digest);
    await rm(nodesDir, { recursive: true, force: true });
    await rename(staging, nodesDir);
    return built;
  } finally {
    await release();
  }
}

const DIGEST_FILE = '.sources-digest';
/** What a build is made of: the nodes' sources and the protocol bundled into them. */
const SOURCE_ROOTS = [join(PACKAGE_DIR, 'src'), join(PACKAGE_DIR, '../protocol/src')];
const MANIFESTS = [join(PACKAGE_DIR, 'package.json'), join(PACKAGE_DIR, '../protocol/package.json')];

async function sourcesDigest(): Promise<string> {
  const hash = createHash('sha256');
  const files: string[] = [...MANIFESTS];
  for (const root of SOURCE_ROOTS) {
    for (const entry of await readdir(root, { recursive: true, withFileTypes: true })) {
      if (entry.isFile() && !entry.name.includes('.test.')) files.push(join(entry.parentPath, entry.name));
    }
  }
  for (const file of files.sort())
    hash
      .update(file)
      .update('\0')
      .update(await readFile(file))
      .update('\0');
  return hash.digest('hex');
}

/** A lock between processes: a folder made atomically; one left by a killed build goes stale. */
async function lock(path: string): Promise<() => Promise<void>> {
  const STALE_MS = 120_000;
  for (;;) {
    try {
      await mkdir(path);
      return () => rm(path, { recursive: true, force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const since = await stat(path).then(
        (s) => Date.now() - s.mtimeMs,
        () => 0,
      );
      if (since > STALE_MS) await rm(path, { recursive: true, force: true });
      // Wait for the other build to finish: it removes the folder.
      else await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

async function readManifest(): Promise<PackageJson> {
  return JSON.parse(await readFile(join(PACKAGE_DIR, 'package.json'), 'utf8')) as PackageJson;
}

function nodeSets(pkg: PackageJson): string[] {
  return Object.entries(pkg['node-red'].nodes).map(([set, file]) => {
    const match = NODE_FILE.exec(file);
    if (!match || match[1] !== set) {
      throw new Error(`package.json node-red.nodes.${set}: expected "dist/nodes/${set}.js", found ${file}`);
    }
    return set;
  });
}

async function writeNodes(sets: string[], nodesDir: string): Promise<void> {
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
}
