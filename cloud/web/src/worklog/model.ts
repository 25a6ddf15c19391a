import type { EntryDetail, EntryPage, EntryPhotoLink, EntryView, WorklogContext } from '@gridlink/cloud';
import { type Json, Problem, session } from '../api.js';
import { lang } from '../i18n.js';

export type Entry = Json<EntryView>;
export type Detail = Json<EntryDetail> & { photos: Json<EntryPhotoLink>[] };
export type Page = Json<EntryPage>;
export type Context = Json<WorklogContext>;

/** The place of an entry in one line: 3 栋 2 单元 501 室, or the address. */
export function placeText(place: Entry['place']): string {
  const zh = lang() === 'zh';
  const parts: string[] = [];
  if (place.building) parts.push(zh ? `${place.building} 栋` : `Bldg ${place.building}`);
  if (place.unit) parts.push(zh ? `${place.unit} 单元` : `unit ${place.unit}`);
  if (place.room) parts.push(zh ? `${place.room} 室` : `room ${place.room}`);
  if (place.address) parts.push(place.address);
  return parts.join(' ');
}

/** Uploads one photo for an entry to come: the file is the body, the content is checked by the server. */
export async function uploadPhoto(file: File): Promise<{ id: string }> {
  const token = session()?.token;
  const response = await fetch(
    `/api/v1/worklog/photos?${new URLSearchParams({ name: file.name.slice(0, 256) || 'photo' })}`,
    {
      method: 'POST',
      headers: {
        accept: 'application/json',
        'content-type': file.type || 'application/octet-stream',
        'accept-language': lang() === 'en' ? 'en' : 'zh-CN',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: file,
    },
  );
  if (!response.ok) {
    const body = (await response.json().catch(() => ({}))) as { code?: string; detail?: string; errors?: [] };
    throw new Problem(response.status, body.code ?? 'GL_HTTP', body.detail ?? response.statusText, body.errors ?? []);
  }
  return (await response.json()) as { id: string };
}

/** Today as a date input wants it, in China time. */
export function chinaDay(at = new Date()): string {
  return new Date(at.getTime() + 8 * 3600_000).toISOString().slice(0, 10);
}

/** Now as a `datetime-local` input wants it, in China time. */
export function chinaMinute(at = new Date()): string {
  return new Date(at.getTime() + 8 * 3600_000).toISOString().slice(0, 16);
}
