import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, extname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

/** `gateway/web/`, from both `src/console` (tsx on sources) and `dist/console` (the built gateway). */
export const CONSOLE_WEB_DIR = fileURLToPath(new URL('../../web/', import.meta.url));

/** Browsers an installer's laptop runs. */
export const CONSOLE_BROWSER_TARGETS = ['chrome90', 'safari15', 'firefox90'];

interface WebFile {
  body: Buffer;
  gzip?: Buffer;
  type: string;
  immutable: boolean;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.ttf': 'font/ttf',
};

let assets: Promise<Map<string, WebFile>> | undefined;

/**
 * The console's pages (Vue components under `gateway/web/src/`) built with Vite once per source
 * hash and kept under `node_modules/.cache/gridlink-console/<hash>`, as the cloud keeps its own:
 * the gateway serves pages without a separate build step, and a restart reuses the last build.
 */
export function consoleAssets(): Promise<Map<string, WebFile>> {
  assets ??= cachedBuild().catch((err: unknown) => {
    assets = undefined;
    throw err;
  });
  return assets;
}

const require = createRequire(import.meta.url);

function cacheRoot(): string {
  if (process.env.GRIDLINK_CONSOLE_CACHE) return process.env.GRIDLINK_CONSOLE_CACHE;
  return join(dirname(require.resolve('vite/package.json')), '..', '.cache', 'gridlink-console');
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name))
    .sort();
}

async function sourceHash(): Promise<string> {
  const hash = createHash('sha256');
  for (const file of await filesUnder(CONSOLE_WEB_DIR)) {
    hash.update(relative(CONSOLE_WEB_DIR, file).split(sep).join('/')).update('\0');
    hash.update(await readFile(file)).update('\0');
  }
  const here = fileURLToPath(import.meta.url);
  const build = join(dirname(here), `web-build${extname(here)}`);
  for (const extra of [join(CONSOLE_WEB_DIR, '..', '..', 'package-lock.json'), here, build]) {
    if (existsSync(extra)) hash.update(await readFile(extra));
  }
  return hash.digest('hex').slice(0, 16);
}

async function cachedBuild(root = cacheRoot()): Promise<Map<string, WebFile>> {
  const dir = join(root, await sourceHash());
  if (!existsSync(join(dir, 'index.html'))) {
    // Built aside and renamed into place: a reader never sees half a build.
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
  }
  return readBuild(dir);
}

/** Variables that would make the build think it renders on a server (a test runner sets some). */
const SERVER_SIDE = /^(SSR|SSG|VITE_SSR|VITE_SSG|VITEST.*|NODE_OPTIONS)$/;

/** Vite runs in a child process: the gateway never keeps the bundler in memory. */
async function buildInChild(outDir: string): Promise<void> {
  const here = fileURLToPath(import.meta.url);
  const script = join(dirname(here), `web-build-cli${extname(here)}`);
  const args = script.endsWith('.ts') ? ['--import', 'tsx', script, outDir] : [script, outDir];
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !SERVER_SIDE.test(name)));
  await new Promise<void>((resolve, reject) => {
    execFile(
      process.execPath,
      args,
      { cwd: CONSOLE_WEB_DIR, env, maxBuffer: 16 * 1024 * 1024 },
      (err, _stdout, stderr) => {
        if (err) reject(new Error(`the console build failed: ${stderr.trim() || err.message}`));
        else resolve();
      },
    );
  });
}

async function readBuild(dir: string): Promise<Map<string, WebFile>> {
  const files = new Map<string, WebFile>();
  for (const file of await filesUnder(dir)) {
    const path = `/${relative(dir, file).split(sep).join('/')}`;
    const type = TYPES[/\.[a-z0-9]+$/.exec(path)?.[0] ?? ''] ?? 'application/octet-stream';
    const body = await readFile(file);
    files.set(path === '/index.html' ? '/' : path, {
      body,
      ...(/^(text\/|image\/svg)/.test(type) ? { gzip: gzipSync(body, { level: 9 }) } : {}),
      type,
      immutable: /-[A-Za-z0-9_-]{8}\.[a-z0-9]+$/.test(path),
    });
  }
  return files;
}

/** Scripts and styles only from the gateway (no inline code, no CDN: the guard room has no internet). */
export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "form-action 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

const SECURITY_HEADERS = {
  'content-security-policy': CONSOLE_CSP,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
};

const OPERATIONS_PATH = /^\/(?:api\/|healthz$|readyz$|metrics$)/;

/**
 * The console's page shell and its code: `GET /` (and the pages' own paths, which the shell
 * routes), `/assets/*`. They hold no data; everything comes from `/api/console/` with a session.
 */
export async function serveConsolePage(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
  const path = (req.url ?? '/').split('?')[0] ?? '/';
  // A page's own path (`/devices/door-b1-01`): the shell, which routes it. No dot in it, so an
  // asset or a typo'd file name is a 404, not a page; the operations endpoints stay theirs.
  const page = /^\/(?:[a-z][a-z-]*(?:\/[^/.]+)*)?$/.test(path) && !OPERATIONS_PATH.test(path);
  if (!page && !/^\/assets\/[\w.-]+$/.test(path)) return false;
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  let files: Map<string, WebFile>;
  try {
    files = await consoleAssets();
  } catch {
    res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8', ...SECURITY_HEADERS });
    res.end('控制台页面未能构建，详见网关日志。The console pages could not be built; see the gateway log.');
    return true;
  }
  const file = files.get(page ? '/' : path);
  if (!file) return false;
  const cache = file.type.startsWith('text/html')
    ? 'no-store'
    : file.immutable
      ? 'public, max-age=31536000, immutable'
      : 'no-cache';
  const gzip = file.gzip && /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
  res.writeHead(200, {
    ...SECURITY_HEADERS,
    'content-type': file.type,
    'cache-control': cache,
    vary: 'accept-encoding',
    ...(gzip ? { 'content-encoding': 'gzip' } : {}),
  });
  res.end(req.method === 'HEAD' ? undefined : gzip ? file.gzip : file.body);
  return true;
}
