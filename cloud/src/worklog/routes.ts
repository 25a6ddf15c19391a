import express, { type NextFunction, type Request, type Response, Router } from 'express';
import { z } from 'zod';
import { AttachmentLinks } from '../attachments/links.js';
import { DEFAULT_ATTACHMENT_MAX_BYTES, safeAttachmentName, sniffMediaType } from '../attachments/media.js';
import type { Clock } from '../clock.js';
import type { Db } from '../db/db.js';
import { BODY_LIMIT, jsonBody } from '../http/body.js';
import { fromDatabase } from '../http/database.js';
import { parseBody, parseQuery } from '../http/field-errors.js';
import { ProblemError } from '../http/problems.js';
import { message } from '../i18n/message.js';
import { authenticateCaller, callerOfResponse, whyNotTenantAdmin } from '../people/access.js';
import { writeAudit } from '../people/audit.js';
import { authenticateUser, managerActor, principalOf, sessionIdOf } from '../people/middleware.js';
import type { People } from '../people/people.js';
import { GridCode } from '../people/roles.js';
import type { Principal } from '../people/scope.js';
import { ENTRY_KIND_CODES, ENTRY_KINDS } from './kinds.js';
import { reachOf, readsEntry, usesWorklog, type WorklogReach } from './reach.js';
import { EntryEdit, NewEntry, SearchQuery, WorklogSettings } from './schemas.js';
import { PersonalDataSeal } from './seal.js';
import { EDIT_WINDOW_MS, type EntryDetail, type EntryPhoto, entryTarget, WorklogStore } from './store.js';

/** Photos the work log takes: what a phone camera makes (documents go with incidents). */
const PHOTO_TYPES = ['image/jpeg', 'image/png', 'image/webp'] as const;

export interface WorklogRoutesContext {
  db: Db;
  clock: Clock;
  people: People;
  adminToken: string;
  /** Largest photo taken, as for incident attachments (`attachments.max_bytes`). */
  attachmentMaxBytes?: number;
}

/** What `GET /worklog/context` answers: what the caller's pages need before the first entry. */
export interface WorklogContext {
  kinds: { code: string; name: { zh: string; en: string } }[];
  /** The grids the caller writes entries in, with names. */
  grids: { code: string; name: string | null }[];
  /** Whether the caller reads other workers' entries (operators, admins, grid chiefs). */
  supervises: boolean;
  edit_window_hours: number;
  retention_days: number;
}

/** A photo with a link an `<img src>` may use for a few minutes. */
export type EntryPhotoLink = EntryPhoto & { url: string };

const PlacesQuery = z.strictObject({ grid: GridCode });
const PhotoQuery = z.strictObject({ name: z.string().min(1).max(256).optional() });
const PhotoId = z.uuid();

/**
 * The work log 民情日志 over HTTP: grid workers write entries in their grids (idempotent on the
 * phone's request id, editable for a day), read them back and search them; operators and district
 * admins over the grid and the grid's chief read and search them too. Everyone else is refused.
 * Who was met is masked everywhere but a reveal, which is audited.
 */
