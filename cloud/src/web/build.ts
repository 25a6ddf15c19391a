import { copyFile, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import vue from '@vitejs/plugin-vue';
import { build as esbuild } from 'esbuild';
import { ElementPlusResolver, VantResolver } from 'unplugin-vue-components/resolvers';
import Components from 'unplugin-vue-components/vite';
import { build, type Rolldown } from 'vite';
import { BROWSER_TARGETS, WEB_DIR } from './bundle.js';

/**
 * Vant's icon font ships as a data: URL with fallbacks on a CDN that every browser the pages
 * support never needs (they all read woff2): the fallbacks are cut, so nothing names another host.
 */
const noRemoteFonts = {
  name: 'gridlink-no-remote-fonts',
  enforce: 'pre' as const,
  transform(code: string, id: string) {
    if (!id.split('?')[0]?.endsWith('.css')) return undefined;
    const cut = code.replace(/,\s*url\(\s*["']?(https?:)?\/\/[^)]*\)\s*format\([^)]*\)/g, '');
    return cut === code ? undefined : { code: cut, map: null };
  },
};

/**
 * Builds the pages into `outDir`: Vue single-file components compiled ahead of time (the runtime
 * needs no `eval`, so `script-src 'self'` holds), Vant and Element Plus imported per component
 * with their CSS as files (`style-src 'self'`), ECharts and Leaflet in chunks of their own loaded
 * only by the pages that draw a chart or a map. The entry keeps fixed names (`assets/app.js`,
 * `assets/app.css`) that the HTML shell names; every other file carries a content hash.
 */
export async function buildWeb(outDir: string): Promise<void> {
  const output = await build({
    root: WEB_DIR,
    configFile: false,
    envDir: false,
    publicDir: false,
    logLevel: 'warn',
    mode: 'production',
    base: '/',
    plugins: [
      noRemoteFonts,
      vue(),
      Components({
        dirs: [],
        dts: false,
        resolvers: [VantResolver(), ElementPlusResolver({ importStyle: 'css' })],
      }),
    ],
    define: {
      'process.env.NODE_ENV': '"production"',
      __VUE_PROD_DEVTOOLS__: 'false',
      __VUE_PROD_HYDRATION_MISMATCH_DETAILS__: 'false',
    },
    build: {
      outDir,
      emptyOutDir: true,
      target: BROWSER_TARGETS,
      minify: true,
      cssCodeSplit: true,
      reportCompressedSize: false,
      chunkSizeWarningLimit: 2048,
      // The polyfill is an inline script in Vite's HTML; this shell is not Vite's.
      modulePreload: { polyfill: false },
      rolldownOptions: {
        input: { app: join(WEB_DIR, 'src/main.ts') },
        output: {
          entryFileNames: 'assets/app.js',
          chunkFileNames: 'assets/[name]-[hash].js',
          assetFileNames: (info) =>
            info.names.includes('app.css') ? 'assets/app.css' : 'assets/[name]-[hash][extname]',
        },
      },
    },
  });
  const results = (Array.isArray(output) ? output : [output]) as Rolldown.RolldownOutput[];
  const emitted = results.flatMap((result) => result.output.map((file) => `/${file.fileName}`));
  // The service worker precaches the shell the phone pages need offline: the entry and what it imports.
  const shell = ['/', '/assets/app.js', '/assets/app.css', '/manifest.webmanifest', '/icon.svg'];
  const entry = results.flatMap((result) => result.output).find((file) => file.fileName === 'assets/app.js');
  if (entry?.type === 'chunk') {
    shell.push(...entry.imports.map((name) => `/${name}`));
    shell.push(...[...(entry.viteMetadata?.importedCss ?? [])].map((name) => `/${name}`));
  }
  const version = (await readFile(join(outDir, 'assets/app.js'))).length.toString(36) + Date.now().toString(36);
  await esbuild({
    entryPoints: [join(WEB_DIR, 'worker/service-worker.ts')],
    bundle: true,
    format: 'iife',
    target: BROWSER_TARGETS,
    minify: true,
    legalComments: 'none',
    outfile: join(outDir, 'sw.js'),
    logLevel: 'silent',
    define: {
      __SHELL_FILES__: JSON.stringify([...new Set(shell)].filter((file) => file === '/' || !file.endsWith('.html'))),
      __SHELL_VERSION__: JSON.stringify(version),
    },
  });
  for (const name of await readdir(join(WEB_DIR, 'public'))) {
    await copyFile(join(WEB_DIR, 'public', name), join(outDir, name));
  }
  await writeFile(join(outDir, 'index.html'), await readFile(join(WEB_DIR, 'index.html')));
  if (!emitted.includes('/assets/app.css')) throw new Error('the web build produced no assets/app.css');
}
