import type { User } from '../api.js';

/** Who files street reports (随手拍): grid workers and property managers. */
export function reportsFromStreet(user: User): boolean {
  return user.roles.some((a) => a.role === 'grid_worker' || a.role === 'property_manager');
}
