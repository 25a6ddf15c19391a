import { type NextFunction, type Request, type Response, Router } from 'express';
import type { Logger } from 'pino';
import { ProblemError } from '../http/problems.js';
import { type WebAssets, webAssets } from './bundle.js';

/**
 * Strict: scripts and styles only from the cloud itself (no inline code, no CDN), requests only
 * to it, no framing. Camera snapshots are gateway references shown as text, never loaded.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "form-action 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

const SECURITY_HEADERS = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
};

/**
 * The web pages for dispatchers, property managers and grid workers: `GET /` (the page shell),
 * `/assets/app.js` and `/assets/app.css`. The pages hold no data and no secrets; everything comes
 * from `/api/v1` with the signed-in user's session, which the API checks on every call.
 */
export function webPages(logger: Logger): Router {
  const router = Router();
  // Bundled as the cloud starts, so the first page view does not wait for it.
  webAssets().catch((err: unknown) => logger.error({ err }, 'the web pages could not be bundled'));

  const serve =
    (type: string, pick: (assets: WebAssets) => string) => async (_req: Request, res: Response, next: NextFunction) => {
      let assets: WebAssets;
      try {
        assets = await webAssets();
      } catch (err) {
        const problem = new ProblemError('GL_INTERNAL', 'the web pages could not be bundled; the error is in the log');
        problem.cause = err;
        next(problem);
        return;
      }
      // The HTML is never cached (it names the current script); the assets are revalidated.
      res
        .set(SECURITY_HEADERS)
        .set('cache-control', type.startsWith('text/html') ? 'no-store' : 'no-cache')
        .type(type)
        .send(pick(assets));
    };

  router.get(
    '/',
    serve('text/html; charset=utf-8', (assets) => assets.html),
  );
  router.get(
    '/assets/app.js',
    serve('text/javascript; charset=utf-8', (assets) => assets.script),
  );
  router.get(
    '/assets/app.css',
    serve('text/css; charset=utf-8', (assets) => assets.style),
  );
  return router;
}
