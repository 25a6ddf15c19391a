import type { Incident, Place } from './api.js';
import { lang, t } from './i18n.js';

/** What the API names by code or id (community, grid, assignee, actors): `names` of the list and the detail. */
export type Names = Record<string, string>;

/** A bare number or letter code ("3", "B3") gets its word; "3号楼" is already said. */
const bare = (text: string) => /^[0-9A-Za-z-]+$/.test(text);

/** Building, unit, floor and room as people say them: 3号楼2单元4楼 0401 (Bldg 3, Unit 2, Floor 4 0401). */
export function spotText(place: Pick<Place, 'building' | 'unit' | 'floor' | 'room'>): string {
  const { building, unit, floor, room } = place;
  const where = [
    building && (bare(building) ? t('buildingNo', { building }) : building),
    unit && (bare(unit) ? t('unitNo', { unit }) : unit),
    floor !== null && floor !== undefined && t('floorNo', { floor }),
  ]
    .filter(Boolean)
    .join(lang() === 'zh' ? '' : ', ');
  return [where, room].filter(Boolean).join(' ');
}

/**
 * The title as people read it: a device's id in it ("smoke-b3-u2-0401 烟雾报警") becomes the device's
 * place ("3号楼2单元4楼 0401 烟雾报警") when the place is known; the id stays on the detail page.
 */
export function titleOf(incident: Pick<Incident, 'title' | 'place'>): string {
  const device = incident.place.deviceId;
  const spot = spotText(incident.place);
  if (!device || !spot || !incident.title.includes(device)) return incident.title;
  return incident.title.replace(device, spot);
}
