import express, { type Request, type Response, Router } from 'express';
import { z } from 'zod';
import type { Clock } from '../../clock.js';
import type { Db } from '../../db/db.js';
import { BODY_LIMIT } from '../../http/body.js';
import { fromDatabase } from '../../http/database.js';
import { parseBody, parseQuery } from '../../http/field-errors.js';
import { ProblemError } from '../../http/problems.js';
import { message } from '../../i18n/message.js';
import { authenticateUser, principalOf } from '../../people/middleware.js';
import type { People } from '../../people/people.js';
import { administers, hasRole, type Principal } from '../../people/scope.js';
import { IMPORT_MAX_BYTES, TerritoryImports } from './imports.js';
import { TerritoryImportApply, TerritoryImportQuery } from './schemas.js';

const ImportId = z.strictObject({ id: z.uuid() });

/**
 * The territory import over HTTP: a district admin uploads a file (the raw body, up to
 * {@link IMPORT_MAX_BYTES}), reads its preview, and applies it. Only a district admin over the
 * file's root (so over every unit in it) may; everyone else is refused (403).
 */
export function territoryImportRoutes(db: Db, clock: Clock, people: People): Router {
  const router = Router();
  const imports = new TerritoryImports(db, clock);
  const auth = authenticateUser(people);
  const anyDistrictAdmin = (principal: Principal) => {
    if (!hasRole(principal, 'district_admin'))
      throw new ProblemError('GL_FORBIDDEN', message('territory_import.forbidden_any'));
  };
  const overRoot = (principal: Principal, root: string | null) => {
    if (root === null) return;
    if (!administers(principal, root))
      throw new ProblemError('GL_FORBIDDEN', message('territory_import.forbidden', { root }));
  };
  // A refusal thrown inside (the scope check on the file's root) is an answer, not a database failure.
  const fromDb = async <T>(work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (err) {
      if (err instanceof ProblemError) throw err;
      return fromDatabase(() => Promise.reject(err));
    }
  };
  const raw = express.raw({ type: () => true, limit: IMPORT_MAX_BYTES });

  router.post(
    '/territory/imports',
    auth,
    (_req: Request, res: Response, next) => {
      // Refused before the body is read: a grid worker's 60 MiB upload is not worth receiving.
      anyDistrictAdmin(principalOf(res));
      next();
    },
    raw,
    async (req: Request, res: Response) => {
      const principal = principalOf(res);
      const query = parseQuery(TerritoryImportQuery, req.query);
      const bytes: Uint8Array = Buffer.isBuffer(req.body) ? req.body : new Uint8Array();
      const preview = await fromDb(() =>
        imports.preview(
          { kind: query.kind, bytes, crs: query.crs, actor: { kind: 'user', userId: principal.userId } },
          (root) => overRoot(principal, root),
        ),
      );
      res.status(201).json(preview);
    },
  );

  router.get('/territory/imports/:id', auth, async (req: Request, res: Response) => {
    const principal = principalOf(res);
    anyDistrictAdmin(principal);
    const { id } = parseQuery(ImportId, req.params);
    const found = await fromDatabase(() => imports.get(id));
    if (found === undefined) throw new ProblemError('GL_NOT_FOUND', message('territory_import.not_found', { id }));
    overRoot(principal, found.root);
    res.json(found.preview);
  });

  // The body is optional (`valid_from` defaults to now): an empty POST applies as of now.
  const optionalJson = express.json({ limit: BODY_LIMIT });
  router.post('/territory/imports/:id/apply', auth, optionalJson, async (req: Request, res: Response) => {
    const principal = principalOf(res);
    anyDistrictAdmin(principal);
    const { id } = parseQuery(ImportId, req.params);
    const body = parseBody(TerritoryImportApply, req.body ?? {});
    const found = await fromDatabase(() => imports.get(id));
    if (found === undefined) throw new ProblemError('GL_NOT_FOUND', message('territory_import.not_found', { id }));
    overRoot(principal, found.root);
    const validFrom = body.valid_from === undefined ? clock() : new Date(body.valid_from);
    const applied = await fromDatabase(() => imports.apply(id, { kind: 'user', userId: principal.userId }, validFrom));
    res.json(applied);
  });
  return router;
}
