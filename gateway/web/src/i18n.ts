import { ref } from 'vue';

/** Interface text, zh-CN first; English when the installer switches. */
export type Lang = 'zh' | 'en';

const LANG_KEY = 'gridlink.console.lang';
const current = ref<Lang>(localStorage.getItem(LANG_KEY) === 'en' ? 'en' : 'zh');

export function lang(): Lang {
  return current.value;
}

export function setLang(next: Lang): void {
  localStorage.setItem(LANG_KEY, next);
  current.value = next;
  document.documentElement.lang = next === 'zh' ? 'zh-CN' : 'en';
}

export function pick(text: { zh: string; en: string } | null | undefined): string {
  return text ? text[lang()] || text.zh : '';
}

const UI = {
  appName: { zh: '网关安装控制台', en: 'Gateway console' },
  switchLang: { zh: 'English', en: '中文' },
  username: { zh: '账号', en: 'Account' },
  password: { zh: '密码', en: 'Password' },
  login: { zh: '登录', en: 'Sign in' },
  loginHint: {
    zh: '使用网关的服务账号登录（安装员可操作，观察员只读）。',
    en: "Sign in with one of the gateway's service accounts (installers change things, observers only look).",
  },
  loginFailed: { zh: '账号或密码错误。', en: 'Wrong account or password.' },
  loginThrottled: {
    zh: '登录失败次数过多，请一分钟后再试。',
    en: 'Too many failed sign-ins: wait a minute and try again.',
  },
  logout: { zh: '退出', en: 'Sign out' },
  overview: { zh: '概览', en: 'Overview' },
  devices: { zh: '设备', en: 'Devices' },
  installer: { zh: '安装员', en: 'Installer' },
  observer: { zh: '观察员（只读）', en: 'Observer (read-only)' },
  live: { zh: '实时', en: 'Live' },
  liveOff: { zh: '实时推送重连中', en: 'Live updates reconnecting' },
  loadFailed: { zh: '加载失败', en: 'Could not load' },
  retry: { zh: '重试', en: 'Retry' },
  loadFailedHint: { zh: '网关未能给出数据，请稍后重试', en: 'The gateway could not answer; try again shortly' },
  clients: { zh: '已连接客户端', en: 'Connected clients' },
  rate: { zh: '消息速率（条/秒）', en: 'Messages per second' },
  deadLetters: { zh: '死信（无效消息）', en: 'Dead letters (invalid)' },
  devicesOnline: { zh: '设备在线 / 离线', en: 'Devices online / offline' },
  alerts: { zh: '当前告警', en: 'Active alerts' },
  noAlerts: { zh: '当前没有告警。', en: 'No active alerts.' },
  outbox: { zh: '上行队列（待发云端）', en: 'Outbox (waiting for the cloud)' },
  cloudLink: { zh: '云端连接', en: 'Cloud link' },
  uplinkOff: { zh: '未启用上行（仅本地运行）', en: 'Uplink disabled (local only)' },
  cameras: { zh: '摄像机', en: 'Cameras' },
  noCameras: { zh: '未配置摄像机。', en: 'No cameras configured.' },
  online: { zh: '在线', en: 'Online' },
  offline: { zh: '离线', en: 'Offline' },
  unknown: { zh: '未上报', en: 'Not heard yet' },
  retired: { zh: '已退役', en: 'Retired' },
  authenticated: { zh: '已认证', en: 'Authenticated' },
  subscribed: { zh: '已订阅事件', en: 'Subscribed' },
  influx: { zh: 'InfluxDB 时序库', en: 'InfluxDB' },
  influxOff: { zh: '未启用', en: 'Disabled' },
  connected: { zh: '已连接', en: 'Connected' },
  disconnected: { zh: '未连接', en: 'Disconnected' },
  queued: { zh: '待写入点', en: 'Points queued' },
  disk: { zh: '数据盘剩余', en: 'Data disk free' },
  clock: { zh: '本机与网关时钟差', en: 'Laptop vs gateway clock' },
  version: { zh: '版本', en: 'Version' },
  gateway: { zh: '网关', en: 'Gateway' },
  alarm: { zh: '报警', en: 'Alarm' },
  state: { zh: '状态', en: 'State' },
  telemetry: { zh: '遥测', en: 'Telemetry' },
  search: { zh: '搜索设备编号', en: 'Search device id' },
  building: { zh: '楼栋', en: 'Building' },
  unit: { zh: '单元', en: 'Unit' },
  kind: { zh: '类型', en: 'Kind' },
  tag: { zh: '标签', en: 'Tag' },
  status: { zh: '状态', en: 'Status' },
  all: { zh: '全部', en: 'All' },
  id: { zh: '设备编号', en: 'Device id' },
  place: { zh: '位置', en: 'Place' },
  lastSeen: { zh: '最后上报', en: 'Last seen' },
  lastMessage: { zh: '最近消息', en: 'Last message' },
  battery: { zh: '电量', en: 'Battery' },
  signal: { zh: '信号', en: 'Signal' },
  tags: { zh: '标签', en: 'Tags' },
  actions: { zh: '操作', en: 'Actions' },
  editTags: { zh: '标签', en: 'Tags' },
  retire: { zh: '退役', en: 'Retire' },
  rotate: { zh: '重置密码', en: 'New password' },
  noDevices: { zh: '注册表中还没有设备。', en: 'No devices in the registry yet.' },
  noMatch: { zh: '没有符合筛选条件的设备。', en: 'No device matches the filters.' },
  save: { zh: '保存', en: 'Save' },
  cancel: { zh: '取消', en: 'Cancel' },
  confirm: { zh: '确定', en: 'Confirm' },
  close: { zh: '关闭', en: 'Close' },
  tagsOf: { zh: '设备 {id} 的标签', en: 'Tags of {id}' },
  tagsHint: {
    zh: '小写字母开头，可含数字和下划线，如 elderly_alone。',
    en: 'Start with a lower-case letter; digits and "_" allowed, e.g. elderly_alone.',
  },
  retireTitle: { zh: '退役设备 {id}？', en: 'Retire {id}?' },
  retireText: {
    zh: '退役后该设备再也无法连接，编号永不复用。',
    en: 'A retired device can never connect again and its id is never reused.',
  },
  reason: { zh: '原因（可选）', en: 'Reason (optional)' },
  rotateTitle: { zh: '为 {id} 重置密码？', en: 'New password for {id}?' },
  rotateText: { zh: '旧密码立即失效。', en: 'The old password stops working at once.' },
  passwordOnce: { zh: '新密码（只显示这一次）', en: 'New password (shown this once)' },
  copy: { zh: '复制', en: 'Copy' },
  readOnly: { zh: '观察员只能查看。', en: 'Observers can only look.' },
  saved: { zh: '已保存', en: 'Saved' },
  never: { zh: '从未', en: 'never' },
  secondsAgo: { zh: '{n} 秒前', en: '{n} s ago' },
  minutesAgo: { zh: '{n} 分钟前', en: '{n} min ago' },
  hoursAgo: { zh: '{n} 小时前', en: '{n} h ago' },
  daysAgo: { zh: '{n} 天前', en: '{n} d ago' },
  total: { zh: '共 {n} 台', en: '{n} devices' },
  audit: { zh: '操作记录', en: 'Audit log' },
  rules: { zh: '规则', en: 'Rules' },
  outboxNav: { zh: '上行队列', en: 'Outbox' },
  commissioning: { zh: '调试验收', en: 'Commissioning' },
  auditHint: { zh: '安装员的登录和每项修改（最近 200 条）', en: "Installers' sign-ins and every change (latest 200)" },
  noAudit: { zh: '还没有操作记录。', en: 'Nothing recorded yet.' },
  when: { zh: '时间', en: 'When' },
  who: { zh: '账号', en: 'Account' },
  action: { zh: '操作', en: 'Action' },
  detail: { zh: '内容', en: 'Detail' },
  from: { zh: '来源地址', en: 'From' },
  actionLogin: { zh: '登录', en: 'Signed in' },
  actionLogout: { zh: '退出', en: 'Signed out' },
  actionTags: { zh: '修改标签', en: 'Tags changed' },
  actionRetire: { zh: '退役设备', en: 'Device retired' },
  actionRotate: { zh: '重置设备密码', en: 'Device password renewed' },
  actionRulesCreate: { zh: '新建规则文件', en: 'Rule file created' },
  actionRulesSave: { zh: '保存规则文件', en: 'Rule file saved' },
  actionRulesDelete: { zh: '删除规则文件', en: 'Rule file deleted' },
  actionOutboxResend: { zh: '重新发送事件', en: 'Event resent' },
  actionOutboxDiscard: { zh: '丢弃事件', en: 'Event discarded' },
  actionDrill: { zh: '开始演练', en: 'Drill started' },
  actionDrillFinish: { zh: '结束演练', en: 'Drill ended' },
  actionCommissioningRecord: { zh: '记录调试验收', en: 'Commissioning recorded' },
} as const;

export type UiKey = keyof typeof UI;

/**
 * A text table's lookup in the current language, `{name}` filled from `values`. Each feature's
 * pages keep their own table (`messages({...})`) beside them; this file holds the shared words.
 */
export function messages<K extends string>(table: Record<K, { zh: string; en: string }>) {
  return (key: K, values: Record<string, string | number> = {}): string => {
    let text: string = table[key][current.value];
    for (const [name, value] of Object.entries(values)) text = text.replaceAll(`{${name}}`, String(value));
    return text;
  };
}

export const t = messages<UiKey>(UI);

export function ago(iso: string | undefined, now = Date.now()): string {
  if (!iso) return t('never');
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (s < 60) return t('secondsAgo', { n: s });
  if (s < 3600) return t('minutesAgo', { n: Math.floor(s / 60) });
  if (s < 86_400) return t('hoursAgo', { n: Math.floor(s / 3600) });
  return t('daysAgo', { n: Math.floor(s / 86_400) });
}
