import type { User } from '../api.js';

/**
 * Who sees mediation in the navigation: those who open cases (operators, district admins, grid
 * workers) and mediators. The server decides which cases each reaches.
 */
export function usesMediation(user: User): boolean {
  return user.roles.some((a) => ['operator', 'district_admin', 'grid_worker', 'mediator'].includes(a.role));
}

/**
 * Whose phone bar holds mediation: mediators, and the centre's staff (under "More"). A grid worker
 * mediates now and then: their bar keeps their daily pages and mediation is a link on "Me".
 */
export function mediationTab(user: User): boolean {
  return user.roles.some((a) => ['operator', 'district_admin', 'mediator'].includes(a.role));
}
