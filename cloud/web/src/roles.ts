import type { User } from './api.js';

/** Dispatchers (command-centre operators and district/street admins) take in reports and read KPIs. */
export function isDispatcher(user: User): boolean {
  return user.roles.some((a) => a.role === 'operator' || a.role === 'district_admin');
}

/** Callback agents (回访员): a closed incident waits on their callback, so it is still to do for them. */
export function callsBack(user: User): boolean {
  return user.roles.some((a) => a.role === 'callback_agent');
}

/** Users of a disposal unit (责任单位): besides the work dispatched to them, their co-tasks (联办). */
export function worksForUnit(user: User): boolean {
  return user.roles.some((a) => a.role === 'disposal_unit');
}
