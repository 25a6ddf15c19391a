import { z } from 'zod';
import { type Message, message } from '../i18n/message.js';
import { render } from '../i18n/render.js';

/**
 * The cloud's access-control roles (docs/domain.md §2). Each assignment of a role carries a scope whose
 * meaning depends on the role:
 *
 * | role               | scope                                                              |
 * | ------------------ | ------------------------------------------------------------------ |
 * | `district_admin`   | a territory code it administers (district 6 or street 9 digits…)   |
 * | `operator`         | its centre's territory: district 6, street 9 or community 12       |
 * | `grid_worker`      | a 15-digit grid code (one assignment per grid)                     |
 * | `disposal_unit`    | a disposal unit id                                                 |
 * | `property_manager` | a 12-digit community code                                          |
 * | `installer`        | a gateway id                                                       |
 * | `callback_agent`   | a territory code whose closed incidents it calls back on           |
 * | `mediator`         | a territory code; acts only on mediation cases assigned to it there |
 */
export const ROLES = [
  'district_admin',
  'operator',
  'grid_worker',
  'disposal_unit',
  'property_manager',
  'installer',
  'callback_agent',
  'mediator',
] as const;
export const Role = z.enum(ROLES);
export type Role = z.infer<typeof Role>;

export interface RoleAssignment {
  role: Role;
  scope: string;
}

/** What kind of thing a role's scope names. */
export type ScopeKind = 'territory' | 'centre' | 'grid' | 'community' | 'disposal_unit' | 'gateway';

export const SCOPE_KINDS: Record<Role, ScopeKind> = {
  district_admin: 'territory',
  operator: 'centre',
  grid_worker: 'grid',
  disposal_unit: 'disposal_unit',
  property_manager: 'community',
  installer: 'gateway',
  callback_agent: 'territory',
  mediator: 'territory',
};

const TERRITORY = /^\d{6}(\d{3}){0,3}$/;
/** The scopes written in digits; what each expects is the `scope.<kind>` message. */
const DIGITS: Partial<Record<ScopeKind, RegExp>> = {
  territory: TERRITORY,
  centre: /^\d{6}(\d{3}){0,2}$/,
  grid: /^\d{15}$/,
  community: /^\d{12}$/,
};

/** Disposal unit ids and gateway ids: lowercase letters, digits and `-`, like device ids. */
export const ENTITY_ID = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** Why `scope` is not a scope of `role`; undefined when it is one. */
export function scopeRefusal(role: Role, scope: string): Message | undefined {
  const kind = SCOPE_KINDS[role];
  const fits = (DIGITS[kind] ?? ENTITY_ID).test(scope);
  return fits
    ? undefined
    : message('scope.mismatch', { role, expected: message(`scope.${kind}`), received: JSON.stringify(scope) });
}

/** {@link scopeRefusal} in English, for the CLI. */
export function scopeProblem(role: Role, scope: string): string | undefined {
  const refusal = scopeRefusal(role, scope);
  return refusal === undefined ? undefined : render(refusal, 'en');
}

/** A territory code (6, 9, 12 or 15 digits; micro-grids are 18). */
export const TerritoryCode = z
  .string()
  .regex(/^\d{6}(\d{3}){0,4}$/, { error: 'expected a territory code of 6, 9, 12, 15 or 18 digits' });

export const GridCode = z.string().regex(/^\d{15}$/, { error: 'expected a 15-digit grid code' });

/** A role with a scope that fits it. */
export const RoleAssignmentInput = z
  .strictObject({ role: Role, scope: z.string().min(1).max(64) })
  .superRefine((value, ctx) => {
    const refusal = scopeRefusal(value.role, value.scope);
    if (refusal !== undefined)
      ctx.addIssue({ code: 'custom', path: ['scope'], message: render(refusal, 'en'), params: { said: refusal } });
  });
