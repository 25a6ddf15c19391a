import type { Logger } from 'pino';
import type { HttpPlugin } from '../http/plugin.js';
import { type WebPagesOptions, webPages } from './pages.js';

/** The web pages (cloud/web), served by the cloud itself at the root. */
export const webPlugin: HttpPlugin<{ logger: Logger; web?: WebPagesOptions }> = {
  name: 'web',
  mount: 'root',
  routes: ({ logger, web }) => webPages(logger.child({ module: 'web' }), web),
};
