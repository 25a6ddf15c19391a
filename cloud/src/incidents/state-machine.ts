import { IncidentState } from '@gridlink/protocol';
import { z } from 'zod';
import { IncidentRole } from './roles.js';

/** Action names are camelCase words, e.g. `needVerify`. */
export const ActionName = z
  .string()
  .regex(/^[a-z][A-Za-z]{1,31}$/, 'an action name is camelCase letters, e.g. needVerify');

/** Tenant setting (docs/domain.md §3): an unsatisfied callback sends the work back, or only records the verdict. */
export const UnsatisfiedCallbackPolicy = z.enum(['rework', 'evaluate']);
export type UnsatisfiedCallbackPolicy = z.infer<typeof UnsatisfiedCallbackPolicy>;

/**
 * Tenant setting (docs/domain.md §3): who calls residents back on a closed incident: callback agents
 * (`agents`), the centre's operators as well (`centre`), or nobody (`none`: the operator archives).
 */
export const CallbackPolicy = z.enum(['agents', 'centre', 'none']);
export type CallbackPolicy = z.infer<typeof CallbackPolicy>;

export const IncidentPolicies = z.strictObject({
  unsatisfiedCallback: UnsatisfiedCallbackPolicy,
  callback: CallbackPolicy,
});
export type IncidentPolicies = z.infer<typeof IncidentPolicies>;

export const DEFAULT_POLICIES: IncidentPolicies = { unsatisfiedCallback: 'rework', callback: 'agents' };

/**
 * What a step does besides moving the state:
 * - `assign`: needs `data.assignee` (the unit or worker the work goes to);
 * - `unassign`: the assignee gave the work back;
 * - `rework`: the rework count goes up by one (the work goes back to the same assignee);
 * - `escalate`: the incident moves one level up (community → street → district);
 * - `merge`: needs `data.into`, an open incident that takes this one's evidence;
 * - `end`: the loop ended (closed, invalid, merged): `closed_at` is set;
 * - `reopen`: `closed_at` is cleared;
 * - `supervise`: the supervision (督办) becomes `data.supervision`, or without it goes one rung up the
 *   ladder none → normal → yellow_card → red_card.
 */
export const Effect = z.enum(['assign', 'unassign', 'rework', 'escalate', 'merge', 'end', 'reopen', 'supervise']);
export type Effect = z.infer<typeof Effect>;

export const TransitionRule = z.strictObject({
  /** null: the step that creates the incident. */
  from: IncidentState.nullable(),
  action: ActionName,
  to: IncidentState,
  roles: z.array(IncidentRole).min(1),
  /** Taken only when the tenant's policies match (rows with the same from and action differ here). */
  when: IncidentPolicies.partial().optional(),
  effects: z.array(Effect).default([]),
  /** Attachments the step must carry, by tag (e.g. photos before and after the work). */
  attachmentTags: z.array(z.string().min(1)).optional(),
  /**
   * Separation of duties: whoever took one of these actions in the current round of work (since
   * the work last went to DISPATCHED) may not take this step, unless the tenant lets the handler
   * check their own work in the incident's category (`incident_settings.self_check_categories`).
   */
  separateFrom: z.array(ActionName).optional(),
  /**
   * Taken by the assignee only: the unit the work was dispatched to (its scope), or the grid worker
   * it was dispatched to (by user id), not any other worker of the grid.
   */
  assigneeOnly: z.boolean().optional(),
  /** The step needs a comment: the reason (e.g. why work is recalled or re-dispatched). */
  commentRequired: z.boolean().optional(),
  /** The step must carry something: a comment or at least one attachment (e.g. findings on site). */
  requiresNote: z.boolean().optional(),
  /**
   * Roles of `roles` that may take the step only on a routine incident, neither urgent nor critical:
   * a life-safety incident goes through the centre's loop (docs/domain.md §3).
   */
  routineOnly: z.array(IncidentRole).optional(),
  /** Taken only on a drill (演练) incident: never on a real one. */
  drillOnly: z.boolean().optional(),
  /**
   * The step carries where the doer is (`data.position`, a phone's fix): the engine checks it,
   * stores it in WGS-84 and records the distance to the incident's place (`data.distance_m`).
   */
  positionRequired: z.boolean().optional(),
});
export type TransitionRule = z.infer<typeof TransitionRule>;
export type TransitionRuleInput = z.input<typeof TransitionRule>;

