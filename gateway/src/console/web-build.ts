import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import vue from '@vitejs/plugin-vue';
import { ElementPlusResolver } from 'unplugin-vue-components/resolvers';
import Components from 'unplugin-vue-components/vite';
import { build } from 'vite';
import { CONSOLE_BROWSER_TARGETS, CONSOLE_WEB_DIR } from './web-bundle.js';

/**
 * Builds the console into `outDir`: Vue components compiled ahead of time (no `eval`, so
 * `script-src 'self'` holds), Element Plus imported per component with its CSS as files. The entry
 * keeps fixed names (`assets/app.js`, `assets/app.css`) that the HTML shell names.
 */
export async function buildConsoleWeb(outDir: string): Promise<void> {
  await build({
    root: CONSOLE_WEB_DIR,
    configFile: false,
    envDir: false,
    publicDir: false,
    logLevel: 'warn',
    mode: 'production',
    base: '/',
    plugins: [vue(), Components({ dirs: [], dts: false, resolvers: [ElementPlusResolver({ importStyle: 'css' })] })],
    define: {
      'process.env.NODE_ENV': '"production"',
      __VUE_PROD_DEVTOOLS__: 'false',
      __VUE_PROD_HYDRATION_MISMATCH_DETAILS__: 'false',
    },
    build: {
      outDir,
      emptyOutDir: true,
      target: CONSOLE_BROWSER_TARGETS,
      minify: true,
      cssCodeSplit: false,
      reportCompressedSize: false,
      chunkSizeWarningLimit: 2048,
      modulePreload: { polyfill: false },
      rolldownOptions: {
        input: { app: join(CONSOLE_WEB_DIR, 'src/main.ts') },
        output: {
          entryFileNames: 'assets/app.js',
          chunkFileNames: 'assets/[name]-[hash].js',
          assetFileNames: (info) =>
            info.names.some((name) => name.endsWith('.css')) ? 'assets/app.css' : 'assets/[name]-[hash][extname]',
        },
      },
    },
  });
  await writeFile(join(outDir, 'index.html'), await readFile(join(CONSOLE_WEB_DIR, 'index.html')));
}
