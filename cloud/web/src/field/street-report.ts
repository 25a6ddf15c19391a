import type { NearbyAnswer } from '@gridlink/cloud';
import { call, type Incident, type Json, upload } from '../api.js';
import type { Fix } from './geolocation.js';

/** What the street report form (随手拍) files. */
export interface StreetReportDraft {
  /** One per form: a retry after a failure is the same report (idempotent per reporter). */
  requestId: string;
  source: 'patrol' | 'property';
  category: string;
  title: string;
  description?: string;
  address?: string;
  fix: Fix;
  photos: File[];
  /** Handled on the spot (`selfHandle`), or left reported for the centre. */
  selfHandle: boolean;
}

export type Nearby = Json<NearbyAnswer>;

/** Open incidents near the fix, same category first (`GET /incidents/nearby`). */
export function nearbyIncidents(fix: Fix, category: string | undefined): Promise<Nearby> {
  const query = new URLSearchParams({ lon: String(fix.lon), lat: String(fix.lat), crs: fix.crs });
  if (category) query.set('category', category);
  return call<Nearby>('GET', `/incidents/nearby?${query}`);
}

/** How far filing got: the incident exists once `incident` is set, even if a later part failed. */
export interface FilingProgress {
  incident?: Json<Incident>;
  uploaded: string[];
}

/**
 * Files the report in three requests: the incident (placed by the fix), its photos, and, when
 * handled on the spot, the `selfHandle` step carrying them. Each part is idempotent or done once
 * (`progress` keeps what went through), so calling it again after a failure finishes the rest.
 *
 * Offline queuing belongs to the PWA's queue (`pwa/`): a queued draft would be replayed by calling
 * this function with the same draft and a fresh `progress`; the request id keeps the incident single.
 */
export async function fileStreetReport(
  draft: StreetReportDraft,
  progress: FilingProgress,
  onUpload: (index: number, total: number) => void = () => {},
): Promise<Json<Incident>> {
  const { fix } = draft;
  if (!progress.incident) {
    const created = await call<{ incident: Json<Incident> }>('POST', '/incidents', {
      request_id: draft.requestId,
      source: draft.source,
      category: draft.category,
      title: draft.title,
      ...(draft.description ? { description: draft.description } : {}),
      ...(draft.address ? { address: draft.address } : {}),
      location: { lon: fix.lon, lat: fix.lat, crs: fix.crs, accuracy_m: fix.accuracy_m, at: fix.at },
    });
    progress.incident = created.incident;
  }
  const incident = progress.incident;
  for (const [index, photo] of draft.photos.entries()) {
    if (progress.uploaded[index]) continue;
    onUpload(index + 1, draft.photos.length);
    progress.uploaded[index] = (await upload(incident.id, photo, 'scene')).id;
  }
  if (draft.selfHandle && incident.state === 'REPORTED') {
    const handled = await call<{ incident: Json<Incident> }>(
      'POST',
      `/incidents/${encodeURIComponent(incident.id)}/transitions`,
      {
        action: 'selfHandle',
        request_id: `${draft.requestId}-self`,
        ...(progress.uploaded.length > 0 ? { attachments: progress.uploaded.map((id) => ({ id })) } : {}),
      },
    );
    progress.incident = handled.incident;
  }
  return progress.incident;
}