export const StateMachine = z.array(TransitionRule).superRefine((rules, ctx) => {
  const creations = rules.filter((rule) => rule.from === null);
  if (creations.length !== 1)
    ctx.addIssue({ code: 'custom', message: 'exactly one rule creates the incident (from null)' });
  const byKey = new Map<string, TransitionRule[]>();
  for (const rule of rules) {
    const key = `${rule.from} ${rule.action}`;
    byKey.set(key, [...(byKey.get(key) ?? []), rule]);
    if (rule.effects.includes('escalate') && rule.from !== rule.to)
      ctx.addIssue({ code: 'custom', message: `${key}: an escalation keeps the state` });
  }
  for (const [key, same] of byKey) {
    if (same.length === 1) continue;
    const conditions = same.map((rule) => JSON.stringify(rule.when ?? null));
    if (same.some((rule) => rule.when === undefined) || new Set(conditions).size !== same.length)
      ctx.addIssue({ code: 'custom', message: `${key}: rules sharing a state and an action need distinct "when"` });
  }
});
export type StateMachine = z.infer<typeof StateMachine>;

const ALL_DOERS = ['grid_worker', 'disposal_unit'] as const;

/** The steps that make someone the handler of a round of work (separation of duties). */
const HANDLING = ['sign', 'finish'] as const;

/**
 * States of open work in which a step's time limit runs (docs/domain.md §4): supervision and overdue
 * steps are taken there. Not CLOSED: the callback's limit is kept, but 督办 and escalation make no
 * sense once the loop is closed.
 */
const TIMED_STATES = [
  'REPORTED',
  'VERIFYING',
  'ACCEPTED',
  'FILED',
  'DISPATCHED',
  'IN_PROGRESS',
  'SUSPENDED',
  'HANDLED',
  'CHECKING',
  'PENDING_CLOSE',
] as const;

/**
 * Who calls back under each callback policy that has callbacks. `system` is the cloud recording a
 * verdict that reached it through a channel rather than from a signed-in agent (a resident rating
 * their report, a verdict the hotline reports); the verdict's channel says which.
 */
const CALLBACK_ROLES = {
  agents: ['callback_agent', 'system'],
  centre: ['callback_agent', 'operator', 'system'],
} as const satisfies Partial<Record<CallbackPolicy, readonly IncidentRole[]>>;

/** Open states before the work is handled: the property can still acknowledge an incident there. */
const OPEN_UNHANDLED_STATES = [
  'REPORTED',
  'VERIFYING',
  'ACCEPTED',
  'FILED',
  'DISPATCHED',
  'IN_PROGRESS',
  'SUSPENDED',
] as const;

/** Every open state: findings on site are worth recording until the incident is closed. */
const OPEN_STATES = [...OPEN_UNHANDLED_STATES, 'HANDLED', 'CHECKING', 'PENDING_CLOSE', 'SELF_HANDLED'] as const;

/** States before anyone signed for the work: the unsigned life-safety chain runs there. */
const UNSIGNED_STATES = ['REPORTED', 'VERIFYING', 'ACCEPTED', 'FILED', 'DISPATCHED'] as const;

