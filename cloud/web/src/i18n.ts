import { ref } from 'vue';

/** Interface text, zh-CN first; English when the user switches. */
export type Lang = 'zh' | 'en';
type Text = { zh: string; en: string };

const LANG_KEY = 'gridlink.lang';

/** Reactive: every component that printed text with {@link t} draws itself again on a switch. */
const current = ref<Lang>(localStorage.getItem(LANG_KEY) === 'en' ? 'en' : 'zh');

export function lang(): Lang {
  return current.value;
}

export function setLang(next: Lang): void {
  localStorage.setItem(LANG_KEY, next);
  current.value = next;
  document.documentElement.lang = next === 'zh' ? 'zh-CN' : 'en';
}

/** A text of a feature's table in the current language, `{name}` filled from `values`. */
export function fill(text: Text, values: Record<string, string | number> = {}): string {
  return text[lang()].replace(/\{(\w+)\}/g, (_, name: string) => String(values[name] ?? ''));
}

/** A `{zh, en}` pair from the API (category names, notification titles) in the current language. */
export function pick(text: Text | null | undefined): string {
  return text ? text[lang()] || text.zh : '';
}

const UI = {
  appName: { zh: '网格联动', en: 'Gridlink' },
  switchLang: { zh: 'English', en: '中文' },
  username: { zh: '用户名', en: 'Username' },
  password: { zh: '密码', en: 'Password' },
  login: { zh: '登录', en: 'Sign in' },
  loggingIn: { zh: '正在登录…', en: 'Signing in…' },
  logout: { zh: '退出', en: 'Sign out' },
  loginFailed: { zh: '用户名或密码错误。', en: 'The username or the password is wrong.' },
  loginLocked: {
    zh: '登录失败次数过多，该账号已暂时锁定，请 {s} 秒后再试。',
    en: 'Too many failed logins: this account is locked for now. Try again in {s} s.',
  },
  sessionEnded: { zh: '登录已失效，请重新登录。', en: 'Your session ended; please sign in again.' },
  incidents: { zh: '事件列表', en: 'Incidents' },
  intake: { zh: '一口受理', en: 'Intake' },
  kpis: { zh: '考核指标', en: 'KPIs' },
  property: { zh: '物业', en: 'Property' },
  allStates: { zh: '全部状态', en: 'All states' },
  allCategories: { zh: '全部类别', en: 'All categories' },
  allGrids: { zh: '全部网格', en: 'All grids' },
  state: { zh: '状态', en: 'State' },
  category: { zh: '类别', en: 'Category' },
  grid: { zh: '网格', en: 'Grid' },
  community: { zh: '社区', en: 'Community' },
  noIncidents: { zh: '暂无事件。', en: 'No incidents.' },
  live: { zh: '实时', en: 'Live' },
  liveOff: { zh: '实时推送重连中', en: 'Live push reconnecting' },
  refresh: { zh: '刷新', en: 'Refresh' },
  loading: { zh: '加载中…', en: 'Loading…' },
  back: { zh: '返回列表', en: 'Back to the list' },
  place: { zh: '位置', en: 'Place' },
  severity: { zh: '等级', en: 'Severity' },
  urgent: { zh: '加急', en: 'Urgent' },
  occurrences: { zh: '发生次数', en: 'Occurrences' },
  firstLast: { zh: '首次 / 最近', en: 'First / latest' },
  source: { zh: '来源', en: 'Source' },
  level: { zh: '层级', en: 'Level' },
  supervision: { zh: '督办', en: 'Supervision' },
  assignee: { zh: '承办', en: 'Assignee' },
  reworks: { zh: '返工次数', en: 'Reworks' },
  deadline: { zh: '办理时限', en: 'Deadline' },
  overdueSince: { zh: '超期自 {since}，现限 {due}', en: 'Overdue since {since}, now due by {due}' },
  dueBy: { zh: '限 {due}', en: 'Due by {due}' },
  deadlineReason: { zh: '时限：{reason}', en: 'Deadline: {reason}' },
  deadlineChange: { zh: '时限 {from} → {to}（{reason}）', en: 'Deadline {from} → {to} ({reason})' },
  drill: { zh: '演练', en: 'Drill' },
  description: { zh: '描述', en: 'Description' },
  evidence: { zh: '证据', en: 'Evidence' },
  noEvidence: { zh: '无设备证据。', en: 'No device evidence.' },
  snapshot: { zh: '抓拍图片引用', en: 'Snapshot reference' },
  device: { zh: '设备', en: 'Device' },
  rawData: { zh: '原始数据', en: 'Raw data' },
  timeline: { zh: '处置记录', en: 'Step record' },
  actions: { zh: '可执行操作', en: 'What you may do now' },
  noActions: { zh: '当前没有您可执行的操作。', en: 'Nothing for you to do at this step.' },
  comment: { zh: '意见', en: 'Comment' },
  assigneeId: { zh: '承办单位或人员', en: 'Unit or worker' },
  chooseAssignee: { zh: '请选择承办单位或网格员', en: 'Choose a unit or a grid worker' },
  noAssignees: {
    zh: '该事件暂无可派遣的处置单位或网格员。',
    en: 'No disposal unit or grid worker is eligible for this incident.',
  },
  loadingAssignees: { zh: '正在读取可派遣对象…', en: 'Reading who may take it…' },
  onDuty: { zh: '值班', en: 'on duty' },
  assigneeKinds: { zh: '处置单位', en: 'Disposal units' },
  workerKinds: { zh: '网格员', en: 'Grid workers' },
  reasonRequired: { zh: '请填写{action}原因。', en: 'Give the reason for the {action}.' },
  reason: { zh: '原因', en: 'Reason' },
  noteRequired: {
    zh: '请填写现场情况或添加至少一张照片。',
    en: 'Describe what you found or add at least one photo.',
  },
  noteHint: { zh: '现场情况（或添加照片）', en: 'What you found (or add a photo)' },
  needsAttention: { zh: '紧急待派', en: 'Urgent, unassigned' },
  attentionTitle: { zh: '【紧急】{n} 件待派', en: '[URGENT] {n} to dispatch' },
  mergeInto: { zh: '合并到事件编号', en: 'Merge into incident' },
  attachment: { zh: '附件地址', en: 'Attachment URI' },
  photoTagged: { zh: '照片（{tag}）', en: 'Photo ({tag})' },
  otherFiles: { zh: '附件（照片或 PDF，可选）', en: 'Attachments (photos or PDF, optional)' },
  uploading: { zh: '正在上传附件…', en: 'Uploading the attachments…' },
  allSeverities: { zh: '全部等级', en: 'All severities' },
  allCommunities: { zh: '全部社区', en: 'All communities' },
  confirm: { zh: '确认', en: 'Confirm' },
  cancel: { zh: '取消', en: 'Cancel' },
  done: { zh: '已完成：', en: 'Done: ' },
  refused: { zh: '操作被拒绝：', en: 'Refused: ' },
  changedMeanwhile: {
    zh: '此事件刚有新消息；提交时若已被他人改动，系统会提示。',
    en: 'There is news about this incident; if someone changed it, submitting will tell you.',
  },
  newPush: { zh: '新消息：', en: 'New: ' },
  title: { zh: '标题', en: 'Title' },
  building: { zh: '楼栋', en: 'Building' },
  unit: { zh: '单元', en: 'Unit' },
  address: { zh: '地址', en: 'Address' },
  defaultSeverity: { zh: '按类别默认', en: 'Category default' },
  submit: { zh: '受理登记', en: 'Register' },
  registerAndDispatch: { zh: '登记并派遣', en: 'Register and dispatch' },
  placeHint: { zh: '输入社区或网格名称搜索', en: 'Type a community’s or grid’s name' },
  choosePlace: { zh: '请按名称选择社区或网格', en: 'Choose a community or grid by name' },
  pickOnMapHint: {
    zh: '或在地图上点选位置，系统按位置确定网格',
    en: 'Or click the place on the map: its grid is found from the point',
  },
  pickedOnMap: {
    zh: '地图选点：{where}（按位置确定网格）',
    en: 'Picked on the map: {where} (the grid follows from the point)',
  },
  dispatchedMeanwhile: {
    zh: '自动派遣已先将该事件派给 {who}；如需改派，请在事件页操作。',
    en: 'Automatic dispatch sent it to {who} first; re-dispatch it from the incident’s page if needed.',
  },
  registeredAs: { zh: '已登记：', en: 'Registered: ' },
  acceptAndDispatch: { zh: '受理、立案并派遣', en: 'Accept, file and dispatch' },
  openIncident: { zh: '暂不派遣，查看事件', en: 'Not now: open the incident' },
  month: { zh: '考核月份', en: 'Month' },
  groupBy: { zh: '统计维度', en: 'Group by' },
  territory: { zh: '区域编码（可选）', en: 'Territory code (optional)' },
  query: { zh: '查询', en: 'Show' },
  exportCsv: { zh: '导出 CSV', en: 'Export CSV' },
  exportXlsx: { zh: '导出 Excel', en: 'Export XLSX' },
  name: { zh: '名称', en: 'Name' },
  composite: { zh: '综合得分', en: 'Composite' },
  noGroups: { zh: '该月份没有数据。', en: 'No data for that month.' },
  by: { zh: '办理人', en: 'By' },
  at: { zh: '时间', en: 'At' },
  notFound: { zh: '找不到该页面。', en: 'No such page.' },
  todo: { zh: '待办', en: 'To do' },
  doneTab: { zh: '已办', en: 'Done' },
  filters: { zh: '筛选', en: 'Filters' },
  clearFilters: { zh: '清除筛选', en: 'Clear filters' },
  me: { zh: '我', en: 'me' },
  code: { zh: '编码', en: 'Code' },
  showCode: { zh: '{name}的编码', en: 'Code of {name}' },
  buildingNo: { zh: '{building}号楼', en: 'Bldg {building}' },
  unitNo: { zh: '{unit}单元', en: 'Unit {unit}' },
  floorNo: { zh: '{floor}楼', en: 'Floor {floor}' },
  deviceOf: { zh: '设备 {device} · 网关 {gateway}', en: 'Device {device} · gateway {gateway}' },
  mine: { zh: '我的', en: 'Me' },
  moreTabs: { zh: '更多', en: 'More' },
  roles: { zh: '角色', en: 'Roles' },
  offline: {
    zh: '网络连接失败，请检查网络后重试。',
    en: 'The network is unreachable; check the connection and try again.',
  },
  staleSince: { zh: '显示的是 {at} 的内容。', en: 'Showing what was read at {at}.' },
  loadFailed: { zh: '加载失败：', en: 'Could not load: ' },
  retry: { zh: '重试', en: 'Try again' },
  emptyFiltered: { zh: '没有符合筛选条件的事件。', en: 'No incident matches the filters.' },
  emptyHint: { zh: '新的事件会实时出现在这里。', en: 'New incidents appear here as they come.' },
  confirmTitle: { zh: '确认{action}？', en: '{action}?' },
  confirmDestructive: {
    zh: '此操作会结束或退回该事件，提交后不可撤回。',
    en: 'This ends or sends back the incident and cannot be undone.',
  },
  confirmRecall: {
    zh: '撤回后该事件回到待派遣，原承办方不再处理。',
    en: 'Recalled, the incident goes back to be dispatched again; the assignee stops working on it.',
  },
  addPhoto: { zh: '添加照片', en: 'Add a photo' },
  addFile: { zh: '添加照片或 PDF', en: 'Add a photo or PDF' },
  remove: { zh: '移除', en: 'Remove' },
  compressing: { zh: '正在压缩照片…', en: 'Compressing the photo…' },
  photoNeeded: { zh: '请添加{tag}照片。', en: 'Add the {tag} photo.' },
  currentMonth: { zh: '（本月）', en: ' (this month)' },
  scrollHint: { zh: '共 {n} 项指标，左右滑动查看', en: '{n} indicators: scroll sideways to see them all' },
  chartTitle: { zh: '按期结案率', en: 'On-time closure rate' },
  noGroupsHint: {
    zh: '本期还没有可统计的事件；可换一个月份或统计维度。',
    en: 'Nothing to count in this period yet; try another month or grouping.',
  },
  required: { zh: '必填', en: 'Required' },
  noOtherActions: { zh: '除到场签到外，暂无其他可执行操作。', en: 'Nothing else to do here besides arriving.' },
  moreActions: { zh: '更多', en: 'More' },
  noAreas: { zh: '该区域尚未录入边界。', en: 'No boundaries are on record for this territory.' },
  noFigure: { zh: '无数据', en: 'No figure' },
  mapTitle: { zh: '{kpi}（地图）', en: '{kpi} (map)' },
} satisfies Record<string, Text>;

