import type { Db } from '../db/db.js';
import type { Language } from '../i18n/message.js';
import { message } from '../i18n/message.js';
import { render } from '../i18n/render.js';
import type { Incident, IncidentStep } from './index.js';

/**
 * The names of what incidents mention by code or id — their community and grid, the assignee (a
 * disposal unit or a grid worker) and the actors of their steps — keyed by that code or id, in the
 * reader's language. Pages show the name and keep the code one click away. One query per kind for
 * the whole page, and only what the incidents given (which the reader already sees) mention.
 */
export async function namesOf(
  db: Db,
  incidents: readonly Incident[],
  steps: readonly IncidentStep[],
  language: Language,
): Promise<Record<string, string>> {
  const places = new Set<string>();
  const people = new Set<string>();
  for (const incident of incidents) {
    if (incident.place.community) places.add(incident.place.community);
    if (incident.place.grid) places.add(incident.place.grid);
    if (incident.assignee) people.add(incident.assignee);
  }
  for (const step of steps) people.add(step.actor);
  const names: Record<string, string> = {};
  const english = language === 'en';
  const [territory, units, users] = await Promise.all([
    db.query<{ code: string; name_zh: string; name_en: string | null }>(
      'SELECT code, name_zh, name_en FROM territory_units WHERE code = ANY($1::text[])',
      [[...places]],
    ),
    db.query<{ id: string; name_zh: string; name_en: string }>(
      'SELECT id, name_zh, name_en FROM disposal_units WHERE id = ANY($1::text[])',
      [[...people]],
    ),
    db.query<{ id: string; display_name: string }>('SELECT id, display_name FROM users WHERE id = ANY($1::text[])', [
      [...people],
    ]),
  ]);
  for (const row of territory.rows) names[row.code] = (english && row.name_en) || row.name_zh;
  for (const row of units.rows) names[row.id] = (english && row.name_en) || row.name_zh;
  for (const row of users.rows) names[row.id] = row.display_name;
  for (const actor of people) {
    const system = systemActorName(actor, language);
    if (system !== undefined && names[actor] === undefined) names[actor] = system;
  }
  return names;
}

/** The cloud and gateways act too (`cloud:dispatch`, `gateway:gw-…`): named as the system doing what. */
function systemActorName(actor: string, language: Language): string | undefined {
  if (actor === 'cloud' || actor.startsWith('cloud:')) {
    const what = actor.slice('cloud:'.length) || 'engine';
    return render(message('actor.cloud', { what }), language);
  }
  if (actor.startsWith('gateway:')) {
    return render(message('actor.gateway', { gateway: actor.slice('gateway:'.length) }), language);
  }
  return undefined;
}
