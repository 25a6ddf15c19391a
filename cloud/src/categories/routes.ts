import { CategoryCode, parentCode } from '@gridlink/protocol';
import { type Request, type Response, Router } from 'express';
import type { Clock } from '../clock.js';
import type { Db } from '../db/db.js';
import { BODY_LIMIT, jsonBody } from '../http/body.js';
import { fromDatabase } from '../http/database.js';
import { parameterFieldErrors } from '../http/field-errors.js';
import { ProblemError } from '../http/problems.js';
import { message } from '../i18n/message.js';
import {
  authenticateCaller,
  callerOfResponse,
  parseBody,
  requireReader,
  requireTenantAdmin,
} from '../people/access.js';
import { writeAudit } from '../people/audit.js';
import { managerActor } from '../people/middleware.js';
import type { People } from '../people/people.js';
import { type CategoryCatalogue, CategoryError, type StoredCategory } from './catalogue.js';
import { Category, TimeLimitRule } from './schema.js';

/** A category as `PUT /categories/{code}` takes it: the code is the path's. */
export const CategoryBody = Category.omit({ code: true });

export interface CatalogueRoutesContext {
  db: Db;
  clock: Clock;
  people: People;
  adminToken: string;
  catalogue: CategoryCatalogue;
}

/**
 * Editing the category catalogue and its time limits (docs/domain.md §6, §4): `GET|PUT /categories/{code}`
 * (one category, inactive ones too), `GET|PUT /time-limits` and
 * `DELETE /time-limits/{category}/{severity}/{step}` (an override goes, the next rule applies). Every signed-in user reads them
 * (they fill report forms and show deadlines); tenant admins create and change them. Changes are
 * audited with what was there before; the incident engine, deadlines and dispatch read the tables
 * each time, so they count at once.
 */
export function catalogueRoutes(ctx: CatalogueRoutesContext): Router {
  const router = Router();
  const caller = authenticateCaller(ctx.people, ctx.adminToken);
  const { catalogue } = ctx;

  // The whole catalogue as administrators edit it, inactive categories and every field included.
  router.get(
    '/category-catalogue',
    caller,
    requireReader('categories', 'district_admin'),
    async (_req: Request, res: Response) => {
      res.json({ categories: await fromDatabase(() => catalogue.list()) });
    },
  );

  router.get('/categories/:code', caller, async (req: Request<{ code: string }>, res: Response) => {
    const category = await fromDatabase(() => catalogue.get(req.params.code));
    if (category === undefined)
      throw new ProblemError('GL_NOT_FOUND', message('category.unknown', { code: req.params.code }));
    res.json(category);
  });

  router.put(
    '/categories/:code',
    caller,
    requireTenantAdmin(ctx.db, 'categories'),
    jsonBody(BODY_LIMIT),
    async (req: Request<{ code: string }>, res: Response) => {
      const code = CategoryCode.safeParse(req.params.code);
      if (!code.success) {
        throw new ProblemError('GL_VALIDATION_FAILED', message('category.not_a_code', { code: req.params.code }), [
          { parameter: 'code', detail: message('category.code_form', { example: 'safety.fire_lane' }) },
        ]);
      }
      const body = parseBody(CategoryBody, req.body);
      const actor = managerActor(callerOfResponse(res));
      let created = false;
      let stored: StoredCategory;
      try {
        stored = await catalogue.upsert({ ...body, code: code.data }, (tx, before, after) => {
          created = before === undefined;
          return writeAudit(tx, {
            actor,
            action: created ? 'category.create' : 'category.update',
            target: `category:${code.data}`,
            at: ctx.clock(),
            details: { before: before ?? null, after },
          });
        });
      } catch (err) {
        if (err instanceof CategoryError && err.code === 'GL_CATEGORY_PARENT_MISSING') {
          const parent = parentCode(code.data);
          throw new ProblemError(
            'GL_VALIDATION_FAILED',
            message('category.parent_missing', { code: code.data, parent }),
            [{ parameter: 'code', detail: message('category.create_parent_first', { code: code.data, parent }) }],
          );
        }
        if (err instanceof CategoryError)
          throw new ProblemError('GL_VALIDATION_FAILED', message('category.not_a_code', { code: code.data }));
        return fromDatabase(() => Promise.reject(err));
      }
      res.status(created ? 201 : 200).json(stored);
    },
  );

  router.get('/time-limits', caller, async (_req: Request, res: Response) => {
    res.json({ time_limits: await fromDatabase(() => catalogue.limits()) });
  });

  router.put(
    '/time-limits',
    caller,
    requireTenantAdmin(ctx.db, 'time_limits'),
    jsonBody(BODY_LIMIT),
    async (req: Request, res: Response) => {
      const rule = parseBody(TimeLimitRule, req.body);
      const actor = managerActor(callerOfResponse(res));
      let created = false;
      try {
        await catalogue.setLimit(rule, (tx, before, after) => {
          created = before === undefined;
          return writeAudit(tx, {
            actor,
            action: 'time_limit.set',
            target: `time_limit:${rule.category}:${rule.severity}:${rule.step}`,
            at: ctx.clock(),
            details: { before: before ?? null, after },
          });
        });
      } catch (err) {
        if (err instanceof CategoryError) {
          throw new ProblemError('GL_VALIDATION_FAILED', message('category.absent', { code: rule.category }), [
            {
              pointer: '/category',
              detail: message('category.unknown_for_limit', {
                code: rule.category,
                route: `PUT /api/v1/categories/${rule.category}`,
              }),
            },
          ]);
        }
        return fromDatabase(() => Promise.reject(err));
      }
      res.status(created ? 201 : 200).json(rule);
    },
  );

  router.delete(
    '/time-limits/:category/:severity/:step',
    caller,
    requireTenantAdmin(ctx.db, 'time_limits'),
    async (req: Request<{ category: string; severity: string; step: string }>, res: Response) => {
      const parsed = TimeLimitRule.omit({ limit: true }).safeParse(req.params, { reportInput: true });
      if (!parsed.success) {
        throw new ProblemError(
          'GL_VALIDATION_FAILED',
          message('time_limit.path_invalid'),
          parameterFieldErrors(parsed.error.issues),
        );
      }
      const rule = parsed.data;
      if (rule.category === '*' && rule.severity === '*') {
        throw new ProblemError('GL_VALIDATION_FAILED', message('time_limit.default_kept', { step: rule.step }), [
          {
            parameter: 'category',
            detail: message('time_limit.default_how', { route: 'PUT /api/v1/time-limits' }),
          },
        ]);
      }
      const actor = managerActor(callerOfResponse(res));
      const removed = await fromDatabase(() =>
        catalogue.removeLimit(rule, (tx, before, after) =>
          writeAudit(tx, {
            actor,
            action: 'time_limit.remove',
            target: `time_limit:${rule.category}:${rule.severity}:${rule.step}`,
            at: ctx.clock(),
            details: { before, after },
          }),
        ),
      );
      if (!removed) {
        throw new ProblemError(
          'GL_NOT_FOUND',
          message('time_limit.unknown', { category: rule.category, severity: rule.severity, step: rule.step }),
        );
      }
      res.status(204).end();
    },
  );

  return router;
}
