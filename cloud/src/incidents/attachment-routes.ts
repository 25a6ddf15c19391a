import express, { type NextFunction, type Request, type Response, Router } from 'express';
import { z } from 'zod';
import { AttachmentLinks } from '../attachments/links.js';
import {
  ATTACHMENT_MEDIA_TYPES,
  acceptedMediaType,
  contentDisposition,
  defaultName,
  sniffMediaType,
} from '../attachments/media.js';
import { type AttachmentStore, attachmentUri, type StoredAttachment } from '../attachments/store.js';
import type { Clock } from '../clock.js';
import type { Db } from '../db/db.js';
import { fromDatabase } from '../http/database.js';
import { parameterFieldErrors } from '../http/field-errors.js';
import { ProblemError } from '../http/problems.js';
import { message } from '../i18n/message.js';
import { writeAudit } from '../people/audit.js';
import { authenticateUser, principalFromRequest, principalOf, sessionIdOf } from '../people/middleware.js';
import type { People } from '../people/people.js';
import { type Principal, scopeFilter } from '../people/scope.js';
import type { IncidentGrants } from './grants.js';
import { type Incident, type IncidentEngine, type IncidentPolicies, rulesFrom, STATE_MACHINE } from './index.js';
import { roleFor, visible } from './routes.js';

export interface AttachmentRoutesOptions {
  /** `attachments.max_bytes` of the configuration. */
  maxBytes: number;
  /** Signs the links pages put in `<img src>`. */
  adminToken: string;
}

/** A tag names what a photo shows; the state machine's required tags are such words (before, after). */
export const AttachmentTag = z
  .string()
  .regex(/^[a-z][a-z0-9_-]{0,63}$/, { error: 'expected a lowercase word of up to 64 characters, e.g. before' });
/** A file name as shown to people: no folders, no control characters. */
export const AttachmentName = z
  .string()
  .min(1)
  .max(256)
  .refine((name) => !/[/\\\p{Cc}]/u.test(name), { error: 'a file name without "/", "\\" or control characters' });

export const UploadQuery = z.strictObject({
  tag: AttachmentTag.optional(),
  name: AttachmentName.optional(),
});

const AttachmentId = z.uuid();

/** The JSON a client gets for a stored file: `url` works in `<img src>` for a few minutes. */
export function attachmentJson(stored: StoredAttachment, url?: string) {
  return {
    id: stored.id,
    uri: attachmentUri(stored.id),
    media_type: stored.mediaType,
    name: stored.name,
    tag: stored.tag,
    size_bytes: stored.sizeBytes,
    sha256: stored.sha256,
    uploaded_by: stored.uploadedBy,
    uploaded_at: stored.uploadedAt,
    ...(url === undefined ? {} : { url }),
  };
}

/** True when one of the principal's roles may take some step of the incident now: they may attach files. */
function mayAct(principal: Principal, incident: Incident, policies: IncidentPolicies): boolean {
  const actions = new Set(rulesFrom(STATE_MACHINE, incident.state, policies).map((rule) => rule.action));
  return [...actions].some((action) => roleFor(principal, incident, action, policies) !== undefined);
}

/**
 * Photos and documents of incidents. Uploading needs a session and a role that may act on the
 * incident now (whoever may take its next step may bring the photos for it); reading needs the
 * incident to be visible, exactly as `GET /incidents/{id}`: otherwise "not found". The type is
 * sniffed from the content; uploads and downloads are audited.
 */
