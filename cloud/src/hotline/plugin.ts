import type { HttpPlugin } from '../http/plugin.js';
import { HOTLINE_PATHS, HOTLINE_SCHEMAS } from './openapi.js';
import { type HotlineRoutesContext, hotlineRoutes } from './routes.js';

/** Hotline work orders (12345, 110 非警务, 信访): orders in, signed push-backs out. */
export const hotlinePlugin: HttpPlugin<HotlineRoutesContext> = {
  name: 'hotline',
  routes: (ctx) => hotlineRoutes(ctx),
  openapi: { paths: HOTLINE_PATHS, schemas: HOTLINE_SCHEMAS },
};
