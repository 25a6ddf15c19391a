import type { ResidentCategory } from '@gridlink/protocol';
import type { Clock } from '../clock.js';
import type { Db } from '../db/db.js';
import { ProblemError } from '../http/problems.js';
import { message } from '../i18n/message.js';
import type { IncidentEngine } from '../incidents/engine.js';
import type { SmsProvider } from '../notify/sms.js';
import type { TerritoryStore } from '../territory/store.js';
import { type Digests, newTrackingCode } from './codes.js';
import { addressCell, positionCell, type ResidentLimits, windowRefusal } from './limits.js';
import { smsText } from './phone-codes.js';
import type { ResidentStore } from './store.js';

/** The one actor every resident report is filed as: the cloud taking it in for a resident. */
export const RESIDENT_ACTOR = 'resident';

export interface ResidentIntakeDeps {
  db: Db;
  clock: Clock;
  engine: IncidentEngine;
  territory: TerritoryStore;
  store: ResidentStore;
  digests: Digests;
  limits: ResidentLimits;
  sms: SmsProvider | undefined;
}

export interface ResidentFiling {
  channel: 'web' | 'open311';
  requestId: string;
  category: string;
  description: string;
  photoIds: readonly string[];
  position?: { lon: number; lat: number; accuracy_m?: number } | undefined;
  address?: string | undefined;
  community?: string | undefined;
  /** A phone the resident confirmed (web) or gave (Open311: not confirmed, kept sealed). */
  phone?: string | undefined;
  phoneConfirmed: boolean;
  email?: string | undefined;
  addressKey: string;
  open311?: { id: string; token: string; client: string };
  /** An Open311 client's photo link, on an allowed host (never fetched). */
  mediaUrl?: string;
}

const HOUR_MS = 3600_000;

/**
 * Categories residents may report: active, with no subcategories, whose allowed sources include
 * `resident` (an empty list allows every source).
 */
export async function residentCategories(db: Db): Promise<ResidentCategory[]> {
  const { rows } = await db.query<{ code: string; name_zh: string; name_en: string }>(
    `SELECT c.code, c.name_zh, c.name_en FROM categories c
      WHERE c.active AND (c.allowed_sources = '[]'::jsonb OR c.allowed_sources ? 'resident')
        AND c.governance
        AND NOT EXISTS (SELECT 1 FROM categories k WHERE k.parent_code = c.code AND k.active)
      ORDER BY c.code`,
  );
  return rows.map((row) => ({ code: row.code, name: { zh: row.name_zh, en: row.name_en } }));
}

/** Communities a resident may choose when the position does not say. */
export async function residentCommunities(db: Db): Promise<Array<{ code: string; name: string }>> {
  const { rows } = await db.query<{ code: string; name_zh: string }>(
    "SELECT code, name_zh FROM territory_units WHERE level = 'community' ORDER BY code",
  );
  return rows.map((row) => ({ code: row.code, name: row.name_zh }));
}

/**
 * Files a resident's report as a REPORTED incident of source `resident` (the engine's manual
 * intake, as `system`), in the grid its position lies in, else the community chosen; its photos
 * become the incident's files. Returns the tracking code, shown once.
 */
