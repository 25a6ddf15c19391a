import { type Component, defineAsyncComponent } from 'vue';
import type { User } from '../api.js';

/**
 * The administration sections, in the order of the side menu. Each section owns its page (loaded as a
 * chunk of its own) and its route under `#/admin/<path>`; `label` is zh-CN and English.
 */
export interface AdminSection {
  path: string;
  label: { zh: string; en: string };
  page: Component;
  /** Whether the section shows for this user; the server decides what they may do in it. */
  visible?: (user: User) => boolean;
}

/** A section page loaded as a chunk of its own when first opened (declared before the sections use it). */
export const lazy = (load: () => Promise<{ default: Component }>): Component => defineAsyncComponent(load);

export const ADMIN_SECTIONS: readonly AdminSection[] = [
  {
    path: 'territory',
    label: { zh: '辖区', en: 'Territory' },
    page: lazy(() => import('./territory/TerritoryPage.vue')),
  },
  {
    path: 'users',
    label: { zh: '人员', en: 'Users' },
    page: lazy(() => import('./people/UsersPage.vue')),
  },
  {
    path: 'rosters',
    label: { zh: '网格力量', en: 'Grid rosters' },
    page: lazy(() => import('./people/RostersPage.vue')),
  },
  {
    path: 'units',
    label: { zh: '处置单位', en: 'Disposal units' },
    page: lazy(() => import('./people/UnitsPage.vue')),
  },
  {
    path: 'audit',
    label: { zh: '审计日志', en: 'Audit log' },
    page: lazy(() => import('./people/AuditPage.vue')),
  },
  {
    path: 'categories',
    label: { zh: '事件分类', en: 'Categories' },
    page: lazy(() => import('./config/CategoriesPage.vue')),
  },
  {
    path: 'time-limits',
    label: { zh: '处置时限', en: 'Time limits' },
    page: lazy(() => import('./config/TimeLimitsPage.vue')),
  },
  {
    path: 'device-policies',
    label: { zh: '设备事件策略', en: 'Device-event policies' },
    page: lazy(() => import('./config/DevicePoliciesPage.vue')),
  },
  {
    path: 'calendar',
    label: { zh: '工作日历', en: 'Working calendar' },
    page: lazy(() => import('./config/CalendarPage.vue')),
  },
  {
    path: 'robots',
    label: { zh: '通知机器人', en: 'Notification robots' },
    page: lazy(() => import('./config/RobotsPage.vue')),
  },
  {
    path: 'settings',
    label: { zh: '参数设置', en: 'Settings' },
    page: lazy(() => import('./config/SettingsPage.vue')),
  },
];

/** `/admin/users/42` → the `users` section and its rest (`42`). */
export function sectionOf(route: string): { section: AdminSection | undefined; rest: string } {
  const [, , name = '', ...rest] = (route.split('?')[0] ?? '').split('/');
  return { section: ADMIN_SECTIONS.find((s) => s.path === name), rest: rest.join('/') };
}
