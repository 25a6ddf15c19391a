import { lang } from '../../i18n.js';
import type { AuditRecord } from './people-api.js';
import { pt } from './texts.js';

/** Names of the actions the administration sections and personal-data reads write; others show as written. */
const ACTIONS: Record<string, { zh: string; en: string }> = {
  'user.create': { zh: '创建人员', en: 'User created' },
  'user.update': { zh: '修改人员', en: 'User changed' },
  'role.assign': { zh: '授予角色', en: 'Role given' },
  'role.revoke': { zh: '撤销角色', en: 'Role taken' },
  'api_token.create': { zh: '创建 API 令牌', en: 'API token created' },
  'api_token.revoke': { zh: '吊销 API 令牌', en: 'API token revoked' },
  'roster.member.set': { zh: '设置网格成员', en: 'Grid member set' },
  'roster.member.remove': { zh: '移出网格成员', en: 'Grid member removed' },
  'roster.duty_period.add': { zh: '添加排班', en: 'Duty period added' },
  'roster.duty_period.remove': { zh: '删除排班', en: 'Duty period removed' },
  'roster.leave.add': { zh: '登记请假', en: 'Leave recorded' },
  'roster.leave.cancel': { zh: '取消请假', en: 'Leave cancelled' },
  'disposal_unit.create': { zh: '创建处置单位', en: 'Unit created' },
  'disposal_unit.update': { zh: '修改处置单位', en: 'Unit changed' },
  'contact.view': { zh: '查看手机号', en: 'Phone number viewed' },
  'contact.set': { zh: '登记手机号', en: 'Phone number set' },
  'contact.remove': { zh: '删除手机号', en: 'Phone number removed' },
  'worklog.people.reveal': { zh: '查看走访对象', en: 'People met revealed' },
  'worklog.photo.view': { zh: '查看走访照片', en: 'Worklog photo viewed' },
  'patrol.trajectory.view': { zh: '查看巡查轨迹', en: 'Patrol track viewed' },
  'patrol.live.view': { zh: '查看实时位置', en: 'Live positions viewed' },
  'attachment.download': { zh: '下载事件附件', en: 'Attachment downloaded' },
  'category.create': { zh: '新增事件分类', en: 'Category created' },
  'category.update': { zh: '修改事件分类', en: 'Category changed' },
  'time_limit.set': { zh: '设置处置时限', en: 'Time limit set' },
  'time_limit.remove': { zh: '删除处置时限', en: 'Time limit removed' },
  'device_event_policy.create': { zh: '新增设备事件策略', en: 'Device-event policy created' },
  'device_event_policy.update': { zh: '修改设备事件策略', en: 'Device-event policy changed' },
  'device_event_policy.replace_all': { zh: '替换设备事件策略表', en: 'Device-event policies replaced' },
  'robots.replace': { zh: '修改通知机器人', en: 'Robots changed' },
  'deadlines.settings.replace': { zh: '修改时限与日历设置', en: 'Deadline and calendar settings changed' },
  'incidents.settings.replace': { zh: '修改事件设置', en: 'Incident settings changed' },
  'dispatch.settings.update': { zh: '修改派遣设置', en: 'Dispatch settings changed' },
  'kpi.settings.replace': { zh: '修改考核设置', en: 'KPI settings changed' },
  'maintenance.settings.replace': { zh: '修改维保设置', en: 'Maintenance settings changed' },
  'sessions.settings.replace': { zh: '修改登录会话设置', en: 'Session settings changed' },
  'patrol.settings.replace': { zh: '修改巡查设置', en: 'Patrol settings changed' },
  'worklog.settings.replace': { zh: '修改民情日志设置', en: 'Work-log settings changed' },
  'territory.import.apply': { zh: '导入辖区', en: 'Territory imported' },
};

/** The "what" filter's choices: whole families (a prefix) and the single actions above. */
export const ACTION_CHOICES: Array<{ value: string; label: { zh: string; en: string } }> = [
  { value: 'user.*', label: { zh: '人员（全部）', en: 'Users (all)' } },
  { value: 'role.*', label: { zh: '角色（全部）', en: 'Roles (all)' } },
  { value: 'roster.*', label: { zh: '网格力量（全部）', en: 'Rosters (all)' } },
  { value: 'disposal_unit.*', label: { zh: '处置单位（全部）', en: 'Disposal units (all)' } },
  { value: 'contact.*', label: { zh: '手机号（全部）', en: 'Phone numbers (all)' } },
  ...Object.entries(ACTIONS).map(([value, label]) => ({ value, label })),
];

export function actionName(action: string): string {
  return ACTIONS[action]?.[lang()] ?? action;
}

/** The actor as a person reads it: the user's name, the admin token, the command line. */
export function actorLabel(record: Pick<AuditRecord, 'actor' | 'actor_name'>): string {
  if (record.actor_name) return record.actor_name;
  if (record.actor === 'admin') return pt('adminToken');
  if (record.actor === 'cli') return pt('cli');
  return record.actor;
}

export interface ChangeRow {
  field: string;
  before?: string;
  after: string;
  changed: boolean;
}

/** A value as a line of text: role assignments as `role scope`, lists joined, objects as `key: value`. */
const shown = (value: unknown): string => {
  if (value === undefined) return '—';
  if (value === null) return '∅';
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.length === 0 ? '[]' : value.map(shown).join('、');
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>);
    const { role, scope } = value as { role?: unknown; scope?: unknown };
    if (entries.length === 2 && typeof role === 'string' && typeof scope === 'string') return `${role} ${scope}`;
    return entries.map(([key, inner]) => `${key}: ${shown(inner)}`).join('; ');
  }
  return String(value);
};

/**
 * A record's details as rows: a change of settings (`before`/`after`) field by field, a change
 * that kept only `before` (a user's) against the fields beside it, anything else as written.
 */
export function changeRows(details: Record<string, unknown>, names: Record<string, string> = {}): ChangeRow[] {
  const named = (value: string) => names[value] ?? value;
  const rows = changeRowsAsWritten(details);
  return rows.map((row) => ({
    ...row,
    after: named(row.after),
    ...(row.before === undefined ? {} : { before: named(row.before) }),
  }));
}

function changeRowsAsWritten(details: Record<string, unknown>): ChangeRow[] {
  const { before, after, ...rest } = details as { before?: unknown; after?: unknown } & Record<string, unknown>;
  const isObject = (v: unknown): v is Record<string, unknown> =>
    v !== null && typeof v === 'object' && !Array.isArray(v);
  if (isObject(before)) {
    const now = isObject(after) ? after : rest;
    const fields = [...new Set([...Object.keys(before), ...Object.keys(now)])];
    const rows: ChangeRow[] = fields.map((field) => ({
      field,
      before: shown(before[field]),
      after: shown(now[field]),
      changed: JSON.stringify(before[field]) !== JSON.stringify(now[field]),
    }));
    // Fields beside a `before` that it did not name (a password changed) still show.
    if (isObject(after))
      for (const [field, value] of Object.entries(rest)) rows.push({ field, after: shown(value), changed: false });
    return rows;
  }
  return Object.entries(details).map(([field, value]) => ({ field, after: shown(value), changed: false }));
}
