import { createHash } from 'node:crypto';
import {
  PhoneCodeRequest,
  type PhoneCodeSent,
  ResidentRatingRequest,
  type ResidentReportReceipt,
  ResidentReportRequest,
  TrackingCode,
} from '@gridlink/protocol';
import express, { type NextFunction, type Request, type Response, Router } from 'express';
import { z } from 'zod';
import { DEFAULT_ATTACHMENT_MAX_BYTES, sniffMediaType } from '../attachments/media.js';
import { AttachmentStore } from '../attachments/store.js';
import { BODY_LIMIT, jsonBody } from '../http/body.js';
import { fromDatabase } from '../http/database.js';
import { parseBody } from '../http/field-errors.js';
import { languageOfRequest } from '../http/language.js';
import { ProblemError } from '../http/problems.js';
import { message } from '../i18n/message.js';
import { render } from '../i18n/render.js';
import { addressKey } from '../people/login-throttle.js';
import type { ResidentsContext } from './context.js';
import { fileResidentReport, residentCategories, residentCommunities } from './intake.js';
import { limited } from './limits.js';
import { CODE_TTL_S, RESEND_AFTER_S } from './phone-codes.js';
import { recordResidentRating } from './rating.js';

const PHOTO_TYPES = ['image/jpeg', 'image/png', 'image/webp'] as const;
const PhotoId = z.uuid();

/** The caller's address as the app's trusted proxies let it be known (`X-Forwarded-For` only from them). */
export const sourceAddress = (req: Request) => addressKey(req.ip ?? req.socket.remoteAddress ?? 'unknown');

/**
 * The resident's public side (`/residents/…`, no account): categories and communities to choose
 * from, an SMS code for a phone, photos, the report, and following it by its tracking code.
 * A code that is unknown and one of someone else's are answered alike: not found.
 */
