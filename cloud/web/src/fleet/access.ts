import type { User } from '../api.js';

/** Who the fleet pages are for (the server checks again): district/street admins, operators, installers. */
export function seesFleet(user: User): boolean {
  return user.roles.some((a) => a.role === 'operator' || a.role === 'district_admin' || a.role === 'installer');
}