export type UiKey = keyof typeof UI;

/** Interface text by key, `{name}` placeholders filled from `values`. */
export function t(key: UiKey, values: Record<string, string | number> = {}): string {
  return fill(UI[key], values);
}

const STATES: Record<string, Text> = {
  REPORTED: { zh: '上报', en: 'Reported' },
  VERIFYING: { zh: '待核实', en: 'Verifying' },
  ACCEPTED: { zh: '待立案', en: 'Accepted' },
  FILED: { zh: '待派遣', en: 'Filed' },
  DISPATCHED: { zh: '待签收', en: 'Dispatched' },
  IN_PROGRESS: { zh: '处置中', en: 'In progress' },
  SUSPENDED: { zh: '挂账/缓办', en: 'Suspended' },
  HANDLED: { zh: '待核查', en: 'Handled' },
  CHECKING: { zh: '核查中', en: 'Checking' },
  PENDING_CLOSE: { zh: '待结案', en: 'Pending close' },
  CLOSED: { zh: '已结案', en: 'Closed' },
  SELF_HANDLED: { zh: '自处理', en: 'Self-handled' },
  EVALUATED: { zh: '已评价', en: 'Evaluated' },
  ARCHIVED: { zh: '归档', en: 'Archived' },
  INVALID: { zh: '作废', en: 'Invalid' },
  MERGED: { zh: '已合并', en: 'Merged' },
};
export const STATE_CODES = Object.keys(STATES);

