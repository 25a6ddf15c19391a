import type { HttpPlugin } from '../http/plugin.js';
import { CALLBACK_PATHS } from './openapi.js';
import { type CallbackRoutesContext, callbackRoutes } from './routes.js';

/** The callback (回访): the agents' queue, the reporter's phone on demand, the verdict. */
export const callbackPlugin: HttpPlugin<CallbackRoutesContext> = {
  name: 'callback',
  routes: (ctx) => callbackRoutes(ctx),
  openapi: { paths: CALLBACK_PATHS },
};
