import {
  DISPUTE_TYPES,
  FollowUpResultBody,
  MEDIATION_LEVELS,
  MediationCaseQuery,
  MediationOutcomeBody,
  MediationSettings,
  NewFollowUp,
  NewMediationCase,
  NewMediationParty,
  NewMediationSession,
} from '@gridlink/protocol';
import express, { type NextFunction, type Request, type Response, Router } from 'express';
import { z } from 'zod';
import { AttachmentLinks } from '../attachments/links.js';
import { DEFAULT_ATTACHMENT_MAX_BYTES, safeAttachmentName, sniffMediaType } from '../attachments/media.js';
import { AttachmentStore } from '../attachments/store.js';
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
import type { Principal } from '../people/scope.js';
import { PersonalDataSeal } from '../privacy/seal.js';
import { MEDIATION_KPI_GROUPS, mediationKpis } from './kpis.js';
import { DISPUTE_TYPE_NAMES, LEVEL_NAMES } from './names.js';
import { covers, type MediationReach, reachOf, usesMediation } from './reach.js';
import { type CaseDetail, caseTarget, isDisputeCategory, MediationStore } from './store.js';

/** The seal's purpose: parties' names, phones and ID numbers. */
export const MEDIATION_SEAL_PURPOSE = 'mediation personal data';

export interface MediationRoutesContext {
  db: Db;
  clock: Clock;
  people: People;
  adminToken: string;
  dataSecret: string;
  /** Largest agreement file taken, as for incident attachments (`attachments.max_bytes`). */
  attachmentMaxBytes?: number;
}

/** What `GET /mediation/context` answers: the vocabularies and what the caller may do. */
export interface MediationContext {
  dispute_types: { code: string; name: { zh: string; en: string } }[];
  levels: { code: string; name: { zh: string; en: string } }[];
  /** Whether the caller opens cases (operators, district admins, grid workers). */
  opens_cases: boolean;
  retention_days: number;
}

/** The agreement as the case page shows it, with a link an `<a href>` may use for a few minutes. */
export type CaseDetailWithLinks = Omit<CaseDetail, 'agreement'> & {
  agreement: (NonNullable<CaseDetail['agreement']> & { url: string }) | null;
};

const Id = z.uuid();
const MediatorsQuery = z.strictObject({ incident_id: z.string().min(1).max(64) });
const KpiQuery = z.strictObject({
  group: z.enum(MEDIATION_KPI_GROUPS).default('grid'),
  from: z.iso.date(),
  to: z.iso.date(),
});
const UploadQuery = z.strictObject({ name: z.string().min(1).max(256).optional() });

/**
 * Dispute mediation over HTTP: every route authenticated and scope-checked; a case the caller
 * does not reach answers exactly as one that does not exist (404).
 */
