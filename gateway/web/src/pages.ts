import type { Component } from 'vue';
import type { UiKey } from './i18n.js';
import AuditPage from './pages/AuditPage.vue';
import CamerasPage from './pages/CamerasPage.vue';
import CommissioningPage from './pages/CommissioningPage.vue';
import CommissioningReportPage from './pages/CommissioningReportPage.vue';
import DeviceAddPage from './pages/DeviceAddPage.vue';
import DevicePage from './pages/DevicePage.vue';
import DevicesPage from './pages/DevicesPage.vue';
import LabelsPage from './pages/LabelsPage.vue';
import OutboxPage from './pages/OutboxPage.vue';
import OverviewPage from './pages/OverviewPage.vue';
import RulesPage from './pages/RulesPage.vue';

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
  { name: 'device', match: /^\/devices\/([^/]+)$/, component: DevicePage },
  { name: 'add-devices', match: /^\/add-devices$/, component: DeviceAddPage },
  { name: 'labels', match: /^\/labels$/, component: LabelsPage },
  { name: 'rules', nav: { path: '/rules', label: 'rules' }, match: /^\/rules$/, component: RulesPage },
  { name: 'outbox', nav: { path: '/outbox', label: 'outboxNav' }, match: /^\/outbox$/, component: OutboxPage },
  { name: 'cameras', nav: { path: '/cameras', label: 'cameras' }, match: /^\/cameras$/, component: CamerasPage },
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
