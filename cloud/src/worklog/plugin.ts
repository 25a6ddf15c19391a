import type { HttpPlugin } from '../http/plugin.js';
import { WORKLOG_PATHS, WORKLOG_SCHEMAS } from './openapi.js';
import { type WorklogRoutesContext, worklogRoutes } from './routes.js';

/** The work log 民情日志: grid workers' visits and conversations, searched by them and their supervisors. */
export const worklogPlugin: HttpPlugin<WorklogRoutesContext> = {
  name: 'worklog',
  routes: (ctx) => worklogRoutes(ctx),
  openapi: { paths: WORKLOG_PATHS, schemas: WORKLOG_SCHEMAS },
};
