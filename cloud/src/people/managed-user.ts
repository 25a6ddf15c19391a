import { type Manager, managesTerritory } from './middleware.js';
import { SCOPE_KINDS } from './roles.js';
import type { User } from './users.js';

/**
 * Why `manager` may not manage `user` (reset their password, change them, their roles, leaves or
 * contact), or undefined when it may. A district admin manages a user only when the user's home
 * territory and every role the user holds lie inside the admin's own territory: otherwise a street
 * admin could take over an account that acts over the whole district. `unitTerritory` reads the
 * territory a disposal unit serves (undefined for an unknown unit).
 */
export async function whyNotManaged(
  manager: Manager,
  user: Pick<User, 'id' | 'territory_code' | 'roles'>,
  unitTerritory: (unitId: string) => Promise<string | undefined>,
): Promise<string | undefined> {
  if (manager.kind === 'admin') return undefined;
  if (!managesTerritory(manager, user.territory_code)) {
    return `user ${user.id} belongs to ${user.territory_code}, outside your territory`;
  }
  for (const { role, scope } of user.roles) {
    const kind = SCOPE_KINDS[role];
    if (kind === 'gateway') {
      return `user ${user.id} is an installer of gateway ${scope}; gateways carry no territory, so only the admin token manages installers`;
    }
    const territory = kind === 'disposal_unit' ? await unitTerritory(scope) : scope;
    if (territory === undefined || !managesTerritory(manager, territory)) {
      return `user ${user.id} holds ${role} over ${scope}, outside your territory; only an admin over every role of a user manages them`;
    }
  }
  return undefined;
}
