import type { Incident } from '../incidents/index.js';
import type { Notification } from '../notify/notification.js';

/** Where it is, as people read it: the address, else building/unit and the grid or community. */
export function placeText(incident: Incident): { zh: string; en: string } {
  const { address, building, unit, grid, community } = incident.place;
  if (address) return { zh: address, en: address };
  const area = grid ?? community ?? '';
  const zh = [building ? `${building} 号楼` : '', unit ? `${unit} 单元` : '', area ? `（${area}）` : ''].join(' ');
  const en = [building ? `building ${building}` : '', unit ? `unit ${unit}` : '', area ? `(${area})` : '']
    .filter(Boolean)
    .join(' ');
  return { zh: zh.replace(/\s+/g, ' ').trim(), en };
}

const territory = (incident: Incident) => incident.place.grid ?? incident.place.community ?? '';

/** To the assignee (and the groups told with it): `<incident>:dispatched:<version>`. */
export function dispatchedNotification(
  incident: Incident,
  version: number,
  to: { zh: string; en: string },
  userIds: string[],
  at: Date,
): Notification {
  const place = placeText(incident);
  return {
    key: `${incident.id}:dispatched:${version}`,
    incidentId: incident.id,
    title: { zh: incident.title, en: incident.description ?? incident.title },
    text: {
      zh: `已派遣给${to.zh}，请及时签收。${place.zh}`.trim(),
      en: `Dispatched to ${to.en}; please sign for it. ${place.en}`.trim(),
    },
    severity: incident.severity,
    urgent: incident.urgent,
    recipients: { userIds, territory: territory(incident) },
    at,
  };
}

/** To the operators when nobody could be chosen: `<incident>:to_operators:<version>`. */
export function operatorsNotification(
  incident: Incident,
  version: number,
  reason: string,
  userIds: string[],
  at: Date,
) {
  const place = placeText(incident);
  const why: Record<string, { zh: string; en: string }> = {
    no_grid: { zh: '无所属网格', en: 'no grid' },
    nobody_on_duty: { zh: '网格无人值班', en: 'nobody on duty in the grid' },
    returned: { zh: '责任方退件', en: 'returned by the assignee' },
  };
  const because = why[reason] ?? { zh: reason, en: reason };
  return {
    key: `${incident.id}:to_operators:${version}`,
    incidentId: incident.id,
    title: { zh: incident.title, en: incident.description ?? incident.title },
    text: {
      zh: `待派遣（${because.zh}），请人工派遣。${place.zh}`.trim(),
      en: `Waiting for dispatch (${because.en}): please dispatch it. ${place.en}`.trim(),
    },
    severity: incident.severity,
    urgent: incident.urgent,
    recipients: { userIds, territory: territory(incident) },
    at,
  } satisfies Notification;
}