const ACTIONS: Record<string, Text> = {
  report: { zh: '上报', en: 'Report' },
  accept: { zh: '受理', en: 'Accept' },
  needVerify: { zh: '转核实', en: 'Send to verify' },
  reject: { zh: '不予受理', en: 'Reject' },
  merge: { zh: '合并', en: 'Merge' },
  selfHandle: { zh: '自行处置', en: 'Handle myself' },
  acknowledge: { zh: '已知悉', en: 'Acknowledge' },
  reportOnSite: { zh: '现场反馈', en: 'Report findings on site' },
  arrive: { zh: '到场签到', en: 'Arrive on site' },
  confirmed: { zh: '核实属实', en: 'Confirmed' },
  notFound: { zh: '核实不属实', en: 'Not found' },
  file: { zh: '立案', en: 'File' },
  dispatch: { zh: '派遣', en: 'Dispatch' },
  escalate: { zh: '上报上级', en: 'Escalate' },
  sign: { zh: '签收', en: 'Sign for it' },
  return: { zh: '退件', en: 'Return' },
  finish: { zh: '处置完成', en: 'Finish' },
  extend: { zh: '延期', en: 'Extend' },
  suspend: { zh: '挂账', en: 'Suspend' },
  resume: { zh: '恢复办理', en: 'Resume' },
  startCheck: { zh: '开始核查', en: 'Start check' },
  pass: { zh: '核查通过', en: 'Pass' },
  fail: { zh: '核查不通过', en: 'Fail' },
  close: { zh: '结案', en: 'Close' },
  callbackSatisfied: { zh: '回访满意', en: 'Callback: satisfied' },
  callbackUnsatisfied: { zh: '回访不满意', en: 'Callback: unsatisfied' },
  archive: { zh: '归档', en: 'Archive' },
  recall: { zh: '撤回', en: 'Recall' },
  redispatch: { zh: '改派', en: 'Re-dispatch' },
  supervise: { zh: '督办', en: 'Supervise' },
  overdue: { zh: '超期', en: 'Overdue' },
  notifyUp: { zh: '逐级通知', en: 'Notify up' },
  // Co-handling (多部门联动): steps on the history that keep the incident's state.
  coAssign: { zh: '安排协办', en: 'Co-handling units named' },
  coAccept: { zh: '协办接收', en: 'Co-task accepted' },
  coFeedback: { zh: '协办反馈', en: 'Co-task feedback' },
  coDone: { zh: '协办办结', en: 'Co-task done' },
  coRefuse: { zh: '协办退回', en: 'Co-task refused' },
  coReassign: { zh: '协办改派', en: 'Co-task reassigned' },
  coOverride: { zh: '协办放行', en: 'Co-handling gate overridden' },
  coOverdue: { zh: '协办超时督办', en: 'Co-task overdue' },
};