/** Domain §3 as data, interpreted by the engine: an administrator may change rows and roles. */
export const STATE_MACHINE_TABLE: readonly TransitionRuleInput[] = [
  { from: null, action: 'report', to: 'REPORTED', roles: ['operator', 'grid_worker', 'property_manager', 'system'] },

  // system: automatic dispatch fast-tracks urgent IoT incidents (accept → file → dispatch) when the tenant wants it.
  { from: 'REPORTED', action: 'accept', to: 'ACCEPTED', roles: ['operator', 'system'] },
  { from: 'REPORTED', action: 'needVerify', to: 'VERIFYING', roles: ['operator', 'system'] },
  { from: 'REPORTED', action: 'reject', to: 'INVALID', roles: ['operator'], effects: ['end'] },
  { from: 'REPORTED', action: 'merge', to: 'MERGED', roles: ['operator'], effects: ['merge', 'end'] },
  // The property handles small things itself (a maintenance matter, a blocked corridor), never a
  // life-safety incident: that one goes through the centre.
  {
    from: 'REPORTED',
    action: 'selfHandle',
    to: 'SELF_HANDLED',
    roles: ['grid_worker', 'property_manager'],
    routineOnly: ['property_manager'],
  },

  { from: 'VERIFYING', action: 'confirmed', to: 'ACCEPTED', roles: ['grid_worker'] },
  { from: 'VERIFYING', action: 'notFound', to: 'INVALID', roles: ['grid_worker'], effects: ['end'] },

  { from: 'ACCEPTED', action: 'file', to: 'FILED', roles: ['operator', 'system'] },
  { from: 'ACCEPTED', action: 'reject', to: 'INVALID', roles: ['operator'], effects: ['end'] },

  { from: 'FILED', action: 'dispatch', to: 'DISPATCHED', roles: ['operator', 'system'], effects: ['assign'] },
  { from: 'FILED', action: 'escalate', to: 'FILED', roles: ['operator', 'system'], effects: ['escalate'] },

  { from: 'DISPATCHED', action: 'sign', to: 'IN_PROGRESS', roles: [...ALL_DOERS], assigneeOnly: true },
  {
    from: 'DISPATCHED',
    action: 'return',
    to: 'FILED',
    roles: [...ALL_DOERS],
    effects: ['unassign'],
    assigneeOnly: true,
  },

  { from: 'IN_PROGRESS', action: 'finish', to: 'HANDLED', roles: [...ALL_DOERS], assigneeOnly: true },

  // 到场签到: the assignee says they are on site, with the phone's position and time, once the
  // work is theirs: before signing too (an urgent call is answered on the way, signed on arrival).
  // A record: the state and the step's clock stay; arrival times are measured from the steps.
  ...(['DISPATCHED', 'IN_PROGRESS'] as const).map(
    (from): TransitionRuleInput => ({
      from,
      action: 'arrive',
      to: from,
      roles: [...ALL_DOERS],
      assigneeOnly: true,
      positionRequired: true,
    }),
  ),
  // Approvals: the assignee asks, the centre decides (the request itself is not a transition).
  { from: 'IN_PROGRESS', action: 'extend', to: 'IN_PROGRESS', roles: ['operator'] },
  { from: 'IN_PROGRESS', action: 'suspend', to: 'SUSPENDED', roles: ['operator'] },

  // The centre takes a dispatch back (撤回, to decide again) or gives it to someone else (改派), with
  // a reason, before and after signing.
  ...(['DISPATCHED', 'IN_PROGRESS'] as const).flatMap((from): TransitionRuleInput[] => [
    { from, action: 'recall', to: 'FILED', roles: ['operator'], effects: ['unassign'], commentRequired: true },
    { from, action: 'redispatch', to: 'DISPATCHED', roles: ['operator'], effects: ['assign'], commentRequired: true },
  ]),

  { from: 'SUSPENDED', action: 'resume', to: 'IN_PROGRESS', roles: ['operator'] },

  // 核查: by someone other than who signed for and finished the work.
  {
    from: 'HANDLED',
    action: 'startCheck',
    to: 'CHECKING',
    roles: ['grid_worker', 'operator'],
    separateFrom: [...HANDLING],
  },

  {
    from: 'CHECKING',
    action: 'pass',
    to: 'PENDING_CLOSE',
    roles: ['grid_worker', 'operator'],
    separateFrom: [...HANDLING],
  },
  {
    from: 'CHECKING',
    action: 'fail',
    to: 'DISPATCHED',
    roles: ['grid_worker', 'operator'],
    effects: ['rework'],
    separateFrom: [...HANDLING],
  },

  { from: 'PENDING_CLOSE', action: 'close', to: 'CLOSED', roles: ['operator'], effects: ['end'] },

  // Closed on the photos taken before and after the work.
  {
    from: 'SELF_HANDLED',
    action: 'close',
    to: 'CLOSED',
    roles: ['grid_worker', 'property_manager', 'operator'],
    effects: ['end'],
    attachmentTags: ['before', 'after'],
  },

  // A maintenance ticket the cloud opened closes itself when the device recovers (back online,
  // battery replaced, flag cleared) while the property still has it: nobody to call back.
  ...(['REPORTED', 'SELF_HANDLED'] as const).map(
    (from): TransitionRuleInput => ({ from, action: 'recover', to: 'CLOSED', roles: ['system'], effects: ['end'] }),
  ),

  // A drill's incident ends when the gateway's commissioning check ends the drill, wherever it got
  // to short of closed: archived at once, so no callback, check or deadline waits on an exercise.
  ...(
    [
      'REPORTED',
      'VERIFYING',
      'ACCEPTED',
      'FILED',
      'DISPATCHED',
      'IN_PROGRESS',
      'SUSPENDED',
      'HANDLED',
      'CHECKING',
      'PENDING_CLOSE',
      'SELF_HANDLED',
    ] as const
  ).map(
    (from): TransitionRuleInput => ({
      from,
      action: 'endDrill',
      to: 'ARCHIVED',
      roles: ['system'],
      effects: ['end'],
      drillOnly: true,
    }),
  ),

  // The callback (回访), by those the tenant's callback policy names; without callbacks, archived.
  ...(['agents', 'centre'] as const).flatMap((callback): TransitionRuleInput[] => [
    {
      from: 'CLOSED',
      action: 'callbackSatisfied',
      to: 'EVALUATED',
      roles: [...CALLBACK_ROLES[callback]],
      when: { callback },
    },
    {
      from: 'CLOSED',
      action: 'callbackUnsatisfied',
      to: 'DISPATCHED',
      roles: [...CALLBACK_ROLES[callback]],
      when: { callback, unsatisfiedCallback: 'rework' },
      effects: ['rework', 'reopen'],
    },
    {
      from: 'CLOSED',
      action: 'callbackUnsatisfied',
      to: 'EVALUATED',
      roles: [...CALLBACK_ROLES[callback]],
      when: { callback, unsatisfiedCallback: 'evaluate' },
    },
  ]),
  { from: 'CLOSED', action: 'archive', to: 'ARCHIVED', roles: ['operator', 'system'], when: { callback: 'none' } },

  { from: 'EVALUATED', action: 'archive', to: 'ARCHIVED', roles: ['operator', 'system'] },

  // The property on site (docs/domain.md §3): it has seen the incident and is responding (已知悉),
  // and what it found there, with photos (现场反馈). Records only: the state and the clocks stay.
  ...OPEN_UNHANDLED_STATES.map(
    (state): TransitionRuleInput => ({ from: state, action: 'acknowledge', to: state, roles: ['property_manager'] }),
  ),
  ...OPEN_STATES.map(
    (state): TransitionRuleInput => ({
      from: state,
      action: 'reportOnSite',
      to: state,
      roles: ['property_manager'],
      requiresNote: true,
    }),
  ),

  // Time limits (cloud/src/deadlines): attribute changes, each a step from a state to itself.
  // 督办 by the centre or at a yellow light; a breached limit: red card and one level up; an
  // unsigned life-safety incident: the notification chain goes one link up (data.notify).
  ...TIMED_STATES.map(
    (state): TransitionRuleInput => ({
      from: state,
      action: 'supervise',
      to: state,
      roles: ['operator', 'system'],
      effects: ['supervise'],
    }),
  ),
  ...TIMED_STATES.filter((state) => state !== 'SUSPENDED').map(
    (state): TransitionRuleInput => ({
      from: state,
      action: 'overdue',
      to: state,
      roles: ['system'],
      effects: ['supervise', 'escalate'],
    }),
  ),
  ...UNSIGNED_STATES.map(
    (state): TransitionRuleInput => ({ from: state, action: 'notifyUp', to: state, roles: ['system'] }),
  ),
];

