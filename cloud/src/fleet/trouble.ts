/**
 * What can be wrong with a gateway, worst first: the fleet view sorts by the first trouble a
 * gateway has, then by how bad it is. Silent (nothing heard past the tenant's silent threshold, or
 * never) comes before a link down (reports overdue: more than two health periods), an outbox
 * backlog (events waiting to go up), offline devices, cameras not online, and an old token.
 */
export const TROUBLES = [
  'silent',
  'link_down',
  'outbox_backlog',
  'devices_offline',
  'cameras_unsubscribed',
  'token_old',
] as const;
export type Trouble = (typeof TROUBLES)[number];

/** The thresholds of each trouble (the silent one is the tenant's maintenance setting). */
export interface TroubleThresholds {
  silentMinutes: number;
  /** Two health periods (5 min each): a report overdue past this is a link down. */
  linkDownMinutes: number;
  /** Events waiting in the outbox; any alarm waiting counts at once. */
  outboxBacklog: number;
  /** Share of the gateway's devices offline (0–1). */
  devicesOfflineRatio: number;
  tokenOldDays: number;
}

export const DEFAULT_THRESHOLDS: Omit<TroubleThresholds, 'silentMinutes'> = {
  linkDownMinutes: 10,
  outboxBacklog: 1000,
  devicesOfflineRatio: 0.1,
  tokenOldDays: 90,
};

/** What the troubles are judged on. */
export interface GatewayVitals {
  /** Minutes since the gateway was last heard from (null: never). */
  silentForMinutes: number | null;
  outbox: { alarm: number; state: number; telemetry: number } | null;
  devices: { online: number; total: number };
  cameras: { configured: number; online: number; subscribed: number | null } | null;
  tokenAgeDays: number | null;
}

export type LinkState = 'up' | 'down' | 'silent';

export function linkStateOf(vitals: GatewayVitals, thresholds: TroubleThresholds): LinkState {
  const silent = vitals.silentForMinutes;
  if (silent === null || silent > thresholds.silentMinutes) return 'silent';
  return silent > thresholds.linkDownMinutes ? 'down' : 'up';
}

/** The gateway's troubles, worst first, each with how bad it is (larger is worse). */
export function troublesOf(
  vitals: GatewayVitals,
  thresholds: TroubleThresholds,
): Array<{ trouble: Trouble; weight: number }> {
  const found: Array<{ trouble: Trouble; weight: number }> = [];
  const link = linkStateOf(vitals, thresholds);
  if (link === 'silent') found.push({ trouble: 'silent', weight: vitals.silentForMinutes ?? Number.MAX_SAFE_INTEGER });
  if (link === 'down') found.push({ trouble: 'link_down', weight: vitals.silentForMinutes ?? 0 });
  const outbox = vitals.outbox;
  if (outbox !== null) {
    const depth = outbox.alarm + outbox.state + outbox.telemetry;
    if (outbox.alarm > 0 || depth >= thresholds.outboxBacklog)
      found.push({ trouble: 'outbox_backlog', weight: outbox.alarm * 1_000_000 + depth });
  }
  const { online, total } = vitals.devices;
  if (total > 0 && (total - online) / total >= thresholds.devicesOfflineRatio)
    found.push({ trouble: 'devices_offline', weight: (total - online) / total });
  const cameras = vitals.cameras;
  if (cameras !== null) {
    const working = Math.min(cameras.online, cameras.subscribed ?? cameras.online);
    if (working < cameras.configured)
      found.push({ trouble: 'cameras_unsubscribed', weight: cameras.configured - working });
  }
  if (vitals.tokenAgeDays !== null && vitals.tokenAgeDays > thresholds.tokenOldDays)
    found.push({ trouble: 'token_old', weight: vitals.tokenAgeDays });
  return found;
}

/**
 * Trouble first: by the worst trouble's rank, then how bad it is, then the next trouble…; gateways
 * without trouble last; ties by gateway id.
 */
export function byTrouble(
  a: { gateway_id: string; troubles: ReadonlyArray<{ trouble: Trouble; weight: number }> },
  b: { gateway_id: string; troubles: ReadonlyArray<{ trouble: Trouble; weight: number }> },
): number {
  const length = Math.max(a.troubles.length, b.troubles.length);
  for (let i = 0; i < length; i++) {
    const [x, y] = [a.troubles[i], b.troubles[i]];
    if (x === undefined || y === undefined) return x === undefined ? 1 : -1;
    const rank = TROUBLES.indexOf(x.trouble) - TROUBLES.indexOf(y.trouble);
    if (rank !== 0) return rank;
    if (x.weight !== y.weight) return y.weight - x.weight;
  }
  return a.gateway_id < b.gateway_id ? -1 : a.gateway_id > b.gateway_id ? 1 : 0;
}
