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

/** A section's page, loaded as a chunk of its own the first time it is opened. */
export const lazy = (load: () => Promise<{ default: Component }>): Component => defineAsyncComponent(load);

export const ADMIN_SECTIONS: readonly AdminSection[] = [
  {
    path: 'territory',
    label: { zh: '辖区', en: 'Territory' },
    page: lazy(() => import('./territory/TerritoryPage.vue')),
  },
];

/** `/admin/users/42` → the `users` section and its rest (`42`). */
export function sectionOf(route: string): { section: AdminSection | undefined; rest: string } {
  const [, , name = '', ...rest] = (route.split('?')[0] ?? '').split('/');
  return { section: ADMIN_SECTIONS.find((s) => s.path === name), rest: rest.join('/') };
}
