import { fill } from '../../i18n.js';

type Text = { zh: string; en: string };

/** The configuration sections' texts, zh-CN first. */
const TEXTS = {
  categories: { zh: '事件分类', en: 'Categories' },
  categoriesHint: {
    zh: '事件分类目录：名称、默认等级与是否启用。停用的分类不再出现在上报表单中，已有事件不受影响。',
    en: 'The category catalogue: names, default severity and whether it is in use. A disabled category leaves the report forms; existing incidents keep it.',
  },
  timeLimits: { zh: '处置时限', en: 'Time limits' },
  timeLimitsHint: {
    zh: '按 分类 × 等级 × 环节 设定时限，最具体的规则生效；“*”表示任意。工作日、工作小时按工作日历计算。',
    en: 'Limits per category × severity × step; the most specific rule wins, “*” is any. Working days and hours follow the working calendar.',
  },
  policies: { zh: '设备事件策略', en: 'Device-event policies' },
  policiesHint: {
    zh: '每类设备告警如何处理：仅告警、先确认、自动立案、转维修工单或忽略；可设“重复 N 次才立案”和夜间直接立案的时段。',
    en: 'What each category of device alert becomes: alert only, confirm first, incident, maintenance ticket or never; with an optional repeat threshold and after-hours range.',
  },
  calendar: { zh: '工作日历', en: 'Working calendar' },
  calendarHint: {
    zh: '法定节假日与调休上班日来自国务院安排；点击日期可设为本单位的休息日或工作日，再次点击恢复。时限按此日历计算。',
    en: 'Statutory holidays and make-up workdays come from the State Council’s arrangement; click a day to make it a local day off or workday, click again to undo. Limits count by this calendar.',
  },
  robots: { zh: '通知机器人', en: 'Notification robots' },
  robotsHint: {
    zh: '社区与处置单位的企业微信、钉钉群机器人。Webhook 与加签密钥保存后不再显示，只显示是否已设置。',
    en: 'The WeCom and DingTalk group robots of communities and disposal units. Webhooks and signing secrets are never shown after saving, only whether they are set.',
  },
  settings: { zh: '参数设置', en: 'Settings' },
  settingsHint: {
    zh: '全租户的运行参数，保存后立即生效。只有管理全部辖区的管理员可以修改。',
    en: 'Tenant-wide parameters; a change counts at once. Only an administrator of every district may change them.',
  },
  history: { zh: '历史', en: 'History' },
  historyOf: { zh: '{what}的修改历史', en: 'Change history of {what}' },
  save: { zh: '保存', en: 'Save' },
  saving: { zh: '正在保存…', en: 'Saving…' },
  saved: { zh: '已保存', en: 'Saved' },
  cancel: { zh: '取消', en: 'Cancel' },
  edit: { zh: '编辑', en: 'Edit' },
  add: { zh: '新增', en: 'Add' },
  addChild: { zh: '加下级', en: 'Add child' },
  remove: { zh: '删除', en: 'Remove' },
  loading: { zh: '加载中…', en: 'Loading…' },
  retry: { zh: '重试', en: 'Try again' },
  code: { zh: '编码', en: 'Code' },
  nameZh: { zh: '中文名称', en: 'Chinese name' },
  nameEn: { zh: '英文名称', en: 'English name' },
  name: { zh: '名称', en: 'Name' },
  defaultSeverity: { zh: '默认等级', en: 'Default severity' },
  active: { zh: '启用', en: 'In use' },
  inactive: { zh: '已停用', en: 'Disabled' },
  governance: { zh: '纳入网格治理', en: 'Grid governance' },
  filingCondition: { zh: '立案条件', en: 'Filing condition' },
  closingCondition: { zh: '结案条件', en: 'Closing condition' },
  newCategory: { zh: '新增分类', en: 'New category' },
  codeHint: {
    zh: '小写字母、数字、下划线，用“.”分级，如 safety.fire_lane；上级分类须已存在。',
    en: 'Lowercase letters, digits and _, levels joined by “.”, e.g. safety.fire_lane; the parent must exist.',
  },
  noCategories: { zh: '还没有事件分类。', en: 'No categories yet.' },
  category: { zh: '分类', en: 'Category' },
  anyCategory: { zh: '* 任意分类', en: '* Any category' },
  severity: { zh: '等级', en: 'Severity' },
  anySeverity: { zh: '* 任意等级', en: '* Any severity' },
  step: { zh: '环节', en: 'Step' },
  limit: { zh: '时限', en: 'Limit' },
  unit: { zh: '单位', en: 'Unit' },
  newRule: { zh: '新增时限规则', en: 'New time-limit rule' },
  removeRule: { zh: '删除此规则（改用下一条适用的规则）', en: 'Remove this rule (the next one applies)' },
  tenantDefault: { zh: '租户默认', en: 'Tenant default' },
  noRules: { zh: '还没有时限规则。', en: 'No time-limit rules yet.' },
  filterCategory: { zh: '按分类筛选', en: 'Filter by category' },
  policy: { zh: '处理方式', en: 'Handling' },
  incidentCategory: { zh: '立案分类', en: 'Incident category' },
  sameCategory: { zh: '同告警分类', en: 'The alert’s' },
  repeat: { zh: '重复阈值', en: 'Repeat threshold' },
  repeatOff: { zh: '不设阈值', en: 'No threshold' },
  repeatText: { zh: '{window}内同一{scope}≥{count} 次', en: '≥ {count} per {scope} within {window}' },
  bypass: { zh: '≥{severity}直接立案', en: '{severity}+ at once' },
  count: { zh: '次数', en: 'Count' },
  window: { zh: '时间窗', en: 'Window' },
  windowHint: { zh: 'ISO 8601 时长，如 P1D（1 天）、PT30M（30 分钟）', en: 'ISO 8601 duration, e.g. P1D, PT30M' },
  windowDays: { zh: '{n} 天', en: '{n} d' },
  windowHours: { zh: '{n} 小时', en: '{n} h' },
  windowMinutes: { zh: '{n} 分钟', en: '{n} min' },
  scope: { zh: '统计范围', en: 'Counted per' },
  bypassSeverity: { zh: '直接立案的等级', en: 'Severity that skips the count' },
  afterHours: { zh: '夜间时段', en: 'After hours' },
  afterHoursText: { zh: '{start}–{end} 直接立案', en: '{start}–{end}: incident at once' },
  start: { zh: '开始', en: 'Start' },
  end: { zh: '结束', en: 'End' },
  note: { zh: '备注', en: 'Note' },
  newPolicy: { zh: '新增策略', en: 'New policy' },
  noPolicies: {
    zh: '还没有设备事件策略：所有设备告警按默认“自动立案”处理。',
    en: 'No device-event policies yet: every device alert becomes an incident (the default).',
  },
  year: { zh: '年份', en: 'Year' },
  month: { zh: '月', en: 'Month' },
  monthView: { zh: '月视图', en: 'Month' },
  yearView: { zh: '年视图', en: 'Year' },
  prev: { zh: '上一页', en: 'Previous' },
  next: { zh: '下一页', en: 'Next' },
  legendWorkday: { zh: '工作日', en: 'Workday' },
  legendRest: { zh: '周末', en: 'Weekend' },
  legendHoliday: { zh: '法定节假日', en: 'Statutory holiday' },
  legendMakeup: { zh: '调休上班', en: 'Make-up workday' },
  legendTenantHoliday: { zh: '本单位休息日', en: 'Local day off' },
  legendTenantWorkday: { zh: '本单位工作日', en: 'Local workday' },
  notCovered: {
    zh: '内置日历尚无 {year} 年的国务院放假安排，按周一至周五计算；安排公布后请升级系统。',
    en: 'The built-in calendar has no State Council arrangement for {year} yet: Monday–Friday is assumed until an update brings it.',
  },
  dayChanged: { zh: '{date} 已设为{what}', en: '{date} is now a {what}' },
  dayRestored: { zh: '{date} 已恢复为法定安排', en: '{date} follows the statutory calendar again' },
  weekdays: { zh: '一,二,三,四,五,六,日', en: 'Mo,Tu,We,Th,Fr,Sa,Su' },
  monthName: { zh: '{m}月', en: '{name}' },
  owner: { zh: '所属', en: 'Belongs to' },
  community: { zh: '社区', en: 'Community' },
  unitOwner: { zh: '处置单位', en: 'Disposal unit' },
  chooseOwner: { zh: '请选择社区或处置单位', en: 'Choose a community or a disposal unit' },
  ownerCode: { zh: '或输入社区编码（12 位）', en: 'or type a community code (12 digits)' },
  kind: { zh: '平台', en: 'Platform' },
  webhook: { zh: 'Webhook 地址', en: 'Webhook' },
  secret: { zh: '加签密钥', en: 'Signing secret' },
  isSet: { zh: '已设置', en: 'Set' },
  notSet: { zh: '未设置', en: 'Not set' },
  keepSecret: { zh: '留空则保持不变', en: 'Leave empty to keep it' },
  clearSecret: { zh: '清除密钥', en: 'Clear the secret' },
  robotName: { zh: '机器人名称', en: 'Robot name' },
  robotNameHint: { zh: '小写字母、数字、_ 或 -，最多 32 位', en: '1–32 lowercase letters, digits, _ or -' },
  updatedAt: { zh: '更新时间', en: 'Updated' },
  newRobot: { zh: '新增机器人', en: 'New robot' },
  noRobots: {
    zh: '还没有机器人，派单通知只走站内推送和短信。',
    en: 'No robots yet: dispatches go by in-app push and SMS only.',
  },
  noTestSend: {
    zh: '测试发送：接口暂不支持，保存后下一次派单会发到群里。',
    en: 'Test send: not offered by the API yet; the next dispatch posts to the group.',
  },
  group: { zh: '参数组', en: 'Group' },
  calendarElsewhere: {
    zh: '本单位的休息日与工作日在“工作日历”中编辑。',
    en: 'The local days off and workdays are edited on the working calendar.',
  },
  addItem: { zh: '添加', en: 'Add' },
  unsetValue: { zh: '默认', en: 'Default' },
  refused: { zh: '您可以查看，但不能修改：{why}', en: 'You may read but not change this: {why}' },
  none: { zh: '无', en: 'None' },
} as const satisfies Record<string, Text>;

