import { type IncidentDetail, uploadPath } from '../api.js';
import { actionName, actionTexts, when } from '../i18n.js';
import { randomId } from '../ids.js';
import { explainConflictsOf } from './outbox/conflicts.js';
import type { NewRequest } from './outbox/outbox.js';
import { queue } from './outbox/phone-outbox.js';
import { resultOf } from './outbox/placeholders.js';
import { readThrough } from './read-cache.js';
import { pt } from './texts.js';

/** A step's body as the API takes it (`POST /incidents/{id}/transitions`), attachments aside. */
export interface StepBody {
  action: string;
  request_id: string;
  expected_version?: number;
  comment?: string;
  data?: Record<string, unknown>;
}

export interface StepPhoto {
  file: File;
  tag?: string | undefined;
  /** Uploaded already (an earlier try of the same form): its attachment id. */
  uploadedId?: string | undefined;
}

export const TRANSITION = 'incident.transition';
export const ATTACHMENT = 'incident.attachment';

/** The file's SHA-256 in hex, to find an upload whose answer was lost; browsers give it on HTTPS and localhost only. */
async function sha256(file: Blob): Promise<string | undefined> {
  if (!globalThis.crypto?.subtle) return undefined;
  const digest = await crypto.subtle.digest('SHA-256', await file.arrayBuffer());
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * Queues an incident's step with its photos: each photo an upload, then the step naming them by
 * the ids their uploads will answer with. Returns the requests' ids, the step's last.
 */
export async function queueStep(incidentId: string, title: string, body: StepBody, photos: StepPhoto[]) {
  const uploads: NewRequest[] = [];
  const attachments: unknown[] = [];
  for (const photo of photos) {
    if (photo.uploadedId) {
      attachments.push({ id: photo.uploadedId });
      continue;
    }
    const id = randomId('web-file');
    const digest = await sha256(photo.file);
    uploads.push({
      id,
      kind: ATTACHMENT,
      subject: incidentId,
      label: { zh: `照片 ${photo.file.name}`, en: `Photo ${photo.file.name}` },
      method: 'POST',
      path: uploadPath(incidentId, photo.file.name, photo.tag),
      body: { blob: photo.file, contentType: photo.file.type || 'application/octet-stream' },
      ...(digest
        ? {
            recovery: {
              path: `/incidents/${encodeURIComponent(incidentId)}/attachments`,
              pointer: '/attachments',
              sha256: digest,
            },
          }
        : {}),
    });
    attachments.push({ id: resultOf(id, '/id') });
  }
  const action = actionTexts(body.action);
  const step: NewRequest = {
    id: body.request_id,
    kind: TRANSITION,
    subject: incidentId,
    label: { zh: `${action.zh} · ${title}`, en: `${action.en} · ${title}` },
    method: 'POST',
    path: `/incidents/${encodeURIComponent(incidentId)}/transitions`,
    body: { json: { ...body, ...(attachments.length > 0 ? { attachments } : {}) } },
  };
  const items = await queue([...uploads, step]);
  return items.map((item) => item.id);
}

// A step refused because the incident moved on: the steps taken since the version the worker saw,
// and the same step on the version there is now (the worker decides whether it still applies).
explainConflictsOf(TRANSITION, async (item) => {
  const json = 'json' in item.body ? (item.body.json as { expected_version?: number }) : {};
  const { value } = await readThrough<IncidentDetail>(`/incidents/${encodeURIComponent(item.subject)}`);
  const seen = json.expected_version ?? 0;
  const lines = value.steps
    .filter((step) => step.version > seen)
    .map((step) =>
      pt('changedBy', {
        at: when(step.at),
        who: value.names[step.actor] ?? step.actor,
        action: actionName(step.action),
        version: step.version,
      }),
    );
  const version = value.incident.version;
  return { lines, rebase: (body) => ({ ...(body as object), expected_version: version }) };
});
