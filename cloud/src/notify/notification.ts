import type { Severity } from '@gridlink/protocol';

/** Something a person must know about an incident, in the interface language first (zh), then en. */
export interface Notification {
  /** Stable per incident and reason (e.g. `INC-…:dispatched`): channels use it to drop repeats. */
  key: string;
  incidentId: string;
  title: { zh: string; en: string };
  text: { zh: string; en: string };
  severity: Severity;
  urgent: boolean;
  /** Who it is for: users (live push, SMS) and the territory it concerns (robots of that community). */
  recipients: { userIds: string[]; territory: string };
  /** A link into the web app, if there is one. */
  url?: string;
  at: Date;
}

/** One way of reaching people: live push, a WeCom or DingTalk group robot, SMS. */
export interface NotificationChannel {
  readonly name: string;
  send(notification: Notification): Promise<void>;
}

/** The one-line form robots and SMS use: `【紧急】燃气泄漏 3 号楼 2 单元 (INC-…)`. */
export function headline(notification: Notification): string {
  const mark = notification.urgent ? '【紧急】' : notification.severity === 'critical' ? '【重要】' : '';
  return `${mark}${notification.title.zh} (${notification.incidentId})`;
}
