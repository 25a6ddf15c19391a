import { Problem } from '../../api.js';

/**
 * The audit viewer's address for one record: `#/admin/audit?target=<target>`. The target's `:`, `/`,
 * `.` and `*` stay as they are (the viewer reads `target` from the query); anything else is encoded.
 */
export function historyHref(target: string): string {
  return `#/admin/audit?target=${encodeURIComponent(target).replace(/%3A/g, ':').replace(/%2F/g, '/')}`;
}

/**
 * What the server said of each field of a refused save, by the field's JSON Pointer (`/name/zh`)
 * or path parameter (`code`), so a form shows it beside the field.
 */
export function fieldErrors(err: unknown): Record<string, string> {
  if (!(err instanceof Problem)) return {};
  const errors: Record<string, string> = {};
  for (const e of err.errors) {
    const key = e.pointer ?? e.parameter;
    if (key !== undefined) errors[key] = errors[key] ? `${errors[key]}；${e.detail}` : e.detail;
  }
  return errors;
}

/** A refusal (403): the page still shows what is there, read-only, with the server's reason. */
export const isRefusal = (err: unknown): boolean => err instanceof Problem && err.status === 403;

/**
 * The line above a refused form: the problem's own detail when its fields are said beside them
 * (not twice), else everything it says.
 */
export function refusalSummary(err: unknown, fields: Record<string, string>, whole: string): string {
  return err instanceof Problem && Object.keys(fields).length > 0 ? err.detail : whole;
}
