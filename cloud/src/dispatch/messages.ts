import { message } from '../i18n/message.js';
import { bilingual } from '../i18n/render.js';
import type { Incident } from '../incidents/index.js';
import type { Notification } from '../notify/notification.js';

/** Where it is, as people read it: the address, else building/unit and the grid or community. */
export function placeText(incident: Incident): { zh: string; en: string } {
  const { address, building, unit, grid, community } = incident.place;
  if (address) return { zh: address, en: address };
  const area = grid ?? community ?? '';
  const parts = [
    building ? bilingual(message('place.building', { building })) : undefined,
    unit ? bilingual(message('place.unit', { unit })) : undefined,
  ].filter((part) => part !== undefined);
  const zh = [...parts.map((part) => part.zh), area ? `（${area}）` : ''].join(' ');
  const en = [...parts.map((part) => part.en), area ? `(${area})` : ''].filter(Boolean).join(' ');
  return { zh: zh.replace(/\s+/g, ' ').trim(), en };
}

/** The incident's title in both languages: its message when the cloud wrote it, else as written. */
export function titleText(incident: Incident): { zh: string; en: string } {
  const title = incident.titleMessage
    ? bilingual(incident.titleMessage)
    : { zh: incident.title, en: incident.description ?? incident.title };
  // A drill's notice says so first: nobody may take an exercise for a real fire.
  return incident.drill ? { zh: `【演练】${title.zh}`, en: `[Drill] ${title.en}` } : title;
}

const territory = (incident: Incident) => incident.place.grid ?? incident.place.community ?? '';

/** To the assignee (and the groups told with it): `<incident>:dispatched:<version>`. */
export function dispatchedNotification(
  incident: Incident,
  version: number,
  to: { kind: 'you' } | { kind: 'unit'; unit: string },
  userIds: string[],
  at: Date,
): Notification {
  const place = placeText(incident);
  const whom = to.kind === 'you' ? message('notify.to_you') : message('notify.to_unit', { unit: to.unit });
  const text = bilingual(message('notify.dispatched', { to: whom }));
  return {
    key: `${incident.id}:dispatched:${version}`,
    incidentId: incident.id,
    title: titleText(incident),
    text: { zh: `${text.zh}${place.zh}`.trim(), en: `${text.en} ${place.en}`.trim() },
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
  const text = bilingual(message('notify.to_operators', { reason }));
  return {
    key: `${incident.id}:to_operators:${version}`,
    incidentId: incident.id,
    title: titleText(incident),
    text: { zh: `${text.zh}${place.zh}`.trim(), en: `${text.en} ${place.en}`.trim() },
    severity: incident.severity,
    urgent: incident.urgent,
    recipients: { userIds, territory: territory(incident) },
    at,
  } satisfies Notification;
}

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
  const said = bilingual(
    reason.kind === 'unsigned'
      ? message('notify.unsigned', { minutes: reason.minutes, level: reason.level })
      : message('notify.overdue', { level: reason.level }),
  );
  return {
    key:
      reason.kind === 'unsigned'
        ? `${incident.id}:unsigned:${reason.level}`
        : `${incident.id}:overdue:${reason.level}:${reason.stepSeq}`,
    incidentId: incident.id,
    title: titleText(incident),
    text: { zh: `${said.zh}${place.zh}`.trim(), en: `${said.en} ${place.en}`.trim() },
    severity: incident.severity,
    urgent: true,
    recipients: { userIds, territory: territory(incident) },
    at,
  } satisfies Notification;
}
