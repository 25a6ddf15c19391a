import type { Queryable } from '../db/db.js';
import { CO_TASK_KPI_DEFINITIONS, type CoTaskCounts, type CoTaskKpiCode } from '../kpi/definitions.js';

interface TaskFacts {
  unit: string;
  assignedAt: Date;
  deadline: Date;
  doneAt?: Date;
}

export interface UnitCoKpis {
  unit: string;
  counts: CoTaskCounts;
  /** Each KPI's value, null when its denominator is 0 (nothing to measure). */
  values: Record<CoTaskKpiCode, number | null>;
}

const empty = (): CoTaskCounts => ({ due: 0, doneOnTime: 0, done: 0, refusals: 0, handlingHours: 0 });

/**
 * The co-task KPIs per unit over [from, to), read from the incidents' step records only (never from
 * the co_tasks rows, which keep the present state): who was given which task with which deadline
 * (coAssign, coReassign), who reported done (coDone), who refused (coRefuse). Drills are left out.
 * A task not done counts as due once its deadline has passed (by `now`).
 * `territories`: incidents whose grid or community starts with one of these (the caller's scope).
 */
export async function coTaskKpis(
  q: Queryable,
  period: { from: Date; to: Date },
  territories: readonly string[],
  now: Date,
): Promise<UnitCoKpis[]> {
  const { rows } = await q.query<{ action: string; at: Date; data: Record<string, unknown> }>(
    `SELECT s.action, s.at, s.data FROM incident_steps s JOIN incidents i ON i.id = s.incident_id
      WHERE s.action IN ('coAssign', 'coReassign', 'coDone', 'coRefuse') AND s.at < $1 AND NOT i.drill
        AND EXISTS (SELECT 1 FROM unnest($2::text[]) p WHERE starts_with(COALESCE(i.grid, i.community, ''), p))
      ORDER BY s.at, s.id`,
    [period.to, [...territories]],
  );
  const tasks = new Map<string, TaskFacts>();
  const counts = new Map<string, CoTaskCounts>();
  const of = (unit: string) => counts.get(unit) ?? (counts.set(unit, empty()).get(unit) as CoTaskCounts);
  const given = (at: Date, entry: unknown) => {
    const { task, unit, deadline } = entry as { task: string; unit: string; deadline: string };
    tasks.set(task, { unit, assignedAt: new Date(at), deadline: new Date(deadline) });
  };
  const inPeriod = (at: Date) => at >= period.from && at < period.to;
  for (const row of rows) {
    const at = new Date(row.at);
    if (row.action === 'coAssign') for (const entry of (row.data.tasks as unknown[]) ?? []) given(at, entry);
    else if (row.action === 'coReassign') {
      // The refused (or silent) unit's task went elsewhere: it is the new unit's to meet.
      tasks.delete(String(row.data.task));
      given(at, row.data.new_task);
    } else if (row.action === 'coDone') {
      const facts = tasks.get(String(row.data.task));
      if (facts) facts.doneAt = at;
    } else if (row.action === 'coRefuse' && inPeriod(at)) of(String(row.data.unit)).refusals += 1;
  }
  for (const facts of tasks.values()) {
    const unit = of(facts.unit);
    if (facts.doneAt !== undefined && inPeriod(facts.doneAt)) {
      unit.due += 1;
      unit.done += 1;
      if (facts.doneAt <= facts.deadline) unit.doneOnTime += 1;
      unit.handlingHours += (facts.doneAt.getTime() - facts.assignedAt.getTime()) / 3_600_000;
    } else if (facts.doneAt === undefined && inPeriod(facts.deadline) && facts.deadline <= now) unit.due += 1;
  }
  return [...counts.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([unit, c]) => ({
      unit,
      counts: { ...c, handlingHours: Math.round(c.handlingHours * 100) / 100 },
      values: Object.fromEntries(
        CO_TASK_KPI_DEFINITIONS.map((def) => {
          if (def.kind === 'count') return [def.code, c[def.numerator]];
          const denominator = c[def.denominator as keyof CoTaskCounts];
          return [def.code, denominator === 0 ? null : Math.round((c[def.numerator] / denominator) * 10_000) / 10_000];
        }),
      ) as Record<CoTaskKpiCode, number | null>,
    }));
}
