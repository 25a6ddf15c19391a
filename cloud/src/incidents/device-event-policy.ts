import { type CategoryCode, DeviceEventPolicy, parentCode } from '@gridlink/protocol';
import type { Queryable } from '../db/db.js';

export interface PolicyDecision {
  policy: DeviceEventPolicy;
  /** The row that decided (the most specific code of the category), or null for the default. */
  matched: string | null;
  /** Category of the incident or ticket, when the row names one. */
  incidentCategory: CategoryCode | null;
}

/** Alerts of a category no row covers open an incident: a rule author chose to raise them. */
export const DEFAULT_DEVICE_EVENT_POLICY: DeviceEventPolicy = 'auto_incident';

/** The category and its parents, most specific first: `a.b.c`, `a.b`, `a`. */
export function categoryLineage(code: CategoryCode): CategoryCode[] {
  const lineage: CategoryCode[] = [];
  for (let current: string | undefined = code; current !== undefined; current = parentCode(current)) {
    lineage.push(current);
  }
  return lineage;
}

/** Reads the `device_event_policies` table (domain §7, tenant data) for an alert's category. */
export async function decidePolicy(db: Queryable, category: CategoryCode): Promise<PolicyDecision> {
  const lineage = categoryLineage(category);
  const { rows } = await db.query<{ category_code: string; policy: string; incident_category: string | null }>(
    `SELECT category_code, policy, incident_category FROM device_event_policies
      WHERE category_code = ANY($1::text[])
      ORDER BY length(category_code) DESC LIMIT 1`,
    [lineage],
  );
  const row = rows[0];
  if (row === undefined) return { policy: DEFAULT_DEVICE_EVENT_POLICY, matched: null, incidentCategory: null };
  return {
    policy: DeviceEventPolicy.parse(row.policy),
    matched: row.category_code,
    incidentCategory: row.incident_category,
  };
}

/** The step the cloud takes right after creating an incident under a policy (confirm first: verify). */
export const POLICY_FOLLOW_UP: Partial<Record<DeviceEventPolicy, string>> = { confirm_first: 'needVerify' };
