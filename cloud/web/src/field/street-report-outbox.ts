import { ATTACHMENT, sha256, TRANSITION } from '../pwa/incident-steps.js';
import type { NewRequest } from '../pwa/outbox/outbox.js';
import { queue } from '../pwa/outbox/phone-outbox.js';
import { pathResultOf, resultOf } from '../pwa/outbox/placeholders.js';
import { type FilingProgress, reportBody, type StreetReportDraft, selfHandleRequestId } from './street-report.js';

export const STREET_REPORT = 'incident.report';

/**
 * Keeps a street report on the phone when there is no network: the report, then each photo (sent
 * to the incident the report's answer names), then, handled on the spot, the selfHandle step naming
 * the uploaded photos. The outbox sends them in that order once the link is back. Each goes once:
 * the report is idempotent on its request id per reporter, the step on its own, and a photo whose
 * answer was lost is found among the incident's files by its digest before it is sent again.
 * What `progress` says went through already (the incident, some photos) is not queued again.
 * Returns the requests' ids.
 */
export async function queueStreetReport(draft: StreetReportDraft, progress: FilingProgress): Promise<string[]> {
  const subject = `street-report:${draft.requestId}`;
  const label = (zh: string, en: string) => ({ zh: `${zh} · ${draft.title}`, en: `${en} · ${draft.title}` });
  const requests: NewRequest[] = [];
  const filed = progress.incident;
  if (!filed)
    requests.push({
      id: draft.requestId,
      kind: STREET_REPORT,
      subject,
      label: label('随手拍上报', 'Street report'),
      method: 'POST',
      path: '/incidents',
      body: { json: reportBody(draft) },
    });
  // The incident's id in a path: known when it was filed already, else from the report's answer.
  const incident = filed ? encodeURIComponent(filed.id) : pathResultOf(draft.requestId, '/incident/id');
  const attachments: unknown[] = [];
  for (const [index, photo] of draft.photos.entries()) {
    const done = progress.uploaded[index];
    if (done) {
      attachments.push({ id: done });
      continue;
    }
    const id = `${draft.requestId}-photo-${index + 1}`;
    const query = new URLSearchParams({ name: photo.name.slice(0, 256) || 'attachment', tag: 'scene' });
    const digest = await sha256(photo);
    requests.push({
      id,
      kind: ATTACHMENT,
      subject,
      label: { zh: `照片 ${photo.name}`, en: `Photo ${photo.name}` },
      method: 'POST',
      path: `/incidents/${incident}/attachments?${query}`,
      body: { blob: photo, contentType: photo.type || 'application/octet-stream' },
      ...(digest
        ? { recovery: { path: `/incidents/${incident}/attachments`, pointer: '/attachments', sha256: digest } }
        : {}),
    });
    attachments.push({ id: resultOf(id, '/id') });
  }
  if (draft.selfHandle && (!filed || filed.state === 'REPORTED'))
    requests.push({
      id: selfHandleRequestId(draft),
      kind: TRANSITION,
      subject,
      label: label('自行处置', 'Handled on the spot'),
      method: 'POST',
      path: `/incidents/${incident}/transitions`,
      body: {
        json: {
          action: 'selfHandle',
          request_id: selfHandleRequestId(draft),
          ...(attachments.length > 0 ? { attachments } : {}),
        },
      },
    });
  const items = await queue(requests);
  return items.map((item) => item.id);
}