export async function fileResidentReport(
  deps: ResidentIntakeDeps,
  filing: ResidentFiling,
  pointers: { category: string; place: string },
): Promise<{ trackingCode: string; reportId: string; incidentId: string; smsSent: boolean }> {
  const { db, clock, store, limits } = deps;
  const now = clock();
  const categories = await residentCategories(db);
  if (!categories.some((category) => category.code === filing.category))
    throw new ProblemError('GL_VALIDATION_FAILED', message('residents.category_unknown', { code: filing.category }), [
      { detail: message('residents.category_choose'), pointer: pointers.category },
    ]);

  const resolved = filing.position
    ? await deps.territory.resolveGrid({ lon: filing.position.lon, lat: filing.position.lat }, now)
    : { fallback: false };
  const community = resolved.community ?? filing.community;
  if (community === undefined)
    throw new ProblemError('GL_VALIDATION_FAILED', message('residents.place_unknown'), [
      { detail: message('residents.community_choose'), pointer: pointers.place },
    ]);
  if (resolved.community === undefined) {
    const known = await residentCommunities(db);
    if (!known.some((unit) => unit.code === community))
      throw new ProblemError('GL_VALIDATION_FAILED', message('residents.community_unknown', { code: community }), [
        { detail: message('residents.community_choose'), pointer: pointers.place },
      ]);
  }

  const since = new Date(now.getTime() - HOUR_MS);
  const cell = filing.position
    ? positionCell(filing.position.lon, filing.position.lat)
    : filing.address
      ? addressCell(filing.address)
      : null;
  if (cell !== null) {
    const refusal = windowRefusal('place', limits.perPlacePerHour, await store.countSince('cell', cell, since), now);
    if (refusal) throw refusal;
  }
  const phoneHash = filing.phone === undefined ? undefined : deps.digests.phone(filing.phone);
  if (phoneHash !== undefined) {
    const refusal = windowRefusal(
      'phone',
      limits.perPhonePerHour,
      await store.countSince('phone_hash', phoneHash, since),
      now,
    );
    if (refusal) throw refusal;
  }

  const reported = await deps.engine.report({
    requestId: `${filing.channel}:${filing.requestId}`,
    source: 'resident',
    category: filing.category,
    title: titleOf(filing.description),
    description: filing.description,
    place: { community, ...(resolved.grid === undefined ? {} : { grid: resolved.grid }) },
    ...(filing.address === undefined ? {} : { address: filing.address }),
    ...(filing.position === undefined
      ? {}
      : {
          position: {
            lon: filing.position.lon,
            lat: filing.position.lat,
            ...(filing.position.accuracy_m === undefined ? {} : { accuracyM: filing.position.accuracy_m }),
          },
        }),
    actor: RESIDENT_ACTOR,
    role: 'system',
    ...(filing.channel === 'open311' ? { comment: 'Open311' } : {}),
  });
  if (reported.repeated)
    throw new ProblemError('GL_RESIDENT_REPEATED', message('residents.repeated'), [
      { detail: message('residents.repeated'), pointer: '/request_id' },
    ]);
  const incidentId = reported.incident.id;
  const trackingCode = newTrackingCode();
  const reportId = await db.transaction(async (tx) => {
    const photos = await store.takePhotos(tx, filing.photoIds);
    for (const photo of photos)
      await tx.query(
        `INSERT INTO attachments (id, incident_id, media_type, name, tag, size_bytes, sha256, content, uploaded_by, uploaded_at)
         SELECT id, $2, media_type, $3, 'resident', size_bytes, sha256, content, $4, $5 FROM resident_photos WHERE id = $1`,
        [
          photo.id,
          incidentId,
          `resident-${photo.id.slice(0, 8)}.${photo.media_type.split('/')[1]}`,
          RESIDENT_ACTOR,
          now,
        ],
      );
    return store.add(tx, {
      incidentId,
      channel: filing.channel,
      trackingCode,
      ...(filing.phone === undefined ? {} : { phone: filing.phone, phoneHash }),
      ...(filing.email === undefined ? {} : { email: filing.email }),
      cell,
      addressKey: filing.addressKey,
      ...(filing.open311 === undefined ? {} : { open311: filing.open311 }),
      ...(filing.mediaUrl === undefined ? {} : { mediaUrl: filing.mediaUrl }),
    });
  });
  let smsSent = false;
  if (filing.phone !== undefined && filing.phoneConfirmed && deps.sms !== undefined) {
    await deps.sms.send(filing.phone, smsText('residents.sms_tracking', { code: trackingCode }));
    smsSent = true;
  }
  return { trackingCode, reportId, incidentId, smsSent };
}

/** The incident's title: the description's first line, shortened. */
function titleOf(description: string): string {
  const first = description.split('\n')[0]?.trim() ?? '';
  return first.length <= 40 ? first : `${first.slice(0, 39)}…`;
}