export function worklogRoutes(ctx: WorklogRoutesContext): Router {
  const { db, clock, people } = ctx;
  const router = Router();
  const store = new WorklogStore(db, clock, new PersonalDataSeal(ctx.adminToken));
  const links = new AttachmentLinks(`${ctx.adminToken}\ngridlink worklog photos`, clock);
  const maxBytes = ctx.attachmentMaxBytes ?? DEFAULT_ATTACHMENT_MAX_BYTES;
  const auth = authenticateUser(people);

  /** The caller's reach, or 403 when the work log is none of theirs. */
  const reachFor = async (principal: Principal): Promise<WorklogReach> => {
    const reach = await fromDatabase(() => reachOf(db, principal));
    if (!usesWorklog(reach)) throw new ProblemError('GL_FORBIDDEN', message('worklog.not_for_you'));
    return reach;
  };
  const notFound = (id: string) => new ProblemError('GL_NOT_FOUND', message('worklog.entry_unknown', { id }));
  const withLinks = (detail: EntryDetail, principal: Principal, res: Response) => {
    const holder = { userId: principal.userId, sessionId: sessionIdOf(res) };
    return {
      ...detail,
      photos: detail.photos.map(
        (photo): EntryPhotoLink => ({
          ...photo,
          url: `/api/v1/worklog/photos/${photo.id}?access=${links.sign(photo.id, holder)}`,
        }),
      ),
    };
  };

  router.get('/worklog/context', auth, async (_req: Request, res: Response) => {
    const reach = await reachFor(principalOf(res));
    const [names, settings] = await fromDatabase(() =>
      Promise.all([
        db.query<{ code: string; name_zh: string }>('SELECT code, name_zh FROM territory_units WHERE code = ANY($1)', [
          reach.ownGrids,
        ]),
        store.settings.get(),
      ]),
    );
    const nameOf = new Map(names.rows.map((row) => [row.code, row.name_zh]));
    const context: WorklogContext = {
      kinds: ENTRY_KIND_CODES.map((code) => ({ code, name: ENTRY_KINDS[code] })),
      grids: reach.ownGrids.map((code) => ({ code, name: nameOf.get(code) ?? null })),
      supervises: reach.territoryPrefixes.length + reach.chiefGrids.length > 0,
      edit_window_hours: EDIT_WINDOW_MS / 3600_000,
      retention_days: settings.retention_days,
    };
    res.json(context);
  });

  router.get('/worklog/places', auth, async (req: Request, res: Response) => {
    const reach = await reachFor(principalOf(res));
    const { grid } = parseQuery(PlacesQuery, req.query);
    if (!reach.ownGrids.includes(grid) && !readsEntry(reach, { author: { id: '' }, grid: { code: grid } }))
      throw new ProblemError('GL_FORBIDDEN', message('worklog.grid_not_yours', { grid }));
    res.json({ grid, places: await fromDatabase(() => store.places(grid)) });
  });

  const raw = express.raw({ type: () => true, limit: maxBytes });
  router.post(
    '/worklog/photos',
    auth,
    async (_req: Request, res: Response, next: NextFunction) => {
      const reach = await reachFor(principalOf(res));
      if (reach.ownGrids.length === 0) throw new ProblemError('GL_FORBIDDEN', message('worklog.writers_only'));
      next();
    },
    (req: Request, res: Response, next: NextFunction) =>
      raw(req, res, (err?: unknown) => {
        if ((err as { type?: string } | undefined)?.type === 'entity.too.large') {
          const mib = Math.round((maxBytes / 1024 / 1024) * 100) / 100;
          next(
            new ProblemError('GL_BODY_TOO_LARGE', message('attachment.too_large', { max: maxBytes, mib }), [
              { detail: message('attachment.at_most', { max: maxBytes }), pointer: '' },
            ]),
          );
          return;
        }
        next(err);
      }),
    async (req: Request, res: Response) => {
      const principal = principalOf(res);
      const { name } = parseQuery(PhotoQuery, req.query);
      const body = req.body as unknown;
      if (!(body instanceof Buffer) || body.byteLength === 0)
        throw new ProblemError('GL_VALIDATION_FAILED', message('attachment.empty'), [
          { detail: message('attachment.bytes'), pointer: '' },
        ]);
      const sniffed = sniffMediaType(body);
      const type = PHOTO_TYPES.find((accepted) => accepted === sniffed);
      if (type === undefined)
        throw new ProblemError('GL_UNSUPPORTED_MEDIA_TYPE', message('worklog.photo_type'), [
          { detail: message('expect.one_of', { values: [...PHOTO_TYPES] }), parameter: 'Content-Type' },
        ]);
      const photo = await fromDatabase(() =>
        store.addPhoto({
          mediaType: type,
          name: safeAttachmentName(name ?? 'photo', type),
          content: body,
          uploadedBy: principal.userId,
        }),
      );
      const holder = { userId: principal.userId, sessionId: sessionIdOf(res) };
      res.status(201).json({
        ...photo,
        url: `/api/v1/worklog/photos/${photo.id}?access=${links.sign(photo.id, holder)}`,
      } satisfies EntryPhotoLink);
    },
  );

  router.get('/worklog/photos/:id', async (req: Request<{ id: string }>, res: Response) => {
    const access = typeof req.query.access === 'string' ? req.query.access : '';
    const holder = PhotoId.safeParse(req.params.id).success ? links.verify(req.params.id, access) : undefined;
    // The link works while the session it was signed for is live: a logout ends it too.
    const principal =
      holder === undefined
        ? undefined
        : await fromDatabase(async () =>
            (await people.sessions.live(holder.sessionId, holder.userId))
              ? people.users.principal(holder.userId)
              : undefined,
          );
    if (!principal)
      throw new ProblemError('GL_UNAUTHENTICATED', message('attachment.link_expired'), undefined, {
        'www-authenticate': 'Bearer',
      });
    const found = await fromDatabase(() => store.readPhoto(req.params.id));
    const reach = await fromDatabase(() => reachOf(db, principal));
    const visible =
      found !== undefined &&
      (found.entry === null ? found.uploadedBy === principal.userId : readsEntry(reach, found.entry));
    if (!found || !visible)
      throw new ProblemError('GL_NOT_FOUND', message('worklog.photo_unknown', { id: req.params.id }));
    // Photos show homes and people: each view is audited, as incident attachments' downloads are.
    const entry = found.entry;
    if (entry !== null)
      await fromDatabase(() =>
        writeAudit(db, {
          actor: { kind: 'user', userId: principal.userId },
          action: 'worklog.photo.view',
          target: entryTarget(entry.id),
          at: clock(),
          details: { photo: found.photo.id },
        }),
      );
    res
      .status(200)
      .set({
        'content-type': found.photo.media_type,
        'content-length': String(found.content.byteLength),
        'x-content-type-options': 'nosniff',
        'content-security-policy': "default-src 'none'; sandbox",
        'cache-control': 'private, max-age=600',
      })
      .end(found.content);
  });

  router.post('/worklog/entries', auth, jsonBody(BODY_LIMIT), async (req: Request, res: Response) => {
    const principal = principalOf(res);
    const reach = await reachFor(principal);
    const input = parseBody(NewEntry, req.body);
    if (!reach.ownGrids.includes(input.grid))
      throw new ProblemError('GL_FORBIDDEN', message('worklog.grid_not_yours', { grid: input.grid }), [
        { detail: message('worklog.grid_not_yours', { grid: input.grid }), pointer: '/grid' },
      ]);
    const { entry, created } = await fromDatabase(() => store.create(principal.userId, input));
    res
      .status(created ? 201 : 200)
      .location(`/api/v1/worklog/entries/${entry.id}`)
      .json({ entry, created });
  });

  router.get('/worklog/entries', auth, async (req: Request, res: Response) => {
    const reach = await reachFor(principalOf(res));
    const query = parseQuery(SearchQuery, req.query);
    res.json(await fromDatabase(() => store.search(reach, query)));
  });

  router.get('/worklog/entries/:id', auth, async (req: Request<{ id: string }>, res: Response) => {
    const principal = principalOf(res);
    const reach = await reachFor(principal);
    if (!PhotoId.safeParse(req.params.id).success) throw notFound(req.params.id);
    const detail = await fromDatabase(() => store.detail(reach, req.params.id));
    if (!detail) throw notFound(req.params.id);
    res.json({ entry: withLinks(detail, principal, res) });
  });

  router.patch(
    '/worklog/entries/:id',
    auth,
    jsonBody(BODY_LIMIT),
    async (req: Request<{ id: string }>, res: Response) => {
      const principal = principalOf(res);
      await reachFor(principal);
      if (!PhotoId.safeParse(req.params.id).success) throw notFound(req.params.id);
      const edit = parseBody(EntryEdit, req.body);
      const entry = await fromDatabase(() => store.edit(principal.userId, req.params.id, edit));
      if (!entry) throw new ProblemError('GL_NOT_FOUND', message('worklog.own_entry_unknown', { id: req.params.id }));
      res.json({ entry });
    },
  );

  router.post('/worklog/entries/:id/reveal', auth, async (req: Request<{ id: string }>, res: Response) => {
    const principal = principalOf(res);
    const reach = await reachFor(principal);
    if (!PhotoId.safeParse(req.params.id).success) throw notFound(req.params.id);
    const revealed = await fromDatabase(() =>
      store.reveal(reach, { kind: 'user', userId: principal.userId }, req.params.id),
    );
    if (!revealed) throw notFound(req.params.id);
    res.set('cache-control', 'no-store').json(revealed);
  });

  const caller = authenticateCaller(people, ctx.adminToken);
  router.get('/worklog/settings', caller, async (_req: Request, res: Response) => {
    const who = callerOfResponse(res);
    if (who.kind === 'user') await reachFor(who.principal);
    res.json(await fromDatabase(() => store.settings.get()));
  });
  router.put('/worklog/settings', caller, jsonBody(BODY_LIMIT), async (req: Request, res: Response) => {
    const who = callerOfResponse(res);
    const refusal = await fromDatabase(() => whyNotTenantAdmin(db, who));
    if (refusal !== undefined)
      throw new ProblemError('GL_FORBIDDEN', message('worklog.settings_admins_only', { needs: refusal }));
    const settings = parseBody(WorklogSettings, req.body);
    res.json(await fromDatabase(() => store.settings.replace(managerActor(who), settings)));
  });

  return router;
}
