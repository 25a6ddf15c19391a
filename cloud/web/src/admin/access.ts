import type { User } from '../api.js';

/** Who the administration pages are for (the server checks each route again): district/street admins. */
export function administers(user: User): boolean {
  return user.roles.some((a) => a.role === 'district_admin');
}
