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
  return (await decidePolicies(db, [category])).get(category) as PolicyDecision;
}

/** The decision for each of several categories, from one read of the table. */
export async function decidePolicies(
  db: Queryable,
  categories: readonly CategoryCode[],
): Promise<Map<CategoryCode, PolicyDecision>> {
  const decisions = new Map<CategoryCode, PolicyDecision>();
  const distinct = [...new Set(categories)];
  if (distinct.length === 0) return decisions;
  const lineages = new Map(distinct.map((category) => [category, categoryLineage(category)]));
  const { rows } = await db.query<{ category_code: string; policy: string; incident_category: string | null }>(
    'SELECT category_code, policy, incident_category FROM device_event_policies WHERE category_code = ANY($1::text[])',
    [[...new Set([...lineages.values()].flat())]],
  );
  const byCode = new Map(rows.map((row) => [row.category_code, row]));
  for (const [category, lineage] of lineages) {
    // The lineage runs most specific first: the first row found decides.
    const row = lineage.map((code) => byCode.get(code)).find((found) => found !== undefined);
    decisions.set(
      category,
      row === undefined
        ? { policy: DEFAULT_DEVICE_EVENT_POLICY, matched: null, incidentCategory: null }
        : {
            policy: DeviceEventPolicy.parse(row.policy),
            matched: row.category_code,
            incidentCategory: row.incident_category,
          },
    );
  }
  return decisions;
}

/** The step the cloud takes right after creating an incident under a policy (confirm first: verify). */
export const POLICY_FOLLOW_UP: Partial<Record<DeviceEventPolicy, string>> = { confirm_first: 'needVerify' };
