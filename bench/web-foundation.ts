/**
 * The evidence for the web foundation (README, "Web pages"): the same small page — a sign-in form
 * and a list of 20 incidents — built with each candidate (Vue 3 + Vant, Vue 3 + Element Plus,
 * Preact, Lit; sources in `bench/web-foundation/`), and Gridlink's own build. For each it prints
 * the size the browser downloads (minified, and gzip-compressed as the cloud serves it) and the
 * first render in Chromium on a phone profile: 390×844, CPU slowed 4× (CDP
 * `Emulation.setCPUThrottlingRate`), and again with a slow 4G link (150 ms, 1.6 Mbit/s down).
 * First render is the time from navigation start to the list (or the sign-in form) on screen,
 * the median of 5 cold loads.
 *
 *   npm run bench web-foundation        (needs Chromium: GRIDLINK_CHROMIUM, default /usr/bin/chromium)
 */
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import vue from '@vitejs/plugin-vue';
import { chromium } from 'playwright-core';
import { ElementPlusResolver, VantResolver } from 'unplugin-vue-components/resolvers';
import Components from 'unplugin-vue-components/vite';
import { build, type PluginOption } from 'vite';
import { buildWeb } from '../cloud/src/web/build.js';

const HERE = fileURLToPath(new URL('./web-foundation/', import.meta.url));
const CHROMIUM = process.env.GRIDLINK_CHROMIUM ?? '/usr/bin/chromium';
const RUNS = 5;

interface Candidate {
  name: string;
  /** Source folder under `web-foundation/`, or the Gridlink build. */
  dir?: string;
  plugins?: PluginOption[];
  /** What shows the page is up: a `performance.mark('rendered')`, or a selector appearing. */
  ready: { mark: string } | { selector: string };
}

const CANDIDATES: Candidate[] = [
  {
    name: 'Vue 3 + Vant 4 (phone)',
    dir: 'vue-vant',
    plugins: [vue(), Components({ dirs: [], dts: false, resolvers: [VantResolver()] })],
    ready: { mark: 'rendered' },
  },
  {
    name: 'Vue 3 + Element Plus (desktop)',
    dir: 'vue-element-plus',
    plugins: [vue(), Components({ dirs: [], dts: false, resolvers: [ElementPlusResolver({ importStyle: 'css' })] })],
    ready: { mark: 'rendered' },
  },
  { name: 'Preact 10 (no component kit)', dir: 'preact', ready: { mark: 'rendered' } },
  { name: 'Lit 3 (no component kit)', dir: 'lit', ready: { mark: 'rendered' } },
  { name: 'Gridlink pages (sign-in, phone entry)', ready: { selector: 'form.login' } },
];

interface Sizes {
  files: number;
  minJs: number;
  minCss: number;
  gzJs: number;
  gzCss: number;
}