export function attachmentRoutes(
  db: Db,
  clock: Clock,
  people: People,
  engine: IncidentEngine,
  store: AttachmentStore,
  options: AttachmentRoutesOptions,
  grants?: IncidentGrants,
): Router {
  const router = Router();
  const links = new AttachmentLinks(options.adminToken, clock);
  const audit = (principal: Principal, action: string, incidentId: string, details: Record<string, unknown>) =>
    writeAudit(db, {
      actor: { kind: 'user', userId: principal.userId },
      action,
      target: `incident:${incidentId}`,
      details,
      at: clock(),
    });
  const visibleIncident = async (principal: Principal, id: string): Promise<Incident | undefined> => {
    const incident = await fromDatabase(() => engine.get(id));
    if (incident === undefined) return undefined;
    // A unit given a co-handling task or copied in reads the files too (a grant of co-handling).
    return visible(scopeFilter(principal), incident) || (await grants?.mayRead(principal, incident))
      ? incident
      : undefined;
  };
  const incidentOf = async (principal: Principal, id: string): Promise<Incident> => {
    const incident = await visibleIncident(principal, id);
    if (!incident) throw new ProblemError('GL_INCIDENT_NOT_FOUND', message('incident.not_visible', { id: id }));
    return incident;
  };
  const maxMiB = Math.round((options.maxBytes / 1024 / 1024) * 100) / 100;
  const raw = express.raw({ type: () => true, limit: options.maxBytes });
  const readBody = (req: Request, res: Response, next: NextFunction) =>
    raw(req, res, (err?: unknown) => {
      if ((err as { type?: string } | undefined)?.type === 'entity.too.large') {
        next(
          new ProblemError(
            'GL_BODY_TOO_LARGE',
            message('attachment.too_large', { max: options.maxBytes, mib: maxMiB }),
            [{ detail: message('attachment.at_most', { max: options.maxBytes }), pointer: '' }],
          ),
        );
        return;
      }
      next(err);
    });

  router.use('/incidents/:id/attachments', authenticateUser(people));

  router.post(
    '/incidents/:id/attachments',
    async (req: Request<{ id: string }>, res: Response, next: NextFunction) => {
      const principal = principalOf(res);
      const incident = await incidentOf(principal, req.params.id);
      const mayAttach =
        mayAct(principal, incident, await fromDatabase(() => engine.policies())) ||
        (await fromDatabase(async () => (await grants?.mayAttach(principal, incident)) ?? false));
      if (!mayAttach) {
        throw new ProblemError(
          'GL_FORBIDDEN',
          message('attachment.may_not_attach', { id: incident.id, state: incident.state }),
        );
      }
      const declared = req.get('content-type');
      if (!acceptedMediaType(declared)) {
        throw new ProblemError(
          'GL_UNSUPPORTED_MEDIA_TYPE',
          message('attachment.media_type', {
            header: 'Content-Type',
            types: [...ATTACHMENT_MEDIA_TYPES],
            received: declared ?? message('header.none', { header: 'Content-Type' }),
          }),
          [{ detail: message('expect.one_of', { values: [...ATTACHMENT_MEDIA_TYPES] }), parameter: 'Content-Type' }],
        );
      }
      const query = UploadQuery.safeParse(req.query, { reportInput: true });
      if (!query.success) {
        throw new ProblemError(
          'GL_VALIDATION_FAILED',
          message('request.query_invalid'),
          parameterFieldErrors(query.error.issues),
        );
      }
      res.locals.incident = incident;
      res.locals.upload = query.data;
      next();
    },
    readBody,
    async (req: Request<{ id: string }>, res: Response) => {
      const principal = principalOf(res);
      const incident = res.locals.incident as Incident;
      const { tag, name } = res.locals.upload as z.infer<typeof UploadQuery>;
      const body = req.body as unknown;
      if (!(body instanceof Buffer) || body.byteLength === 0) {
        throw new ProblemError('GL_VALIDATION_FAILED', message('attachment.empty'), [
          { detail: message('attachment.bytes'), pointer: '' },
        ]);
      }
      const declared = acceptedMediaType(req.get('content-type'));
      const sniffed = sniffMediaType(body);
      if (sniffed === undefined || sniffed !== declared) {
        throw new ProblemError(
          'GL_UNSUPPORTED_MEDIA_TYPE',
          sniffed === undefined
            ? message('attachment.not_a_file')
            : message('attachment.type_mismatch', { declared, sniffed }),
          [{ detail: message('attachment.must_be', { declared }), parameter: 'Content-Type' }],
        );
      }
      const stored = await fromDatabase(() =>
        store.add({
          incidentId: incident.id,
          mediaType: sniffed,
          name: name ?? defaultName(sniffed, tag),
          tag,
          content: body,
          uploadedBy: principal.userId,
        }),
      );
      await audit(principal, 'attachment.upload', incident.id, {
        attachment: stored.id,
        media_type: stored.mediaType,
        size_bytes: stored.sizeBytes,
        sha256: stored.sha256,
        ...(stored.tag === null ? {} : { tag: stored.tag }),
      });
      res
        .status(201)
        .location(attachmentUri(stored.id))
        .json(
          attachmentJson(
            stored,
            `${attachmentUri(stored.id)}?access=${links.sign(stored.id, { userId: principal.userId, sessionId: sessionIdOf(res) })}`,
          ),
        );
    },
  );

  router.get('/incidents/:id/attachments', async (req: Request<{ id: string }>, res: Response) => {
    const principal = principalOf(res);
    const incident = await incidentOf(principal, req.params.id);
    const stored = await fromDatabase(() => store.list(incident.id));
    const holder = { userId: principal.userId, sessionId: sessionIdOf(res) };
    res.json({
      attachments: stored.map((item) =>
        attachmentJson(item, `${attachmentUri(item.id)}?access=${links.sign(item.id, holder)}`),
      ),
    });
  });

  router.get('/attachments/:id', async (req: Request<{ id: string }>, res: Response) => {
    const access = req.query.access;
    let principal: Principal | undefined;
    if (typeof access === 'string') {
      // The link works while the session it was signed for is live: a logout ends it too.
      const holder = links.verify(req.params.id, access);
      principal =
        holder === undefined
          ? undefined
          : await fromDatabase(async () =>
              (await people.sessions.live(holder.sessionId, holder.userId))
                ? people.users.principal(holder.userId)
                : undefined,
            );
      if (!principal) {
        throw new ProblemError('GL_UNAUTHENTICATED', message('attachment.link_expired'), undefined, {
          'www-authenticate': 'Bearer',
        });
      }
    } else principal = await principalFromRequest(req, people);
    const notFound = new ProblemError('GL_NOT_FOUND', message('attachment.not_visible', { id: req.params.id }));
    if (!AttachmentId.safeParse(req.params.id).success) throw notFound;
    const found = await fromDatabase(() => store.read(req.params.id));
    if (!found || !(await visibleIncident(principal, found.attachment.incidentId))) throw notFound;
    const { attachment, content } = found;
    await audit(principal, 'attachment.download', attachment.incidentId, { attachment: attachment.id });
    res
      .status(200)
      .set({
        'content-type': attachment.mediaType,
        'content-length': String(content.byteLength),
        'content-disposition': contentDisposition(attachment.mediaType, attachment.name),
        'x-content-type-options': 'nosniff',
        // Nothing in a stored file runs, even if a browser is talked into rendering it as a page.
        'content-security-policy': "default-src 'none'; sandbox",
        // The bytes never change; only this user's browser keeps them, briefly.
        'cache-control': 'private, max-age=600',
      })
      .end(content);
  });

  return router;
}