export function mediationRoutes(ctx: MediationRoutesContext): Router {
  const { db, clock, people } = ctx;
  const router = Router();
  const store = new MediationStore(db, clock, new PersonalDataSeal(ctx.dataSecret, MEDIATION_SEAL_PURPOSE));
  const attachments = new AttachmentStore(db, clock);
  const links = new AttachmentLinks(`${ctx.adminToken}\ngridlink mediation agreements`, clock);
  const maxBytes = ctx.attachmentMaxBytes ?? DEFAULT_ATTACHMENT_MAX_BYTES;
  const auth = authenticateUser(people);

  const reachFor = (principal: Principal): MediationReach => {
    const reach = reachOf(principal);
    if (!usesMediation(reach)) throw new ProblemError('GL_FORBIDDEN', message('mediation.not_for_you'));
    return reach;
  };
  const actor = (principal: Principal) => ({ kind: 'user' as const, userId: principal.userId });
  const notFound = (id: string) => new ProblemError('GL_NOT_FOUND', message('mediation.case_unknown', { id }));
  const caseId = (req: Request<{ id: string }>) => {
    if (!Id.safeParse(req.params.id).success) throw notFound(req.params.id);
    return req.params.id;
  };
  const withLinks = (detail: CaseDetail, principal: Principal, res: Response): CaseDetailWithLinks => {
    const holder = { userId: principal.userId, sessionId: sessionIdOf(res) };
    return {
      ...detail,
      agreement:
        detail.agreement === null
          ? null
          : {
              ...detail.agreement,
              url: `/api/v1/mediation/cases/${detail.id}/agreement?access=${links.sign(detail.id, holder)}`,
            },
    };
  };

  router.get('/mediation/context', auth, async (_req: Request, res: Response) => {
    const reach = reachFor(principalOf(res));
    const settings = await fromDatabase(() => store.settings.get());
    const context: MediationContext = {
      dispute_types: DISPUTE_TYPES.map((code) => ({ code, name: DISPUTE_TYPE_NAMES[code] })),
      levels: MEDIATION_LEVELS.map((code) => ({ code, name: LEVEL_NAMES[code] })),
      opens_cases: reach.territoryPrefixes.length > 0,
      retention_days: settings.retention_days,
    };
    res.json(context);
  });

  /** The mediators who may take a case for an incident the caller covers (and whether it is a dispute). */
  router.get('/mediation/mediators', auth, async (req: Request, res: Response) => {
    const reach = reachFor(principalOf(res));
    const { incident_id } = parseQuery(MediatorsQuery, req.query);
    const { rows } = await fromDatabase(() =>
      db.query<{ territory: string; category_code: string }>(
        "SELECT coalesce(grid, community, '') AS territory, category_code FROM incidents WHERE id = $1",
        [incident_id],
      ),
    );
    const incident = rows[0];
    if (!incident || !covers(reach, incident.territory))
      throw new ProblemError('GL_NOT_FOUND', message('mediation.incident_unknown', { id: incident_id }));
    res.json({
      incident_id,
      dispute: isDisputeCategory(incident.category_code),
      mediators: await fromDatabase(() => store.mediators(incident.territory)),
    });
  });

  router.post('/mediation/cases', auth, jsonBody(BODY_LIMIT), async (req: Request, res: Response) => {
    const principal = principalOf(res);
    const reach = reachFor(principal);
    const input = parseBody(NewMediationCase, req.body);
    const opened = await fromDatabase(() => store.open(reach, actor(principal), input));
    res.status(201).location(`/api/v1/mediation/cases/${opened.id}`).json({ case: opened });
  });

  router.get('/mediation/cases', auth, async (req: Request, res: Response) => {
    const reach = reachFor(principalOf(res));
    const query = parseQuery(MediationCaseQuery, req.query);
    res.json(await fromDatabase(() => store.list(reach, query)));
  });

  router.get('/mediation/cases/:id', auth, async (req: Request<{ id: string }>, res: Response) => {
    const principal = principalOf(res);
    const reach = reachFor(principal);
    const id = caseId(req);
    const detail = await fromDatabase(() => store.detail(reach, id));
    if (!detail) throw notFound(id);
    res.json({ case: withLinks(detail, principal, res) });
  });

  router.post(
    '/mediation/cases/:id/parties',
    auth,
    jsonBody(BODY_LIMIT),
    async (req: Request<{ id: string }>, res: Response) => {
      const principal = principalOf(res);
      const reach = reachFor(principal);
      const id = caseId(req);
      const input = parseBody(NewMediationParty, req.body);
      res.status(201).json({ party: await fromDatabase(() => store.addParty(reach, actor(principal), id, input)) });
    },
  );

  router.post(
    '/mediation/cases/:id/parties/:party/reveal',
    auth,
    async (req: Request<{ id: string; party: string }>, res: Response) => {
      const principal = principalOf(res);
      const reach = reachFor(principal);
      const id = caseId(req);
      const revealed = Id.safeParse(req.params.party).success
        ? await fromDatabase(() => store.reveal(reach, actor(principal), id, req.params.party))
        : undefined;
      if (!revealed) throw notFound(id);
      res.set('cache-control', 'no-store').json(revealed);
    },
  );

  router.post(
    '/mediation/cases/:id/parties/:party/withdraw-consent',
    auth,
    async (req: Request<{ id: string; party: string }>, res: Response) => {
      const principal = principalOf(res);
      const reach = reachFor(principal);
      const id = caseId(req);
      if (!Id.safeParse(req.params.party).success)
        throw new ProblemError('GL_NOT_FOUND', message('mediation.party_unknown', { id: req.params.party }));
      res.json({
        party: await fromDatabase(() => store.withdrawConsent(reach, actor(principal), id, req.params.party)),
      });
    },
  );

  router.post(
    '/mediation/cases/:id/sessions',
    auth,
    jsonBody(BODY_LIMIT),
    async (req: Request<{ id: string }>, res: Response) => {
      const principal = principalOf(res);
      const reach = reachFor(principal);
      const id = caseId(req);
      const input = parseBody(NewMediationSession, req.body);
      res.status(201).json({ session: await fromDatabase(() => store.addSession(reach, actor(principal), id, input)) });
    },
  );

  router.post(
    '/mediation/cases/:id/outcome',
    auth,
    jsonBody(BODY_LIMIT),
    async (req: Request<{ id: string }>, res: Response) => {
      const principal = principalOf(res);
      const reach = reachFor(principal);
      const id = caseId(req);
      const input = parseBody(MediationOutcomeBody, req.body);
      res.json(await fromDatabase(() => store.recordOutcome(reach, actor(principal), id, input)));
    },
  );

  router.post(
    '/mediation/cases/:id/follow-ups',
    auth,
    jsonBody(BODY_LIMIT),
    async (req: Request<{ id: string }>, res: Response) => {
      const principal = principalOf(res);
      const reach = reachFor(principal);
      const id = caseId(req);
      const input = parseBody(NewFollowUp, req.body);
      res
        .status(201)
        .json({ follow_up: await fromDatabase(() => store.addFollowUp(reach, actor(principal), id, input)) });
    },
  );

  router.put(
    '/mediation/cases/:id/follow-ups/:followUp',
    auth,
    jsonBody(BODY_LIMIT),
    async (req: Request<{ id: string; followUp: string }>, res: Response) => {
      const principal = principalOf(res);
      const reach = reachFor(principal);
      const id = caseId(req);
      const input = parseBody(FollowUpResultBody, req.body);
      if (!Id.safeParse(req.params.followUp).success)
        throw new ProblemError('GL_NOT_FOUND', message('mediation.follow_up_unknown', { id: req.params.followUp }));
      res.json({
        follow_up: await fromDatabase(() =>
          store.recordFollowUp(reach, actor(principal), id, req.params.followUp, input),
        ),
      });
    },
  );

  // The signed agreement: a PDF or a photo of the paper, kept as a file of the case's incident.
  const raw = express.raw({ type: () => true, limit: maxBytes });
  router.post(
    '/mediation/cases/:id/agreement',
    auth,
    async (req: Request<{ id: string }>, res: Response, next: NextFunction) => {
      const reach = reachFor(principalOf(res));
      const id = caseId(req);
      if (!(await fromDatabase(() => store.actable(reach, id)))) throw notFound(id);
      next();
    },
    (req: Request<{ id: string }>, res: Response, next: NextFunction) =>
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
    async (req: Request<{ id: string }>, res: Response) => {
      const principal = principalOf(res);
      const reach = reachFor(principal);
      const id = caseId(req);
      const { name } = parseQuery(UploadQuery, req.query);
      const body = req.body as unknown;
      if (!(body instanceof Buffer) || body.byteLength === 0)
        throw new ProblemError('GL_VALIDATION_FAILED', message('attachment.empty'), [
          { detail: message('attachment.bytes'), pointer: '' },
        ]);
      const type = sniffMediaType(body);
      if (type === undefined)
        throw new ProblemError('GL_UNSUPPORTED_MEDIA_TYPE', message('mediation.agreement_type'), [
          {
            detail: message('expect.one_of', { values: ['application/pdf', 'image/jpeg', 'image/png', 'image/webp'] }),
            parameter: 'Content-Type',
          },
        ]);
      const found = await fromDatabase(() => store.actable(reach, id));
      if (!found) throw notFound(id);
      if (found.outcome !== 'agreement' && found.outcome !== 'partial_agreement')
        throw new ProblemError('GL_MEDIATION_CONFLICT', message('mediation.agreement_needs_outcome'));
      const stored = await fromDatabase(() =>
        attachments.add({
          incidentId: found.incident_id,
          mediaType: type,
          name: safeAttachmentName(name ?? 'agreement', type, 'mediation_agreement'),
          tag: 'mediation_agreement',
          content: body,
          uploadedBy: principal.userId,
        }),
      );
      await fromDatabase(() => store.setAgreement(reach, actor(principal), id, stored.id));
      const detail = await fromDatabase(() => store.detail(reach, id));
      if (!detail) throw notFound(id);
      res.status(201).json({ case: withLinks(detail, principal, res) });
    },
  );

  router.get('/mediation/cases/:id/agreement', async (req: Request<{ id: string }>, res: Response) => {
    const access = typeof req.query.access === 'string' ? req.query.access : '';
    const holder = Id.safeParse(req.params.id).success ? links.verify(req.params.id, access) : undefined;
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
    const reach = reachOf(principal);
    const agreement = await fromDatabase(() => store.agreementOf(reach, req.params.id));
    const file =
      agreement?.attachmentId == null
        ? undefined
        : await fromDatabase(() => attachments.read(agreement.attachmentId as string));
    if (!file) throw notFound(req.params.id);
    // An agreement names the parties: each view is audited, as reveals are.
    await fromDatabase(() =>
      writeAudit(db, {
        actor: actor(principal),
        action: 'mediation.agreement.view',
        target: caseTarget(req.params.id),
        at: clock(),
        details: { attachment: file.attachment.id },
      }),
    );
    res
      .status(200)
      .set({
        'content-type': file.attachment.mediaType,
        'content-length': String(file.content.byteLength),
        'x-content-type-options': 'nosniff',
        'content-security-policy': "default-src 'none'; sandbox",
        'cache-control': 'private, no-store',
      })
      .end(file.content);
  });

  router.get('/mediation/kpis', auth, async (req: Request, res: Response) => {
    const reach = reachFor(principalOf(res));
    const query = parseQuery(KpiQuery, req.query);
    const period = { from: new Date(`${query.from}T00:00:00+08:00`), to: new Date(`${query.to}T00:00:00+08:00`) };
    res.json({
      group: query.group,
      from: query.from,
      to: query.to,
      rows: await fromDatabase(() => mediationKpis(db, reach, query.group, period)),
    });
  });

  const caller = authenticateCaller(people, ctx.adminToken);
  router.get('/mediation/settings', caller, async (_req: Request, res: Response) => {
    const who = callerOfResponse(res);
    if (who.kind === 'user') reachFor(who.principal);
    res.json(await fromDatabase(() => store.settings.get()));
  });
  router.put('/mediation/settings', caller, jsonBody(BODY_LIMIT), async (req: Request, res: Response) => {
    const who = callerOfResponse(res);
    const refusal = await fromDatabase(() => whyNotTenantAdmin(db, who));
    if (refusal !== undefined)
      throw new ProblemError('GL_FORBIDDEN', message('mediation.settings_admins_only', { needs: refusal }));
    const settings = parseBody(MediationSettings, req.body);
    res.json(await fromDatabase(() => store.settings.replace(managerActor(who), settings)));
  });

  return router;
}
