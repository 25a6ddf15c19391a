import { CategoryCatalogue } from '../categories/catalogue.js';
import type { Db, Queryable } from '../db/db.js';
import { message } from '../i18n/message.js';
import { render } from '../i18n/render.js';
import type { StepHook } from '../incidents/engine.js';
import { type Incident, IncidentError } from '../incidents/index.js';
import { territoryOf, unitTypeOf } from './routing.js';

/** Someone a dispatch may go to (docs/domain.md §3): a unit or a grid worker eligible for the incident. */
export interface EligibleAssignee {
  kind: 'disposal_unit' | 'grid_worker';
  id: string;
  name: { zh: string; en: string };
}

/**
 * Who a dispatch of the incident may go to: the disposal units of the category's unit type (or its
 * nearest parent's; any type when none names one) that serve the place (their territory contains
 * it), nearest first, and the
 * active grid workers of its grid (they see and may sign for its work). Read in `q` (a step's
 * transaction when checking one).
 */
export async function eligibleAssignees(q: Queryable, incident: Incident): Promise<EligibleAssignee[]> {
  const territory = territoryOf(incident);
  const unitType = await unitTypeOf(new CategoryCatalogue(q as Db), incident.categoryCode);
  // A category naming no unit type (e.g. 其他) may go to any unit serving the place.
  const units =
    territory === undefined
      ? []
      : (
          await q.query<{ id: string; name_zh: string; name_en: string }>(
            `SELECT id, name_zh, name_en FROM disposal_units
              WHERE ($1::text IS NULL OR unit_type = $1) AND starts_with($2, territory_code)
              ORDER BY length(territory_code) DESC, id`,
            [unitType ?? null, territory],
          )
        ).rows;
  const workers =
    incident.place.grid === null
      ? []
      : (
          await q.query<{ id: string; display_name: string }>(
            `SELECT DISTINCT u.id, u.display_name FROM role_assignments r JOIN users u ON u.id = r.user_id
              WHERE r.role = 'grid_worker' AND u.active AND starts_with($1, r.scope) ORDER BY u.id`,
            [incident.place.grid],
          )
        ).rows;
  return [
    ...units.map((unit) => ({
      kind: 'disposal_unit' as const,
      id: unit.id,
      name: { zh: unit.name_zh, en: unit.name_en },
    })),
    ...workers.map((worker) => ({
      kind: 'grid_worker' as const,
      id: worker.id,
      name: { zh: worker.display_name, en: worker.display_name },
    })),
  ];
}

/**
 * Why `assignee` may not take the incident's work, or undefined when they may: a message of the
 * catalogue (`details.detail`, read in the reader's language beside the picker) naming who was
 * asked for and whom the work may go to, by name; the error's own text is the English one, for logs.
 */
export async function assigneeRefusal(
  q: Queryable,
  incident: Incident,
  assignee: unknown,
): Promise<IncidentError | undefined> {
  const eligible = typeof assignee === 'string' && assignee !== '' ? await eligibleAssignees(q, incident) : undefined;
  if (eligible?.some((candidate) => candidate.id === assignee)) return undefined;
  const candidates = eligible ?? (await eligibleAssignees(q, incident));
  const options =
    candidates.length === 0
      ? message('assignee.none_eligible')
      : message('assignee.eligible', {
          names: candidates.map((candidate) => candidate.name.zh),
          ids: candidates.map((candidate) => candidate.id),
        });
  const refuse = (code: string, params: Record<string, unknown> = {}) => {
    const detail = message(code, { ...params, options });
    return new IncidentError('GL_INCIDENT_ASSIGNEE_NOT_ELIGIBLE', `data.assignee: ${render(detail, 'en')}`, {
      pointer: '/data/assignee',
      detail,
    });
  };
  if (typeof assignee !== 'string' || assignee === '') return refuse('assignee.required', { id: incident.id });
  const unit = await q.query<{ name_zh: string; unit_type: string; territory_code: string }>(
    'SELECT name_zh, unit_type, territory_code FROM disposal_units WHERE id = $1',
    [assignee],
  );
  const user = await q.query<{ display_name: string }>('SELECT display_name FROM users WHERE id = $1', [assignee]);
  const found = unit.rows[0];
  if (found !== undefined)
    return refuse('assignee.unit_not_eligible', {
      assignee,
      name: found.name_zh,
      unitType: found.unit_type,
      territory: found.territory_code,
      category: incident.categoryCode,
      place: territoryOf(incident) ?? 'an unplaced incident',
    });
  const person = user.rows[0];
  if (person !== undefined)
    return refuse('assignee.not_grid_worker', {
      assignee,
      name: person.display_name,
      grid: incident.place.grid ?? '(none)',
    });
  return refuse('assignee.unknown', { assignee });
}

/**
 * The engine hook that refuses a dispatch or re-dispatch by a person to anyone not eligible
 * ({@link eligibleAssignees}), in the step's transaction. Automatic dispatch (`system`) picks from
 * the units and rosters itself, a substitute on leave's behalf included.
 */
export function assigneeCheck(): StepHook {
  return async ({ tx, incident, step, rule }) => {
    if (!rule.effects.includes('assign') || step.role === 'system') return;
    const refusal = await assigneeRefusal(tx, incident, step.data.assignee);
    if (refusal !== undefined) throw refusal;
  };
}
