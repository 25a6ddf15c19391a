import { type AlertPayload, CategoryCode, SEVERITIES, Severity, severityRank } from '@gridlink/protocol';

export type AlertChange = 'raised' | 'updated' | 'cleared';
export const ALERT_CHANGES: readonly AlertChange[] = ['raised', 'updated', 'cleared'];

/** Which alerts a `gridlink-alert-in` node passes on: every criterion given must hold. */
export interface AlertFilter {
  /** At least this severity. */
  minSeverity?: Severity;
  /** This category or one below it (`safety` takes `safety.access.door_held_open`). */
  category?: string;
  changes: ReadonlySet<AlertChange>;
}

export function alertFilter(props: {
  minSeverity?: string;
  category?: string;
  raised?: boolean;
  updated?: boolean;
  cleared?: boolean;
}): { ok: true; filter: AlertFilter } | { ok: false; reason: string } {
  const filter: AlertFilter = {
    changes: new Set(ALERT_CHANGES.filter((change) => props[change] !== false)),
  };
  const severity = props.minSeverity?.trim();
  if (severity) {
    const parsed = Severity.safeParse(severity);
    if (!parsed.success) {
      return { ok: false, reason: `severity ${JSON.stringify(severity)} is unknown: one of ${SEVERITIES.join(', ')}` };
    }
    filter.minSeverity = parsed.data;
  }
  const category = props.category?.trim();
  if (category) {
    if (!CategoryCode.safeParse(category).success) {
      return { ok: false, reason: `category ${JSON.stringify(category)} is not a category code, e.g. safety.access` };
    }
    filter.category = category;
  }
  return { ok: true, filter };
}

/** Whether a change of an alert passes; `alert` is undefined for a clear of an alert never seen. */
export function passes(filter: AlertFilter, change: AlertChange, alert: AlertPayload | undefined): boolean {
  if (!filter.changes.has(change)) return false;
  if (filter.minSeverity === undefined && filter.category === undefined) return true;
  if (!alert) return false;
  if (filter.minSeverity !== undefined && severityRank(alert.severity) < severityRank(filter.minSeverity)) return false;
  if (
    filter.category !== undefined &&
    alert.category !== filter.category &&
    !alert.category.startsWith(`${filter.category}.`)
  )
    return false;
  return true;
}
