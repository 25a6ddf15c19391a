import { categoryLineage } from './device-event-policy.js';
import { IncidentError } from './errors.js';
import type { IncidentStep } from './records.js';
import type { IncidentSettings } from './settings.js';
import type { TransitionRule } from './state-machine.js';

type StepLike = Pick<IncidentStep, 'action' | 'toState' | 'actor'>;

/** Who took one of `actions` in the current round of work: since the work last went to DISPATCHED. */
export function handlersOf(steps: readonly StepLike[], actions: readonly string[]): Set<string> {
  let start = 0;
  steps.forEach((step, index) => {
    if (step.toState === 'DISPATCHED') start = index + 1;
  });
  return new Set(
    steps
      .slice(start)
      .filter((step) => actions.includes(step.action))
      .map((step) => step.actor),
  );
}

/**
 * Separation of duties (docs/domain.md §3): the refusal when `actor` handled the current round of
 * work and `rule` must be taken by someone else, unless the tenant lets the handler check their own
 * work in the incident's category; undefined when the actor may take it. The tenant's settings are
 * asked for only when the actor did handle the work: most checks are someone else's, and a read
 * fewer on those steps.
 */
export async function separationRefusal(
  incident: { id: string; categoryCode: string },
  rule: TransitionRule,
  actor: string,
  steps: readonly StepLike[],
  settings: () => Promise<Pick<IncidentSettings, 'self_check_categories'>>,
): Promise<IncidentError | undefined> {
  const separate = rule.separateFrom ?? [];
  if (separate.length === 0) return undefined;
  if (!handlersOf(steps, separate).has(actor)) return undefined;
  const { self_check_categories } = await settings();
  if (categoryLineage(incident.categoryCode).some((code) => self_check_categories.includes(code))) return undefined;
  return new IncidentError(
    'GL_INCIDENT_SEPARATION_OF_DUTIES',
    `${actor} took ${separate.join(' or ')} on incident ${incident.id} and may not also take "${rule.action}": the work is checked by someone else (category ${incident.categoryCode} is not one whose handler may check their own work)`,
    { action: rule.action, actor, separateFrom: separate },
  );
}
