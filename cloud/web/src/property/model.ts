import type {
  CommunityAlert as CloudAlert,
  PropertyDevicePage as CloudDevicePage,
  PropertyDeviceReadings as CloudDeviceReadings,
  PropertyMonthKpis as CloudMonthKpis,
  PropertyOverview as CloudOverview,
  OverviewDevice as CloudOverviewDevice,
} from '@gridlink/cloud';
import { call, type Json, type User } from '../api.js';
import { type SseFrame, SseStream } from '../live.js';
import { spotText } from '../names.js';

export type Overview = Json<CloudOverview>;
export type OverviewDevice = Json<CloudOverviewDevice>;
export type CommunityAlert = Json<CloudAlert>;
export type DevicePage = Json<CloudDevicePage>;
export type DeviceReadings = Json<CloudDeviceReadings>;
export type MonthKpis = Json<CloudMonthKpis>;

const base = (community: string) => `/communities/${encodeURIComponent(community)}`;

export const readOverview = (community: string) => call<Overview>('GET', `${base(community)}/property/overview`);
export const readAlerts = (community: string) =>
  call<{ alerts: CommunityAlert[] }>('GET', `${base(community)}/alerts`).then((answer) => answer.alerts);
export const readDevice = (community: string, device: string) =>
  call<DevicePage>('GET', `${base(community)}/property/devices/${encodeURIComponent(device)}`);
export const readDeviceReadings = (community: string, device: string, hours: number) =>
  call<DeviceReadings>(
    'GET',
    `${base(community)}/property/devices/${encodeURIComponent(device)}/readings?hours=${hours}`,
  );
export const readKpis = (community: string) =>
  call<{ months: MonthKpis[] }>('GET', `${base(community)}/property/kpis`).then((answer) => answer.months);
export const kpiCsvPath = (community: string) => `${base(community)}/property/kpis?format=csv`;

/** Acknowledges, or handles with a note, one alert of the community; resolves with the alert as it is now. */
export function actOnAlert(alert: CommunityAlert, action: 'acknowledge' | 'handle', note?: string) {
  const path = `${base(alert.community)}/alerts/${encodeURIComponent(alert.gateway_id)}/${encodeURIComponent(alert.alert_id)}/${action}`;
  return call<{ alert: CommunityAlert }>('POST', path, action === 'handle' ? { note } : {}).then((a) => a.alert);
}

/** The communities whose property pages the user may open: their own as a property manager. */
export function ownCommunities(user: User): string[] {
  return [...new Set(user.roles.filter((a) => a.role === 'property_manager').map((a) => a.scope))];
}

const COMMUNITY_KEY = 'gridlink.property.community';

/**
 * The community the property pages show: the one chosen last on this browser when the user may
 * read it (a dispatcher's typed code, a manager's pick among theirs), else the manager's first.
 */
export function chosenCommunity(user: User): string {
  const own = ownCommunities(user);
  const last = localStorage.getItem(COMMUNITY_KEY) ?? '';
  return (own.length === 0 || own.includes(last) ? last : '') || own[0] || '';
}

export function rememberCommunity(code: string): void {
  localStorage.setItem(COMMUNITY_KEY, code);
}

/** Whether the user reads property pages: property managers, and the dispatchers over them. */
export function readsProperty(user: User): boolean {
  return user.roles.some((a) => ['property_manager', 'operator', 'district_admin'].includes(a.role));
}

/** Whether the user acknowledges and handles the community's alerts (its property managers only). */
export function actsFor(user: User, community: string): boolean {
  return user.roles.some((a) => a.role === 'property_manager' && a.scope === community);
}

/**
 * The community's change stream: `changed` when its devices, alerts, gateways or tickets change,
 * `ready` on each (re)connection (changes while it was down were not heard: read everything again).
 */
export class PropertyStream extends SseStream {
  constructor(
    community: string,
    private readonly onChange: () => void,
  ) {
    super(`/api/v1${base(community)}/property/stream`, false);
  }

  protected override handle(frame: SseFrame): void {
    if (frame.event === 'changed' || frame.event === 'ready') this.onChange();
  }
}

/** A device's or alert's place (the protocol's, fields optional) as people say it: 3号楼2单元4楼. */
export function spot(place: unknown): string {
  const p = (place ?? {}) as { building?: string; unit?: string; floor?: number; room?: string };
  return spotText({ building: p.building ?? null, unit: p.unit ?? null, floor: p.floor ?? null, room: p.room ?? null });
}
