import { Router } from 'express';
import type { Logger } from 'pino';
import { ProblemError } from '../http/problems.js';
import { message } from '../i18n/message.js';
import { type WebAssets, webAssets } from './bundle.js';

/**
 * Strict: scripts and styles only from the cloud itself (no inline code, no CDN), requests only
 * to it, no framing. Camera snapshots are gateway references shown as text, never loaded. Fonts
 * from the cloud or a data: URL in its own style sheet (Vant's icon font ships that way); the
 * service worker and the web app manifest from the cloud.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "worker-src 'self'",
  "manifest-src 'self'",
  "form-action 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** The policy with the map tiles' origin allowed as images, when the configuration names a tile server. */
export function contentSecurityPolicy(mapTileUrl?: string): string {
  if (!mapTileUrl) return CONTENT_SECURITY_POLICY;
  const origin = new URL(mapTileUrl.replace(/\{[a-z]+\}/g, '0')).origin;
  return CONTENT_SECURITY_POLICY.replace("img-src 'self' data:", `img-src 'self' data: ${origin}`);
}

/** The `web` section of the configuration, as the pages need it. */
export interface WebPagesOptions {
  /** Tile URL template ({z}/{x}/{y}); unset, maps draw the territory's areas on a plain background. */
  mapTileUrl?: string;
  mapAttribution?: string;
}

const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
};

/**
 * The web pages for dispatchers, property managers and grid workers: `GET /` (the page shell), its
 * script, style sheets and lazy chunks under `/assets/`, and the phone pages' PWA files (`/sw.js`,
 * `/manifest.webmanifest`, `/icon.svg`). The pages hold no data and no secrets; everything comes
 * from `/api/v1` with the signed-in user's session, which the API checks on every call.
 */
export function webPages(logger: Logger, options: WebPagesOptions = {}): Router {
  const router = Router();
  const headers = { ...SECURITY_HEADERS, 'content-security-policy': contentSecurityPolicy(options.mapTileUrl) };
  // What the pages read at start besides their code: the map tiles, if any (no secret in it).
  const settings = JSON.stringify({
    map: { tile_url: options.mapTileUrl ?? null, attribution: options.mapAttribution ?? '' },
  });
  router.get('/web-config.json', (_req, res) => {
    res.set(headers).set('cache-control', 'no-cache').type('application/json').send(settings);
  });
  // Built (or read from the build cache) as the cloud starts, so the first page view does not wait.
  webAssets().catch((err: unknown) => logger.error({ err }, 'the web pages could not be built'));

  router.get(/^\/(assets\/[\w.-]+|sw\.js|manifest\.webmanifest|icon\.svg)?$/, async (req, res, next) => {
    let assets: WebAssets;
    try {
      assets = await webAssets();
    } catch (err) {
      const problem = new ProblemError('GL_INTERNAL', message('web.not_built'));
      problem.cause = err;
      next(problem);
      return;
    }
    const file = assets.files.get(req.path);
    if (!file) {
      next();
      return;
    }
    // The HTML is never cached (it names the current script); fixed names are revalidated, hashed
    // names are kept for good.
    const cache = file.type.startsWith('text/html')
      ? 'no-store'
      : file.immutable
        ? 'public, max-age=31536000, immutable'
        : 'no-cache';
    res.set(headers).set('cache-control', cache).set('vary', 'accept-encoding').type(file.type);
    if (file.gzip && req.acceptsEncodings('gzip') === 'gzip') res.set('content-encoding', 'gzip').send(file.gzip);
    else res.send(file.body);
  });
  return router;
}
