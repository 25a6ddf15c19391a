import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/** `cloud/web/`, from both `src/web` (tsx on sources) and `dist/web` (the built cloud). */
export const WEB_DIR = fileURLToPath(new URL('../../web/', import.meta.url));

/** The pages' files as they are served: one HTML shell, one script, one style sheet. */
export interface WebAssets {
  html: string;
  script: string;
  style: string;
}

let assets: Promise<WebAssets> | undefined;

/**
 * Bundles the browser code (TypeScript under `web/src/`) with esbuild, once per process: the
 * cloud serves pages with no separate build step, whether it runs on its sources or from `dist/`.
 */
export function webAssets(): Promise<WebAssets> {
  assets ??= bundle();
  return assets;
}

async function bundle(): Promise<WebAssets> {
  const [result, html, style] = await Promise.all([
    build({
      entryPoints: [`${WEB_DIR}src/main.ts`],
      bundle: true,
      format: 'esm',
      // Browsers the district offices and grid workers' phones run (Chromium 90+, Safari 15+).
      target: ['chrome90', 'safari15', 'firefox90'],
      minify: true,
      legalComments: 'none',
      write: false,
      logLevel: 'silent',
      tsconfig: `${WEB_DIR}tsconfig.json`,
    }),
    readFile(`${WEB_DIR}index.html`, 'utf8'),
    readFile(`${WEB_DIR}app.css`, 'utf8'),
  ]);
  const script = result.outputFiles[0]?.text;
  if (script === undefined) throw new Error('esbuild produced no script for the web pages');
  return { html, script, style };
}
