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

const LEVEL_NAMES: Record<string, { zh: string; en: string }> = {
  grid: { zh: '网格', en: 'grid' },
  community: { zh: '社区', en: 'community' },
  street: { zh: '街道', en: 'street' },
  district: { zh: '区', en: 'district' },
};

/**
 * Up the chain: a life-safety incident nobody signed for (`unsigned`, key
 * `<incident>:unsigned:<level>`), or a breached time limit that moved the incident up a level
 * (`overdue`, key `<incident>:overdue:<level>:<step seq>`).
 */
export function escalationNotification(
  incident: Incident,
  reason: { kind: 'unsigned'; level: string; minutes: number } | { kind: 'overdue'; level: string; stepSeq: number },
  userIds: string[],
  at: Date,
) {
  const place = placeText(incident);
  const level = LEVEL_NAMES[reason.level] ?? { zh: reason.level, en: reason.level };
  const text =
    reason.kind === 'unsigned'
      ? {
          zh: `紧急事件 ${reason.minutes} 分钟无人签收，已上报${level.zh}。${place.zh}`.trim(),
          en: `Urgent incident unsigned for ${reason.minutes} minutes: raised to the ${level.en}. ${place.en}`.trim(),
        }
      : {
          zh: `办理超时，已升级至${level.zh}督办（红牌）。${place.zh}`.trim(),
          en: `Time limit breached: escalated to the ${level.en} with a red card. ${place.en}`.trim(),
        };
  return {
    key:
      reason.kind === 'unsigned'
        ? `${incident.id}:unsigned:${reason.level}`
        : `${incident.id}:overdue:${reason.level}:${reason.stepSeq}`,
    incidentId: incident.id,
    title: { zh: incident.title, en: incident.description ?? incident.title },
    text,
    severity: incident.severity,
    urgent: true,
    recipients: { userIds, territory: territory(incident) },
    at,
  } satisfies Notification;
}
