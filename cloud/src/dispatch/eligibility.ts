import { CategoryCatalogue } from '../categories/catalogue.js';
import type { Db, Queryable } from '../db/db.js';
import { type Message, message } from '../i18n/message.js';
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

/** Why `assignee` may not take the incident's work, or undefined when they may. */
export async function assigneeRefusal(
  q: Queryable,
  incident: Incident,
  assignee: unknown,
): Promise<IncidentError | undefined> {
  // `said` is the field's detail as a message, rendered in the reader's language.
  const refuse = (said: Message) => {
    const detail = render(said, 'en');
    return new IncidentError('GL_INCIDENT_ASSIGNEE_NOT_ELIGIBLE', `data.assignee: ${detail}`, {
      pointer: '/data/assignee',
      detail,
      said,
    });
  };
  if (typeof assignee !== 'string' || assignee === '')
    return refuse(message('assignee.required', { route: 'GET /incidents/{id}/assignees' }));
  const eligible = await eligibleAssignees(q, incident);
  if (eligible.some((candidate) => candidate.id === assignee)) return undefined;
  const unit = await q.query<{ unit_type: string; territory_code: string }>(
    'SELECT unit_type, territory_code FROM disposal_units WHERE id = $1',
    [assignee],
  );
  const user = await q.query<{ active: boolean }>('SELECT active FROM users WHERE id = $1', [assignee]);
  const found = unit.rows[0];
  const options =
    eligible.length === 0
      ? message('assignee.none_on_record')
      : message('assignee.eligible', { ids: eligible.map((e) => e.id) });
  if (found !== undefined)
    return refuse(
      message('assignee.unit_not_eligible', {
        assignee,
        unit_type: found.unit_type,
        territory: found.territory_code,
        category: incident.categoryCode,
        place: territoryOf(incident) ?? message('assignee.unplaced'),
        options,
      }),
    );
  if (user.rows[0] !== undefined)
    return refuse(
      message('assignee.worker_not_eligible', {
        assignee,
        grid: incident.place.grid ?? message('assignee.no_grid'),
        options,
      }),
    );
  return refuse(message('assignee.unknown', { assignee, options }));
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
