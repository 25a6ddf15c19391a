import type { NewRequest } from '../pwa/outbox/outbox.js';
import { queue } from '../pwa/outbox/phone-outbox.js';
import { resultOf } from '../pwa/outbox/placeholders.js';

export const WORKLOG_PHOTO = 'worklog.photo';
export const WORKLOG_ENTRY = 'worklog.entry';

/** A photo of the entry: uploaded already by an earlier try (its id), or still to send. */
export type EntryPhoto = { id: string } | { file: File };

/**
 * Keeps a work log entry on the phone when there is no network: each photo still to upload
 * (`POST /worklog/photos`), then the entry (`POST /worklog/entries`) naming the photos by the ids
 * their uploads answer with. The outbox sends them in that order once the link is back; the entry
 * is stored once (idempotent on its request id per author). A photo upload whose answer was lost
 * is sent again: the first copy then stays linked to no entry (the server lists no uploads by digest
 * to find it by), which costs storage, never a second entry. Returns the requests' ids.
 */
export async function queueEntry(
  body: Record<string, unknown> & { request_id: string; note: string },
  photos: EntryPhoto[],
): Promise<string[]> {
  const subject = `worklog:${body.request_id}`;
  const note = body.note.length > 24 ? `${body.note.slice(0, 24)}…` : body.note;
  const uploads: NewRequest[] = [];
  const photoIds = photos.map((photo, index) => {
    if ('id' in photo) return photo.id;
    const id = `${body.request_id}-photo-${index + 1}`;
    uploads.push({
      id,
      kind: WORKLOG_PHOTO,
      subject,
      label: { zh: `日志照片 ${photo.file.name}`, en: `Log photo ${photo.file.name}` },
      method: 'POST',
      path: `/worklog/photos?${new URLSearchParams({ name: photo.file.name.slice(0, 256) || 'photo' })}`,
      body: { blob: photo.file, contentType: photo.file.type || 'application/octet-stream' },
    });
    return resultOf(id, '/id');
  });
  const entry: NewRequest = {
    id: body.request_id,
    kind: WORKLOG_ENTRY,
    subject,
    label: { zh: `民情日志 · ${note}`, en: `Work log · ${note}` },
    method: 'POST',
    path: '/worklog/entries',
    body: { json: { ...body, photo_ids: photoIds } },
  };
  const items = await queue([...uploads, entry]);
  return items.map((item) => item.id);
}