export function residentRoutes(ctx: ResidentsContext): Router {
  const { db, clock, store, codes, buckets, limits } = ctx;
  const router = Router();
  const maxBytes = ctx.attachmentMaxBytes ?? DEFAULT_ATTACHMENT_MAX_BYTES;
  const attachments = new AttachmentStore(db, clock);
  const notFound = () => new ProblemError('GL_NOT_FOUND', message('residents.tracking_unknown'));
  // Unused photos, old codes and full buckets are cleared as reports come in, at most every 10 minutes.
  let prunedAt = 0;
  const prune = () => {
    const now = clock().getTime();
    if (now - prunedAt < 600_000) return;
    prunedAt = now;
    void Promise.all([store.prune(), codes.prune(), buckets.prune()]).catch(() => {
      prunedAt = 0;
    });
  };

  /** One of the source address's budgets: reports, SMS codes (each its own bucket) or photos. */
  const takeAddress = async (req: Request, bucket: 'report' | 'sms' | 'photo') => {
    const key = `${bucket}:${sourceAddress(req)}`;
    const claim = await fromDatabase(() =>
      bucket === 'photo'
        ? buckets.take(key, limits.photoBurst, limits.photoPerHour)
        : buckets.take(key, limits.addressBurst, limits.addressPerHour),
    );
    if (!claim.ok) throw limited(bucket === 'photo' ? 'photo_address' : 'address', claim.retryAfter);
  };

  router.get('/residents/categories', async (_req: Request, res: Response) => {
    res.json({ categories: await fromDatabase(() => residentCategories(db)) });
  });

  router.get('/residents/communities', async (_req: Request, res: Response) => {
    res.json({ communities: await fromDatabase(() => residentCommunities(db)), sms: codes.available });
  });

  router.post('/residents/phone-codes', jsonBody(BODY_LIMIT), async (req: Request, res: Response) => {
    const { phone } = parseBody(PhoneCodeRequest, req.body);
    await takeAddress(req, 'sms');
    await codes.send(phone);
    res.status(202).json({ resend_after_s: RESEND_AFTER_S, expires_in_s: CODE_TTL_S } satisfies PhoneCodeSent);
  });

  const raw = express.raw({ type: () => true, limit: maxBytes });
  router.post(
    '/residents/photos',
    (req: Request, res: Response, next: NextFunction) =>
      raw(req, res, (err?: unknown) => {
        if ((err as { type?: string } | undefined)?.type === 'entity.too.large') {
          const mib = Math.round((maxBytes / 1024 / 1024) * 100) / 100;
          next(new ProblemError('GL_BODY_TOO_LARGE', message('attachment.too_large', { max: maxBytes, mib })));
          return;
        }
        next(err);
      }),
    async (req: Request, res: Response) => {
      const body = req.body as unknown;
      if (!(body instanceof Buffer) || body.byteLength === 0)
        throw new ProblemError('GL_VALIDATION_FAILED', message('attachment.empty'), [
          { detail: message('attachment.bytes'), pointer: '' },
        ]);
      const type = PHOTO_TYPES.find((accepted) => accepted === sniffMediaType(body));
      if (type === undefined)
        throw new ProblemError('GL_UNSUPPORTED_MEDIA_TYPE', message('residents.photo_type'), [
          { detail: message('expect.one_of', { values: [...PHOTO_TYPES] }), parameter: 'Content-Type' },
        ]);
      await takeAddress(req, 'photo');
      const now = clock();
      const same = await fromDatabase(() =>
        store.samePhotos(
          createHash('sha256').update(body).digest('hex'),
          new Date(now.getTime() - limits.samePhotoWindowMs),
        ),
      );
      if (same.count >= limits.samePhotoTimes && same.oldest !== null) {
        const seconds = Math.max(
          1,
          Math.ceil((same.oldest.getTime() + limits.samePhotoWindowMs - now.getTime()) / 1000),
        );
        throw new ProblemError(
          'GL_RESIDENT_DUPLICATE_PHOTO',
          message('residents.photo_duplicate', { seconds }),
          undefined,
          {
            'retry-after': String(seconds),
          },
        );
      }
      const photo = await fromDatabase(() =>
        store.addPhoto({ mediaType: type, content: body, addressKey: sourceAddress(req) }),
      );
      res.status(201).json({ id: photo.id, media_type: photo.media_type, size_bytes: photo.size_bytes });
    },
  );

  router.post('/residents/reports', jsonBody(BODY_LIMIT), async (req: Request, res: Response) => {
    const report = parseBody(ResidentReportRequest, req.body);
    await takeAddress(req, 'report');
    prune();
    if (report.contact.kind === 'phone') await codes.confirm(report.contact.phone, report.contact.code);
    const phone = report.contact.kind === 'phone' ? report.contact.phone : undefined;
    const filed = await fileResidentReport(
      ctx,
      {
        channel: 'web',
        requestId: report.request_id,
        category: report.category,
        description: report.description,
        photoIds: report.photos,
        position: report.position,
        address: report.address,
        community: report.community,
        phone,
        phoneConfirmed: phone !== undefined,
        addressKey: sourceAddress(req),
      },
      { category: '/category', place: '/community' },
    );
    res.status(201).json({
      tracking_code: filed.trackingCode,
      status: 'received',
      sms_sent: filed.smsSent,
    } satisfies ResidentReportReceipt);
  });

  /** The report of a tracking code, or not found alike for a malformed, unknown or expired code. */
  const reportOf = async (raw: string) => {
    const code = TrackingCode.safeParse(raw);
    if (!code.success) throw notFound();
    const found = await fromDatabase(() => store.byTrackingCode(code.data));
    if (found === undefined) throw notFound();
    return { report: found, code: code.data };
  };

  router.get('/residents/track/:code', async (req: Request<{ code: string }>, res: Response) => {
    const { report, code } = await reportOf(req.params.code);
    const { resultPhotoIds: _, ...tracking } = await fromDatabase(() => store.tracking(report, code));
    res.json({
      ...tracking,
      result:
        tracking.result === null
          ? null
          : {
              ...tracking.result,
              photos: tracking.result.photos.map((photo) => ({
                ...photo,
                url: `/api/v1/residents/track/${code}/photos/${photo.url}`,
              })),
            },
    });
  });

  router.get('/residents/track/:code/photos/:id', async (req: Request<{ code: string; id: string }>, res: Response) => {
    const { report, code } = await reportOf(req.params.code);
    if (!PhotoId.safeParse(req.params.id).success) throw notFound();
    const tracking = await fromDatabase(() => store.tracking(report, code));
    if (!tracking.resultPhotoIds.includes(req.params.id)) throw notFound();
    const found = await fromDatabase(() => attachments.read(req.params.id));
    if (found === undefined || found.attachment.incidentId !== report.incident_id) throw notFound();
    res
      .status(200)
      .set({
        'content-type': found.attachment.mediaType,
        'x-content-type-options': 'nosniff',
        'content-security-policy': "default-src 'none'; sandbox",
      })
      .end(found.content);
  });

  router.post(
    '/residents/track/:code/rating',
    jsonBody(BODY_LIMIT),
    async (req: Request<{ code: string }>, res: Response) => {
      const { report, code } = await reportOf(req.params.code);
      const rating = parseBody(ResidentRatingRequest, req.body);
      const tracking = await fromDatabase(() => store.tracking(report, code));
      if (!tracking.can_rate)
        throw new ProblemError(
          'GL_RESIDENT_RATING_REFUSED',
          message(tracking.rating === null ? 'residents.rating_not_closed' : 'residents.rating_once'),
        );
      const outcome = await recordResidentRating(
        { db, engine: ctx.incidents },
        { id: report.id, incidentId: report.incident_id },
        rating,
        clock(),
      );
      if ('refused' in outcome) throw new ProblemError('GL_RESIDENT_RATING_REFUSED', message('residents.rating_once'));
      // Said plainly: the rating counted as the callback, or was only kept (the callback was made already).
      const explanation = render(message(`residents.rating_${outcome.applied}`), languageOfRequest(req));
      res.status(201).json({ rating: { ...rating, note: rating.note ?? null }, applied: outcome.applied, explanation });
    },
  );

  return router;
}
