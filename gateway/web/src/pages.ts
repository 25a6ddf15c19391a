import type { Component } from 'vue';
import type { UiKey } from './i18n.js';
import AuditPage from './pages/AuditPage.vue';
import CommissioningPage from './pages/CommissioningPage.vue';
import CommissioningReportPage from './pages/CommissioningReportPage.vue';
import DevicesPage from './pages/DevicesPage.vue';
import OverviewPage from './pages/OverviewPage.vue';

/**
 * The console's pages, in the order of the navigation bar. A page is shown for paths matching
 * `match`; its captured parts reach the component as the `params` prop, and `installer` says
 * whether the session may change things (the server refuses an observer regardless).
 */
export interface ConsolePage {
  name: string;
  /** Where the navigation bar links; omitted for pages reached from another (a device's page). */
  nav?: { path: string; label: UiKey };
  match: RegExp;
  component: Component;
}

export const PAGES: ConsolePage[] = [
  {
    name: 'overview',
    nav: { path: '/overview', label: 'overview' },
    match: /^\/(?:overview)?$/,
    component: OverviewPage,
  },
  { name: 'devices', nav: { path: '/devices', label: 'devices' }, match: /^\/devices$/, component: DevicesPage },
  { name: 'audit', nav: { path: '/audit', label: 'audit' }, match: /^\/audit$/, component: AuditPage },
  {
    name: 'commissioning',
    nav: { path: '/commissioning', label: 'commissioning' },
    match: /^\/commissioning$/,
    component: CommissioningPage,
  },
  { name: 'commissioning-report', match: /^\/commissioning\/report\/(\d+)$/, component: CommissioningReportPage },
];

/** The page for a path, with its captured parts; the overview when nothing matches. */
export function pageFor(path: string): { page: ConsolePage; params: string[] } {
  for (const page of PAGES) {
    const match = page.match.exec(path);
    if (match) return { page, params: match.slice(1).map((part) => decodeURIComponent(part ?? '')) };
  }
  return { page: PAGES[0] as ConsolePage, params: [] };
}
