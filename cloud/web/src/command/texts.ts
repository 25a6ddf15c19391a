import { fill } from '../i18n.js';

/** The command screen's texts (指挥大屏), zh-CN first, kept beside the page. */
const TEXTS = {
  commandCentre: { zh: '指挥大屏', en: 'Command centre' },
  screenTitle: { zh: '{name} · 网格化指挥大屏', en: '{name} · Grid command centre' },
  exit: { zh: '退出大屏', en: 'Leave the screen' },
  live: { zh: '实时连接', en: 'Live' },
  connecting: { zh: '正在连接…', en: 'Connecting…' },
  disconnected: { zh: '实时连接中断，正在重连', en: 'Live link lost: reconnecting' },
  disconnectedHint: {
    zh: '屏上数据停留在 {at}，恢复连接后自动更新',
    en: 'Figures as of {at}; they update again once the link is back',
  },
  refreshedAt: { zh: '数据 {at}', en: 'Data {at}' },
  refreshFailed: { zh: '刷新失败：{reason}', en: 'Refresh failed: {reason}' },
  loading: { zh: '正在载入指挥大屏…', en: 'Loading the command centre…' },
  loadFailed: { zh: '指挥大屏载入失败', en: 'The command centre could not load' },
  retry: { zh: '重试', en: 'Retry' },
  retriesItself: { zh: '大屏每分钟自动重试一次', en: 'The screen tries again every minute by itself' },
  noOpen: { zh: '暂无在办事件', en: 'No open incidents' },
  noFiled: { zh: '本月与上月均无立案，暂无考核数据', en: 'Nothing filed this month or last: no KPIs yet' },
  today: { zh: '今日态势', en: 'Today' },
  intake: { zh: '今日受理', en: 'Intake' },
  closed: { zh: '今日结案', en: 'Closed' },
  overdue: { zh: '今日超期', en: 'Overdue' },
  escalated: { zh: '今日升级', en: 'Escalated' },
  openTotal: { zh: '在办事件', en: 'Open incidents' },
  lightGreen: { zh: '正常', en: 'On time' },
  lightYellow: { zh: '临期', en: 'Due soon' },
  lightRed: { zh: '超期', en: 'Overdue' },
  lightNone: { zh: '未计时', en: 'No limit' },
  byState: { zh: '在办事件 · 按环节', en: 'Open · by state' },
  bySource: { zh: '在办事件 · 按来源', en: 'Open · by source' },
  byCategory: { zh: '在办事件 · 按类别', en: 'Open · by category' },
  kpiTrend: { zh: '考核指标 · 本月与上月', en: 'KPIs · this month vs last' },
  thisMonth: { zh: '本月', en: 'This month' },
  lastMonth: { zh: '上月', en: 'Last month' },
  filed: { zh: '本月立案 {n} 件（上月 {last} 件）', en: '{n} filed this month ({last} last month)' },
  health: { zh: '设备与网关运行', en: 'Devices and gateways' },
  gatewaysUp: { zh: '网关在线', en: 'Gateways up' },
  gatewaysDown: { zh: '链路中断', en: 'Link down' },
  gatewaysSilent: { zh: '失联', en: 'Silent' },
  devicesOffline: { zh: '设备离线', en: 'Devices offline' },
  ofTotal: { zh: '/ {n}', en: '/ {n}' },
  community: { zh: '社区', en: 'Community' },
  allHealthy: { zh: '各社区网关运行正常', en: 'Every community’s gateways are well' },
  noGateways: { zh: '辖区内尚未接入网关', en: 'No gateways in the district yet' },
  ticker: { zh: '紧急事件', en: 'Urgent' },
  noUrgent: { zh: '当前无紧急事件', en: 'No urgent incidents now' },
  map: { zh: '辖区事件分布图', en: 'Map of the district’s incidents' },
  mapLegendGrids: { zh: '网格颜色：在办事件最严重灯色', en: 'Grids: worst light of their open incidents' },
  mapLegendCentres: {
    zh: '无定位的事件分布在所属网格中心',
    en: 'Incidents without a point gather at their grid’s centre',
  },
  noBoundaries: { zh: '网格边界尚未提供，仅显示事件位置', en: 'No grid boundaries yet: incidents only' },
  emptyDistrict: { zh: '辖区内当前没有在办事件', en: 'No open incidents in the district' },
  pinsUnplaced: { zh: '{n} 件无位置', en: '{n} without a place' },
  openIn: { zh: '在办 {n} 件', en: '{n} open' },
  forbidden: {
    zh: '指挥大屏仅供区、街道管理员和值班员使用',
    en: 'The command centre is for district and street admins and operators',
  },
  count: { zh: '{n} 件', en: '{n}' },
} as const;

export type CommandText = keyof typeof TEXTS;

export function ct(key: CommandText, values?: Record<string, string | number>): string {
  return fill(TEXTS[key], values);
}

/** The KPIs the screen compares month on month, with their names (docs/domain.md §5). */
export const SCREEN_KPIS = [
  { code: 'dispatch_rate', name: { zh: '交办率', en: 'Dispatch' } },
  { code: 'on_time_completion_rate', name: { zh: '按期办结率', en: 'On-time completion' } },
  { code: 'closing_rate', name: { zh: '结案率', en: 'Closing' } },
  { code: 'on_time_closing_rate', name: { zh: '按期结案率', en: 'On-time closing' } },
  { code: 'satisfaction_rate', name: { zh: '满意率', en: 'Satisfaction' } },
  { code: 'rework_rate', name: { zh: '返工率', en: 'Rework' } },
] as const;
