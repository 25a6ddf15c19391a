import type { User } from '../api.js';

/**
 * Who sees mediation in the navigation: those who open cases (operators, district admins, grid
 * workers) and mediators. The server decides which cases each reaches.
 */
export function usesMediation(user: User): boolean {
  return user.roles.some((a) => ['operator', 'district_admin', 'grid_worker', 'mediator'].includes(a.role));
}
