import type {
  ApiToken,
  AuditLogPage,
  DisposalUnit,
  DutyPeriod,
  GridPosition,
  IssuedApiToken,
  Leave,
  NamedMember,
  Role,
  RoleAssignment,
  User,
} from '@gridlink/cloud';
import { Problem } from '../../api.js';
import { errorText } from '../../errors.js';
import { type PeopleText, pt } from './texts.js';

/** The wire shapes these pages read: the cloud's own types. */
export type {
  ApiToken,
  AuditLogPage,
  DisposalUnit,
  DutyPeriod,
  GridPosition,
  IssuedApiToken,
  Leave,
  NamedMember,
  Role,
  RoleAssignment,
  User,
};
export type AuditRecord = AuditLogPage['records'][number];

/** The roles an admin page offers, in the order of the menu; installers are given by the admin token only. */
export const OFFERED_ROLES: readonly Role[] = [
  'grid_worker',
  'operator',
  'disposal_unit',
  'property_manager',
  'callback_agent',
  'mediator',
  'district_admin',
];
export const POSITIONS: readonly GridPosition[] = ['grid_chief', 'full_time', 'part_time'];

export const roleName = (role: string) => pt(role as PeopleText) || role;
export const positionName = (position: string) => pt(position as PeopleText) || position;

/**
 * Every admin page's "history" link: the audit viewer opened on one target's trail. Other pages link
 * here too, so the form stays: `#/admin/audit?target=<target>`.
 */
export function historyHref(target: string): string {
  return `#/admin/audit?target=${encodeURIComponent(target)}`;
}

/** The query of the hash route (`#/admin/audit?target=…`). */
export function routeQuery(route: string): URLSearchParams {
  const at = route.indexOf('?');
  return new URLSearchParams(at < 0 ? '' : route.slice(at + 1));
}

/**
 * What the server said of each field of a refused body (its JSON pointer `/username` or query
 * parameter), so the form shows it beside the field; the rest goes above the form.
 */
export function fieldErrors(err: unknown): { fields: Record<string, string>; general: string } {
  if (!(err instanceof Problem) || err.errors.length === 0) return { fields: {}, general: errorText(err) };
  const fields: Record<string, string> = {};
  const rest: string[] = [];
  for (const e of err.errors) {
    const name = e.pointer?.split('/')[1] ?? e.parameter;
    if (name) fields[name] = fields[name] ? `${fields[name]}；${e.detail}` : e.detail;
    else rest.push(e.detail);
  }
  // With every reason beside its field, "the body is invalid" above the form would only repeat them.
  const fieldsSayAll = rest.length === 0 && Object.keys(fields).length > 0 && err.status === 400;
  return { fields, general: fieldsSayAll ? '' : [err.detail, ...rest].join(' ') };
}
