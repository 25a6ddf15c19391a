import type { Db } from '../db/db.js';
import { MEDIATION_KPI_DEFINITIONS, type MediationCounts, type MediationKpiCode } from '../kpi/definitions.js';
import type { MediationReach } from './reach.js';
import { reachCondition } from './reach.js';

export const MEDIATION_KPI_GROUPS = ['grid', 'street', 'level'] as const;
export type MediationKpiGroup = (typeof MEDIATION_KPI_GROUPS)[number];

export interface MediationKpiRow {
  /** The grid or street code, or the level. */
  key: string;
  counts: MediationCounts;
  /** Each KPI of {@link MEDIATION_KPI_DEFINITIONS}: a percentage (null with nothing to divide by) or a count. */
  kpis: Record<MediationKpiCode, number | null>;
}

/** SQL for the group's key on `mediation_cases c` (a community-level case has no grid: its community stands). */
const KEY: Record<MediationKpiGroup, string> = {
  grid: 'c.territory',
  street: 'left(c.territory, 9)',
  level: 'c.level',
};

/**
 * The mediation KPIs over cases the reader reaches that closed in [from, to), from the records
 * themselves: outcomes, referrals and the latest follow-up of each case.
 */
export async function mediationKpis(
  db: Db,
  reach: MediationReach,
  group: MediationKpiGroup,
  period: { from: Date; to: Date },
): Promise<MediationKpiRow[]> {
  const params: unknown[] = [period.from, period.to];
  const visible = reachCondition(reach, params);
  const { rows } = await db.query<{ key: string; closed: string; agreed: string; honoured: string; referrals: string }>(
    `SELECT ${KEY[group]} AS key, count(*) AS closed,
            count(*) FILTER (WHERE c.outcome IN ('agreement', 'partial_agreement')) AS agreed,
            count(*) FILTER (WHERE (SELECT f.result FROM mediation_follow_ups f WHERE f.case_id = c.id AND f.result IS NOT NULL
                                     ORDER BY f.done_at DESC, f.id DESC LIMIT 1) = 'honoured') AS honoured,
            count(*) FILTER (WHERE c.referral IS NOT NULL) AS referrals
       FROM mediation_cases c
      WHERE c.closed_at >= $1 AND c.closed_at < $2 AND ${visible}
      GROUP BY 1 ORDER BY 1`,
    params,
  );
  return rows.map((row) => {
    const counts: MediationCounts = {
      closed: Number(row.closed),
      agreed: Number(row.agreed),
      honoured: Number(row.honoured),
      referrals: Number(row.referrals),
    };
    const kpis = Object.fromEntries(
      MEDIATION_KPI_DEFINITIONS.map((definition) => {
        const part = counts[definition.numerator];
        if (definition.denominator === undefined) return [definition.code, part];
        const whole = counts[definition.denominator];
        return [definition.code, whole === 0 ? null : Math.round((part / whole) * 10_000) / 100];
      }),
    ) as Record<MediationKpiCode, number | null>;
    return { key: row.key, counts, kpis };
  });
}