export const STATE_MACHINE: StateMachine = StateMachine.parse(STATE_MACHINE_TABLE);

/** The rules that apply to `state` under the tenant's policies. */
export function rulesFrom(machine: StateMachine, state: IncidentState | null, policies: IncidentPolicies) {
  return machine.filter(
    (rule) =>
      rule.from === state &&
      Object.entries(rule.when ?? {}).every(([name, value]) => policies[name as keyof IncidentPolicies] === value),
  );
}

/** Action names allowed from `state`, in table order, each once. */
export function allowedActions(machine: StateMachine, state: IncidentState, policies = DEFAULT_POLICIES): string[] {
  return [...new Set(rulesFrom(machine, state, policies).map((rule) => rule.action))];
}

/** States no rule leaves. */
export function terminalStates(machine: StateMachine): IncidentState[] {
  const left = new Set(machine.map((rule) => rule.from));
  return IncidentState.options.filter((state) => !left.has(state));
}

/** Whether `role` may take `rule` on this incident: one of its roles, and not held back to routine incidents. */
export function roleMayTake(
  rule: TransitionRule,
  role: IncidentRole,
  incident: { urgent: boolean; severity: string },
): boolean {
  if (!rule.roles.includes(role)) return false;
  const routine = !incident.urgent && incident.severity !== 'critical';
  return routine || !(rule.routineOnly ?? []).includes(role);
}
