import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, extname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

/** `cloud/web/`, from both `src/web` (tsx on sources) and `dist/web` (the built cloud). */
export const WEB_DIR = fileURLToPath(new URL('../../web/', import.meta.url));

/** One file the cloud serves, by its URL path (`/`, `/assets/app.js`, `/sw.js`…). */
export interface WebFile {
  body: Buffer;
  /** The body gzip-compressed, for text files (scripts are a third of their size compressed). */
  gzip?: Buffer;
  type: string;
  /** A content-hashed name: browsers may keep it for good. */
  immutable: boolean;
}

/** The pages' files as they are served: the HTML shell, the entry script and style sheet, lazy chunks. */
export interface WebAssets {
  files: Map<string, WebFile>;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.webmanifest': 'application/manifest+json; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.ttf': 'font/ttf',
};

/** Browsers the district offices and grid workers' phones run (Chromium 90+, Safari 15+). */
export const BROWSER_TARGETS = ['chrome90', 'safari15', 'firefox90'];

let assets: Promise<WebAssets> | undefined;

/**
 * The web pages (Vue components under `web/src/`) built with Vite, once per process, and kept on
 * disk under `node_modules/.cache/gridlink-web/<hash of the sources and the lockfile>`: the cloud
 * serves pages with no separate build step, and a restart or a test run reuses the last build.
 */
export function webAssets(): Promise<WebAssets> {
  assets ??= cachedBuild().catch((err: unknown) => {
    assets = undefined;
    throw err;
  });
  return assets;
}

const require = createRequire(import.meta.url);

/** `node_modules/.cache/gridlink-web` next to the Vite the cloud runs with, or `GRIDLINK_WEB_CACHE`. */
function cacheRoot(): string {
  if (process.env.GRIDLINK_WEB_CACHE) return process.env.GRIDLINK_WEB_CACHE;
  const vite = dirname(require.resolve('vite/package.json'));
  return join(vite, '..', '.cache', 'gridlink-web');
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name))
    .sort();
}

/** What the build depends on: every file under `web/`, the lockfile (library versions) and this file. */
async function sourceHash(): Promise<string> {
  const hash = createHash('sha256');
  for (const file of await filesUnder(WEB_DIR)) {
    hash.update(relative(WEB_DIR, file).split(sep).join('/')).update('\0');
    hash.update(await readFile(file)).update('\0');
  }
  const here = fileURLToPath(import.meta.url);
  const build = join(dirname(here), `build${extname(here)}`);
  for (const extra of [join(WEB_DIR, '..', '..', 'package-lock.json'), here, build]) {
    if (existsSync(extra)) hash.update(await readFile(extra));
  }
  return hash.digest('hex').slice(0, 16);
}

/** The pages from the build cache under `root`, built into it first when the sources are new there. */
export async function cachedBuild(root = cacheRoot()): Promise<WebAssets> {
  const dir = join(root, await sourceHash());
  if (!existsSync(join(dir, 'index.html'))) {
    // Built aside and renamed into place: a process reading the cache never sees half a build, and
    // of two processes building at once one rename wins and the other's copy is thrown away.
    const temporary = join(root, `.build-${process.pid}-${randomBytes(4).toString('hex')}`);
    await mkdir(root, { recursive: true });
    try {
      await buildInChild(temporary);
      await rename(temporary, dir).catch(async (err: NodeJS.ErrnoException) => {
        if (!existsSync(join(dir, 'index.html'))) throw err;
      });
    } finally {
      await rm(temporary, { recursive: true, force: true });
    }
    await pruneOldBuilds(root, dir);
  }
  return readBuild(dir);
}

/** Builds of earlier sources are read once by the processes that started with them, then not needed. */
const KEEP_OLD_BUILDS_MS = 10 * 60_000;

async function pruneOldBuilds(root: string, current: string): Promise<void> {
  for (const entry of await readdir(root, { withFileTypes: true })) {
    const path = join(root, entry.name);
    if (!entry.isDirectory() || path === current) continue;
    const age = Date.now() - (await stat(path)).mtimeMs;
    if (age > KEEP_OLD_BUILDS_MS) await rm(path, { recursive: true, force: true }).catch(() => undefined);
  }
}

/** Variables that would make the build think it renders on a server (a test runner sets some). */
const SERVER_SIDE = /^(SSR|SSG|VITE_SSR|VITE_SSG|VITEST.*|NODE_OPTIONS)$/;

/**
 * Vite runs in a process of its own: the cloud does not keep the bundler in memory once the pages
 * are built, and the build sees a plain environment whatever process started the cloud (a test
 * runner's `SSR` would make the component resolvers skip the libraries' style sheets).
 */
async function buildInChild(outDir: string): Promise<void> {
  const here = fileURLToPath(import.meta.url);
  const script = join(dirname(here), `build-cli${extname(here)}`);
  // On the sources (tsx) the build script is TypeScript too.
  const args = script.endsWith('.ts') ? ['--import', 'tsx', script, outDir] : [script, outDir];
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !SERVER_SIDE.test(name)));
  await new Promise<void>((resolve, reject) => {
    execFile(process.execPath, args, { cwd: WEB_DIR, env, maxBuffer: 16 * 1024 * 1024 }, (err, _stdout, stderr) => {
      if (err) reject(new Error(`the web build failed: ${stderr.trim() || err.message}`));
      else resolve();
    });
  });
}

async function readBuild(dir: string): Promise<WebAssets> {
  const files = new Map<string, WebFile>();
  for (const file of await filesUnder(dir)) {
    if (!(await stat(file)).isFile()) continue;
    const path = `/${relative(dir, file).split(sep).join('/')}`;
    const extension = /\.[a-z0-9]+$/.exec(path)?.[0] ?? '';
    const body = await readFile(file);
    const url = path === '/index.html' ? '/' : path;
    const type = TYPES[extension] ?? 'application/octet-stream';
    files.set(url, {
      body,
      ...(/^(text\/|application\/(json|manifest)|image\/svg)/.test(type) ? { gzip: gzipSync(body, { level: 9 }) } : {}),
      type,
      immutable: /-[A-Za-z0-9_-]{8}\.[a-z0-9]+$/.test(path),
    });
  }
  return { files };
}
