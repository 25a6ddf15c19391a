import type { User } from '../api.js';

/**
 * Who sees the work log in the navigation: grid workers (their own log; grid chiefs are grid
 * workers too) and those who supervise them. The server decides what each may read.
 */
export function usesWorklog(user: User): boolean {
  return user.roles.some((a) => a.role === 'grid_worker' || a.role === 'operator' || a.role === 'district_admin');
}
