import { fill, lang } from '../i18n.js';

/** The fleet pages' texts, zh-CN first, kept beside the pages that use them. */
const TEXTS = {
  fleet: { zh: '网关运维', en: 'Gateway fleet' },
  fleetHint: {
    zh: '按故障轻重排序：失联 > 链路中断 > 上传积压 > 设备离线率 > 摄像头未订阅 > 令牌过旧',
    en: 'Trouble first: silent > link down > outbox backlog > devices offline > cameras unsubscribed > old token',
  },
  gateway: { zh: '网关', en: 'Gateway' },
  community: { zh: '社区', en: 'Community' },
  unassigned: { zh: '未分配社区', en: 'No community yet' },
  lastContact: { zh: '最近联系', en: 'Last contact' },
  never: { zh: '从未联系', en: 'Never' },
  version: { zh: '版本', en: 'Version' },
  link: { zh: '链路', en: 'Link' },
  outbox: { zh: '待上传', en: 'Outbox' },
  devices: { zh: '设备在线/总数', en: 'Devices online/total' },
  cameras: { zh: '摄像头 在线/认证/订阅', en: 'Cameras online/auth/subscribed' },
  tokenAge: { zh: '令牌已用', en: 'Token age' },
  days: { zh: '{n} 天', en: '{n} d' },
  justNow: { zh: '刚刚', en: 'just now' },
  camerasOf: { zh: '{counts}（共 {n}）', en: '{counts} (of {n})' },
  minutesAgo: { zh: '{n} 分钟前', en: '{n} min ago' },
  hoursAgo: { zh: '{n} 小时前', en: '{n} h ago' },
  daysAgo: { zh: '{n} 天前', en: '{n} d ago' },
  trouble: { zh: '问题', en: 'Trouble' },
  allWell: { zh: '正常', en: 'All well' },
  noGateways: { zh: '您的范围内还没有网关。', en: 'No gateways in your scope yet.' },
  noGatewaysHint: {
    zh: '网关注册并分配到社区后会出现在这里。',
    en: 'Gateways appear here once registered and assigned to a community.',
  },
  summary: { zh: '共 {n} 台，{bad} 台有问题', en: '{n} gateways, {bad} with trouble' },
  backToFleet: { zh: '返回网关列表', en: 'Back to the fleet' },
  history: { zh: '运行历史', en: 'History' },
  historyDays: { zh: '近 {n} 天', en: 'Last {n} days' },
  outboxSeries: { zh: '待上传事件', en: 'Events waiting' },
  camerasSeries: { zh: '在线摄像头', en: 'Cameras online' },
  clientsSeries: { zh: '在线设备连接', en: 'Device connections' },
  noHistory: { zh: '这段时间没有收到网关的健康报告。', en: 'No health reports in this period.' },
  gaps: { zh: '联系中断', en: 'Contact gaps' },
  noGaps: { zh: '这段时间联系未中断。', en: 'No contact gaps in this period.' },
  gapLine: { zh: '{from} 至 {to}，{n} 分钟', en: '{from} to {to}, {n} min' },
  versions: { zh: '版本变更', en: 'Version changes' },
  versionLine: { zh: '{from} → {to}', en: '{from} → {to}' },
  firstSeen: { zh: '首次报告', en: 'first report' },
  notFound: { zh: '没有这台网关，或不在您的范围内。', en: 'No such gateway, or it is outside your scope.' },
} as const;

const TROUBLES = {
  silent: { zh: '失联', en: 'Silent' },
  link_down: { zh: '链路中断', en: 'Link down' },
  outbox_backlog: { zh: '上传积压', en: 'Outbox backlog' },
  devices_offline: { zh: '设备离线多', en: 'Devices offline' },
  cameras_unsubscribed: { zh: '摄像头未订阅', en: 'Cameras unsubscribed' },
  token_old: { zh: '令牌过旧', en: 'Old token' },
} as const;

const LINKS = {
  up: { zh: '正常', en: 'Up' },
  down: { zh: '中断', en: 'Down' },
  silent: { zh: '失联', en: 'Silent' },
} as const;

export type FleetText = keyof typeof TEXTS;

export function ft(key: FleetText, values: Record<string, string | number> = {}): string {
  return fill(TEXTS[key], values);
}

/** Cameras as "online/authenticated/subscribed (of configured)"; — where a gateway does not report a count. */
export function cameraCounts(
  cameras: { configured: number; online: number; authenticated: number | null; subscribed: number | null } | null,
): string {
  if (cameras === null) return '—';
  const counts = `${cameras.online}/${cameras.authenticated ?? '—'}/${cameras.subscribed ?? '—'}`;
  return ft('camerasOf', { counts, n: cameras.configured });
}

export const troubleName = (trouble: keyof typeof TROUBLES) => TROUBLES[trouble][lang()];
export const linkName = (link: keyof typeof LINKS) => LINKS[link][lang()];

/** "12 分钟前" from an ISO time and the answer's own time (not the browser's clock). */
export function ago(at: string | null, asOf: string): string {
  if (at === null) return ft('never');
  const minutes = Math.max(0, Math.round((Date.parse(asOf) - Date.parse(at)) / 60_000));
  if (minutes < 1) return ft('justNow');
  if (minutes < 120) return ft('minutesAgo', { n: minutes });
  if (minutes < 48 * 60) return ft('hoursAgo', { n: Math.round(minutes / 60) });
  return ft('daysAgo', { n: Math.round(minutes / 1440) });
}