const SOURCES: Record<string, Text> = {
  iot: { zh: '物联感知', en: 'IoT' },
  patrol: { zh: '网格巡查', en: 'Patrol' },
  hotline_12345: { zh: '12345 热线', en: '12345 hotline' },
  transfer_110: { zh: '110 非警务转办', en: '110 transfer' },
  petition: { zh: '信访', en: 'Petition' },
  leader: { zh: '领导交办', en: 'Leader instruction' },
  resident: { zh: '居民上报', en: 'Resident' },
  property: { zh: '物业上报', en: 'Property' },
};
/** The channels a person takes in by hand (一口受理); IoT incidents come from the gateways. */
export const INTAKE_SOURCES = ['hotline_12345', 'transfer_110', 'petition', 'patrol', 'leader', 'resident'];

const SEVERITIES: Record<string, Text> = {
  info: { zh: '提示', en: 'Info' },
  warning: { zh: '预警', en: 'Warning' },
  minor: { zh: '一般', en: 'Minor' },
  major: { zh: '重要', en: 'Major' },
  critical: { zh: '紧急', en: 'Critical' },
};
export const SEVERITY_CODES = Object.keys(SEVERITIES);

const LIGHTS: Record<string, Text> = {
  green: { zh: '绿灯', en: 'Green' },
  yellow: { zh: '黄灯', en: 'Yellow' },
  red: { zh: '红灯', en: 'Red' },
  overdue: { zh: '超期', en: 'Overdue' },
  on_time: { zh: '按期办结', en: 'Closed on time' },
  late: { zh: '超期办结', en: 'Closed late' },
  none: { zh: '不计时', en: 'No limit' },
};

