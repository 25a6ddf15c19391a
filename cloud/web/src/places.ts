import { call } from './api.js';

/** A community or grid as `GET /territory/search` finds it by name. */
export interface Place {
  code: string;
  level: 'community' | 'grid';
  name: { zh: string; en: string };
  parent: { code: string; name: { zh: string; en: string } } | null;
}

/** The communities and grids the user sees whose name contains `text`; none for blank text. */
export async function searchPlaces(text: string): Promise<Place[]> {
  const q = text.trim();
  if (!q) return [];
  const answer = await call<{ places: Place[] }>('GET', `/territory/search?q=${encodeURIComponent(q)}`);
  return answer.places;
}
