import { type Message, message } from '../i18n/message.js';
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
): Promise<Message | undefined> {
  if (manager.kind === 'admin') return undefined;
  if (!managesTerritory(manager, user.territory_code)) {
    return message('user.outside_territory', { id: user.id, territory: user.territory_code });
  }
  for (const { role, scope } of user.roles) {
    const kind = SCOPE_KINDS[role];
    if (kind === 'gateway') {
      return message('user.installer', { id: user.id, gateway: scope });
    }
    const territory = kind === 'disposal_unit' ? await unitTerritory(scope) : scope;
    if (territory === undefined || !managesTerritory(manager, territory)) {
      return message('user.role_outside_territory', { id: user.id, role, scope });
    }
  }
  return undefined;
}