const SUPERVISION: Record<string, Text> = {
  none: { zh: '无', en: 'None' },
  normal: { zh: '普通督办', en: 'Normal' },
  yellow_card: { zh: '黄牌督办', en: 'Yellow card' },
  red_card: { zh: '红牌督办', en: 'Red card' },
};

const LEVELS: Record<string, Text> = {
  grid: { zh: '网格', en: 'Grid' },
  community: { zh: '社区', en: 'Community' },
  street: { zh: '街道', en: 'Street' },
  district: { zh: '区', en: 'District' },
  worker: { zh: '网格员', en: 'Worker' },
  unit: { zh: '处置单位', en: 'Disposal unit' },
};
export const KPI_GROUPS = ['street', 'community', 'grid', 'worker', 'district', 'unit'];

const ROLES: Record<string, Text> = {
  admin: { zh: '管理员', en: 'Admin' },
  district_admin: { zh: '区级管理员', en: 'District admin' },
  operator: { zh: '指挥中心', en: 'Command centre' },
  grid_worker: { zh: '网格员', en: 'Grid worker' },
  disposal_unit: { zh: '处置单位', en: 'Disposal unit' },
  property_manager: { zh: '物业', en: 'Property manager' },
  installer: { zh: '安装人员', en: 'Installer' },
  callback_agent: { zh: '回访员', en: 'Callback agent' },
  mediator: { zh: '调解员', en: 'Mediator' },
  system: { zh: '系统', en: 'System' },
};