async function filesOf(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

/** The bytes of `files` (paths under `dir`), minified and gzip-compressed. */
async function sizesOf(paths: string[]): Promise<Sizes> {
  const sizes: Sizes = { files: 0, minJs: 0, minCss: 0, gzJs: 0, gzCss: 0 };
  for (const path of paths) {
    const body = await readFile(path);
    const gz = gzipSync(body, { level: 9 }).length;
    if (path.endsWith('.js')) {
      sizes.minJs += body.length;
      sizes.gzJs += gz;
    } else if (path.endsWith('.css')) {
      sizes.minCss += body.length;
      sizes.gzCss += gz;
    } else continue;
    sizes.files++;
  }
  return sizes;
}

async function buildCandidate(candidate: Candidate, outDir: string): Promise<void> {
  if (!candidate.dir) {
    await buildWeb(outDir);
    return;
  }
  const root = join(HERE, candidate.dir);
  await build({
    root,
    configFile: false,
    envDir: false,
    publicDir: false,
    logLevel: 'error',
    mode: 'production',
    plugins: candidate.plugins ?? [],
    define: { 'process.env.NODE_ENV': '"production"', __VUE_PROD_DEVTOOLS__: 'false' },
    build: {
      outDir,
      emptyOutDir: true,
      target: ['chrome90', 'safari15'],
      modulePreload: { polyfill: false },
      reportCompressedSize: false,
      rolldownOptions: {
        input: { app: join(root, 'main.js') },
        output: { entryFileNames: 'assets/app.js', assetFileNames: 'assets/app[extname]' },
      },
    },
  });
  const css = existsSync(join(outDir, 'assets/app.css')) ? '<link rel="stylesheet" href="/assets/app.css" />' : '';
  await writeFile(
    join(outDir, 'index.html'),
    `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8" /><meta name="viewport" content="width=device-width, initial-scale=1" />${css}<script type="module" src="/assets/app.js"></script></head><body><div id="app"></div></body></html>`,
  );
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.svg': 'image/svg+xml',
  '.webmanifest': 'application/manifest+json',
};

/** Serves `dir` gzip-compressed, as the cloud serves its pages. */
async function serve(dir: string): Promise<Server> {
  const server = createServer(async (req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const file = join(dir, path === '/' ? 'index.html' : path);
    if (!file.startsWith(dir) || !existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    const body = gzipSync(await readFile(file));
    res
      .writeHead(200, {
        'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
        'content-encoding': 'gzip',
        'cache-control': 'no-store',
      })
      .end(body);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return server;
}

async function firstRender(url: string, ready: Candidate['ready'], slowNetwork: boolean): Promise<number[]> {
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
  const times: number[] = [];
  try {
    for (let run = 0; run < RUNS; run++) {
      const context = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 3 });
      const page = await context.newPage();
      const cdp = await context.newCDPSession(page);
      await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });
      if (slowNetwork) {
        await cdp.send('Network.enable');
        await cdp.send('Network.emulateNetworkConditions', {
          offline: false,
          latency: 150,
          downloadThroughput: (1.6 * 1024 * 1024) / 8,
          uploadThroughput: (750 * 1024) / 8,
        });
      }
      if ('selector' in ready) {
        // The moment the selector's element is in the DOM, then painted (the next frame).
        await page.addInitScript(`new MutationObserver((_, observer) => {
          if (document.querySelector(${JSON.stringify(ready.selector)})) {
            observer.disconnect();
            requestAnimationFrame(() => performance.mark('rendered'));
          }
        }).observe(document, { childList: true, subtree: true });`);
      }
      await page.goto(url);
      await page.waitForFunction(() => performance.getEntriesByName('rendered').length > 0, undefined, {
        timeout: 60_000,
      });
      times.push(await page.evaluate(() => performance.getEntriesByName('rendered')[0]?.startTime ?? Number.NaN));
      await context.close();
    }
  } finally {
    await browser.close();
  }
  return times;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;
const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)}`;

async function main() {
  if (!existsSync(CHROMIUM)) {
    console.log(`skipped: no Chromium at ${CHROMIUM} (apt-get install chromium)`);
    return;
  }
  const work = join(tmpdir(), `gridlink-web-bench-${process.pid}`);
  await mkdir(work, { recursive: true });
  const rows: string[][] = [];
  let gridlinkDir = '';
  try {
    for (const candidate of CANDIDATES) {
      const outDir = join(work, candidate.dir ?? 'gridlink');
      await buildCandidate(candidate, outDir);
      if (!candidate.dir) gridlinkDir = outDir;
      // What the first page loads: for Gridlink the entry and the chunks it imports, not the lazy ones.
      const loaded = candidate.dir
        ? await filesOf(join(outDir, 'assets'))
        : [join(outDir, 'assets/app.js'), join(outDir, 'assets/app.css')];
      const sizes = await sizesOf(loaded);
      const server = await serve(outDir);
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
      try {
        const cpu = median(await firstRender(url, candidate.ready, false));
        const slow = median(await firstRender(url, candidate.ready, true));
        rows.push([
          candidate.name,
          `${kb(sizes.minJs)} / ${kb(sizes.gzJs)}`,
          `${kb(sizes.minCss)} / ${kb(sizes.gzCss)}`,
          kb(sizes.gzJs + sizes.gzCss),
          cpu.toFixed(0),
          slow.toFixed(0),
        ]);
      } finally {
        server.close();
      }
    }
    console.log(`First render: median of ${RUNS} cold loads at 390×844, CPU 4× slower; sizes in KiB.\n`);
    console.log(
      '| foundation | JS min / gzip | CSS min / gzip | total gzip | first render, CPU 4× (ms) | + slow 4G (ms) |',
    );
    console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
    for (const row of rows) console.log(`| ${row.join(' | ')} |`);

    // Gridlink's chunks: what each kind of page adds to the entry.
    console.log('\nGridlink chunks (KiB, min / gzip), loaded only by the pages that need them:\n');
    console.log('| chunk | JS | CSS |');
    console.log('| --- | ---: | ---: |');
    const assets = await filesOf(join(gridlinkDir, 'assets'));
    const groups = new Map<string, string[]>();
    for (const path of assets) {
      const name =
        path
          .split('/')
          .at(-1)
          ?.replace(/-[A-Za-z0-9_-]{8}(?=\.)/, '') ?? path;
      const key = name.replace(/\.(js|css)$/, '');
      groups.set(key, [...(groups.get(key) ?? []), path]);
    }
    for (const [name, paths] of [...groups].sort()) {
      const sizes = await sizesOf(paths);
      console.log(
        `| ${name} | ${kb(sizes.minJs)} / ${kb(sizes.gzJs)} | ${sizes.minCss ? `${kb(sizes.minCss)} / ${kb(sizes.gzCss)}` : '—'} |`,
      );
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

await main();
