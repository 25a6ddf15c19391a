import { fill } from '../i18n.js';

/** The hotline panel's own words, zh-CN first. */
const TEXTS = {
  title: { zh: '热线工单', en: 'Hotline order' },
  ticket: { zh: '工单号', en: 'Ticket' },
  channel: { zh: '渠道', en: 'Channel' },
  caller: { zh: '来电人', en: 'Caller' },
  reveal: { zh: '查看号码', en: 'Show number' },
  revealNote: { zh: '查看将记入审计日志', en: 'Showing is recorded in the audit log' },
  content: { zh: '诉求内容', en: 'Request' },
  platformDeadline: { zh: '平台办结时限', en: 'Platform deadline' },
  status: { zh: '工单状态', en: 'Order status' },
  urged: { zh: '催办 {n} 次', en: 'Urged {n} times' },
  supplements: { zh: '补充内容', en: 'Supplements' },
  extension: { zh: '延期申请', en: 'Extension request' },
  pushes: { zh: '回传记录', en: 'Push-back log' },
  noPushes: { zh: '尚无回传', en: 'Nothing pushed yet' },
  delivered: { zh: '已送达', en: 'Delivered' },
  pending: { zh: '待送达', en: 'Pending' },
  failedAttempts: { zh: '失败 {n} 次', en: '{n} failed attempts' },
  nextAttempt: { zh: '下次重试 {at}', en: 'Next try {at}' },
  loadFailed: { zh: '热线工单读取失败：{reason}', en: 'Could not read the hotline order: {reason}' },
  none: { zh: '—', en: '—' },
} satisfies Record<string, { zh: string; en: string }>;

const NAMES: Record<string, { zh: string; en: string }> = {
  hotline_12345: { zh: '12345 热线', en: '12345 hotline' },
  transfer_110: { zh: '110 非警务转办', en: '110 non-police transfer' },
  petition: { zh: '信访', en: 'Petition' },
  open: { zh: '办理中', en: 'Open' },
  returned: { zh: '已退单', en: 'Returned' },
  withdrawn: { zh: '来电人撤回', en: 'Withdrawn by the caller' },
  closed: { zh: '已办结', en: 'Closed' },
  accepted: { zh: '受理', en: 'Accepted' },
  progress: { zh: '办理进展', en: 'Progress' },
  result: { zh: '办理结果', en: 'Result' },
  extension_request: { zh: '延期申请', en: 'Extension request' },
  pending: { zh: '待平台答复', en: 'Awaiting the platform' },
  approved: { zh: '已同意', en: 'Approved' },
  refused: { zh: '未同意', en: 'Refused' },
};

export type HotlineKey = keyof typeof TEXTS;

export function ht(key: HotlineKey, values: Record<string, string | number> = {}): string {
  return fill(TEXTS[key], values);
}

/** A channel, order status, push kind or extension status in words; the code itself when unknown. */
export function hotlineName(code: string): string {
  const name = NAMES[code];
  return name === undefined ? code : fill(name);
}

/** The hotline's channels: the incident sources that have an order. */
export const HOTLINE_SOURCES: readonly string[] = ['hotline_12345', 'transfer_110', 'petition'];