const EVIDENCE: Record<string, Text> = {
  alert_raised: { zh: '告警产生', en: 'Alert raised' },
  alert_updated: { zh: '告警更新', en: 'Alert updated' },
  alert_cleared: { zh: '告警解除', en: 'Alert cleared' },
  incident_merged: { zh: '事件并入', en: 'Incident merged' },
};

/** Attachment tags the state machine asks for. */
const TAGS: Record<string, Text> = {
  before: { zh: '处置前', en: 'before' },
  after: { zh: '处置后', en: 'after' },
  on_site: { zh: '现场', en: 'on site' },
  scene: { zh: '现场照片', en: 'scene' },
};

/**
 * How loud an action's button is: the step forward is primary, side steps are secondary, and steps
 * that end or send back the incident are destructive (red, and confirmed before they are taken).
 */
export type ActionWeight = 'primary' | 'secondary' | 'destructive';
const DESTRUCTIVE = new Set(['reject', 'merge', 'return', 'fail', 'notFound', 'callbackUnsatisfied', 'recall']);
const PRIMARY = new Set([
  'accept',
  'confirmed',
  'file',
  'dispatch',
  'sign',
  'finish',
  'resume',
  'startCheck',
  'pass',
  'close',
  'callbackSatisfied',
  'archive',
]);
export function actionWeight(action: string): ActionWeight {
  if (DESTRUCTIVE.has(action)) return 'destructive';
  return PRIMARY.has(action) ? 'primary' : 'secondary';
}

const named = (table: Record<string, Text>) => (code: string | null | undefined) =>
  code ? (table[code]?.[lang()] ?? code) : '';

export const stateName = named(STATES);
export const actionName = named(ACTIONS);
/** An action's name in both languages (kept with a step saved offline, shown in either later). */
export const actionTexts = (code: string): Text => ACTIONS[code] ?? { zh: code, en: code };
export const sourceName = named(SOURCES);
export const severityName = named(SEVERITIES);
export const lightName = named(LIGHTS);
const DEADLINE_REASONS: Record<string, Text> = {
  started: { zh: '进入新环节，开始计时', en: 'a new step’s clock started' },
  restarted: { zh: '升级或改派，重新计时', en: 'escalated or re-dispatched: the clock restarted' },
  restartedAt: { zh: '超期升级至{level}，重新计时', en: 'overdue, up to the {level}: the clock restarted' },
  extended: { zh: '批准延期', en: 'extension approved' },
  paused: { zh: '挂账，暂停计时', en: 'suspended: the clock stands still' },
  resumed: { zh: '恢复办理，顺延', en: 'resumed: pushed by the pause' },
  ended: { zh: '环节结束，不再计时', en: 'no limit runs now' },
  recomputed: { zh: '时限设置变更', en: 'the limits or calendar changed' },
};
export const deadlineReasonName = named(DEADLINE_REASONS);

/** One line of why a step moved the deadline: from, to, and the reason (the level an escalation went to). */
export function deadlineChangeText(change: { from: string | null; to: string | null; reason: string; level?: string }) {
  const reason =
    change.reason === 'restarted' && change.level
      ? (DEADLINE_REASONS.restartedAt?.[lang()] ?? '').replace('{level}', levelName(change.level))
      : deadlineReasonName(change.reason);
  return t('deadlineChange', {
    from: change.from ? when(change.from) : '—',
    to: change.to ? when(change.to) : '—',
    reason,
  });
}
export const supervisionName = named(SUPERVISION);
export const levelName = named(LEVELS);
export const evidenceName = named(EVIDENCE);
export const roleName = named(ROLES);
export const tagName = named(TAGS);

/** A time as people in China read it, whatever the device's zone. */
export function when(value: string | null | undefined): string {
  if (!value) return '';
  return new Date(value).toLocaleString(lang() === 'zh' ? 'zh-CN' : 'en-GB', {
    timeZone: 'Asia/Shanghai',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
  });
}