export type ConfigText = keyof typeof TEXTS;

export function ct(key: ConfigText, values: Record<string, string | number> = {}): string {
  return fill(TEXTS[key], values);
}

/** The names of the vocabularies the configuration pages show, zh-CN first. */
export const STEPS: Record<string, Text> = {
  file_dispatch: { zh: '立案派遣', en: 'File and dispatch' },
  sign: { zh: '签收', en: 'Sign for' },
  arrive: { zh: '到场', en: 'Arrive' },
  handle: { zh: '处置', en: 'Handle' },
  check: { zh: '核查', en: 'Check' },
  close: { zh: '结案', en: 'Close' },
  callback: { zh: '回访', en: 'Call back' },
};

export const UNITS: Record<string, Text> = {
  working_days: { zh: '工作日', en: 'working days' },
  working_hours: { zh: '工作小时', en: 'working hours' },
  natural_days: { zh: '自然日', en: 'days' },
  natural_hours: { zh: '小时', en: 'hours' },
  natural_minutes: { zh: '分钟', en: 'minutes' },
};

export const POLICIES: Record<string, Text> = {
  alert_only: { zh: '仅告警', en: 'Alert only' },
  confirm_first: { zh: '先确认再立案', en: 'Confirm first' },
  auto_incident: { zh: '自动立案', en: 'Incident at once' },
  maintenance_ticket: { zh: '转维修工单', en: 'Maintenance ticket' },
  never: { zh: '忽略', en: 'Never' },
};

export const REPEAT_SCOPES: Record<string, Text> = {
  device: { zh: '设备', en: 'device' },
  place: { zh: '单元', en: 'place' },
  building: { zh: '楼栋', en: 'building' },
  community: { zh: '社区', en: 'community' },
};

export const ROBOT_KINDS: Record<string, Text> = {
  wecom: { zh: '企业微信', en: 'WeCom' },
  dingtalk: { zh: '钉钉', en: 'DingTalk' },
};

export const MONTHS_EN = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
