import { API_TOKEN_MESSAGES } from './api-token-messages.js';
import { CALLBACK_MESSAGES } from './callback-messages.js';
import { CO_HANDLING_MESSAGES, CO_HANDLING_VALUES, CO_STEP_NAMES } from './co-handling-messages.js';
import { HOTLINE_MESSAGES } from './hotline-messages.js';
import { MEDIATION_MESSAGES } from './mediation-messages.js';
import type { Language } from './message.js';
import { PATROL_MESSAGES } from './patrol-messages.js';
import { RESIDENT_MESSAGES, RESIDENT_VOCABULARIES } from './resident-messages.js';
import { EXPECTED_VALUES, RING_REASONS, TERRITORY_IMPORT_MESSAGES } from './territory-import-messages.js';

/** One message in both languages; `{name}` is a parameter, `{name@vocabulary}` one named in a vocabulary. */
export type Template = Record<Language, string>;

/**
 * Words the messages name by code (levels, steps, states, actions…): a parameter `{level@level}`
 * renders `street` as 街道 or "street". A code missing here renders as itself.
 */
export const VOCABULARIES: Record<string, Record<string, Template>> = {
  ...RESIDENT_VOCABULARIES,
  ring_reason: RING_REASONS,
  expected: EXPECTED_VALUES,
  ...CO_HANDLING_VALUES,
  level: {
    grid: { 'zh-CN': '网格', en: 'grid' },
    community: { 'zh-CN': '社区', en: 'community' },
    street: { 'zh-CN': '街道', en: 'street' },
    district: { 'zh-CN': '区', en: 'district' },
    worker: { 'zh-CN': '网格员', en: 'grid worker' },
    unit: { 'zh-CN': '责任单位', en: 'disposal unit' },
  },
  /** Levels as headings (capitalised), for report sheets. */
  level_en: {
    district: { 'zh-CN': '区', en: 'District' },
    street: { 'zh-CN': '街道', en: 'Street' },
    community: { 'zh-CN': '社区', en: 'Community' },
    grid: { 'zh-CN': '网格', en: 'Grid' },
    worker: { 'zh-CN': '网格员', en: 'Worker' },
    unit: { 'zh-CN': '处置单位', en: 'Unit' },
  },
  step: {
    file_dispatch: { 'zh-CN': '立案派遣', en: 'filing and dispatch' },
    sign: { 'zh-CN': '签收', en: 'signing' },
    handle: { 'zh-CN': '处置', en: 'handling' },
    check: { 'zh-CN': '核查', en: 'check' },
    close: { 'zh-CN': '结案', en: 'closing' },
    callback: { 'zh-CN': '回访', en: 'callback' },
    arrive: { 'zh-CN': '到场', en: 'arrival' },
  },
  supervision: {
    none: { 'zh-CN': '无督办', en: 'no supervision' },
    normal: { 'zh-CN': '普通督办', en: 'normal supervision' },
    yellow_card: { 'zh-CN': '黄牌督办', en: 'yellow card' },
    red_card: { 'zh-CN': '红牌督办', en: 'red card' },
  },
  state: {
    REPORTED: { 'zh-CN': '上报', en: 'reported' },
    VERIFYING: { 'zh-CN': '待核实', en: 'verifying' },
    ACCEPTED: { 'zh-CN': '待立案', en: 'accepted' },
    FILED: { 'zh-CN': '待派遣', en: 'filed' },
    DISPATCHED: { 'zh-CN': '待签收', en: 'dispatched' },
    IN_PROGRESS: { 'zh-CN': '处置中', en: 'in progress' },
    SUSPENDED: { 'zh-CN': '挂账', en: 'suspended' },
    HANDLED: { 'zh-CN': '待核查', en: 'handled' },
    CHECKING: { 'zh-CN': '核查中', en: 'checking' },
    PENDING_CLOSE: { 'zh-CN': '待结案', en: 'pending close' },
    CLOSED: { 'zh-CN': '已结案', en: 'closed' },
    SELF_HANDLED: { 'zh-CN': '自处理', en: 'self-handled' },
    EVALUATED: { 'zh-CN': '已评价', en: 'evaluated' },
    ARCHIVED: { 'zh-CN': '归档', en: 'archived' },
    INVALID: { 'zh-CN': '作废', en: 'invalid' },
    MERGED: { 'zh-CN': '已合并', en: 'merged' },
  },
  /** What the cloud was doing when it took a step itself. */
  system_actor: {
    engine: { 'zh-CN': '流程', en: 'workflow' },
    dispatch: { 'zh-CN': '自动派遣', en: 'automatic dispatch' },
    deadlines: { 'zh-CN': '时限监控', en: 'time-limit watch' },
    maintenance: { 'zh-CN': '设备运维巡检', en: 'maintenance watch' },
    'co-handling': { 'zh-CN': '协办时限监控', en: 'co-handling watch' },
  },
  action: {
    report: { 'zh-CN': '上报', en: 'report' },
    accept: { 'zh-CN': '受理', en: 'accept' },
    needVerify: { 'zh-CN': '转核实', en: 'send to verify' },
    reject: { 'zh-CN': '不予受理', en: 'reject' },
    merge: { 'zh-CN': '合并', en: 'merge' },
    selfHandle: { 'zh-CN': '自行处置', en: 'handle oneself' },
    acknowledge: { 'zh-CN': '已知悉', en: 'acknowledge' },
    reportOnSite: { 'zh-CN': '现场反馈', en: 'report findings on site' },
    arrive: { 'zh-CN': '到场签到', en: 'arrive on site' },
    confirmed: { 'zh-CN': '核实属实', en: 'confirm' },
    notFound: { 'zh-CN': '核实不属实', en: 'not found' },
    file: { 'zh-CN': '立案', en: 'file' },
    dispatch: { 'zh-CN': '派遣', en: 'dispatch' },
    escalate: { 'zh-CN': '上报上级', en: 'escalate' },
    sign: { 'zh-CN': '签收', en: 'sign for' },
    return: { 'zh-CN': '退件', en: 'return' },
    recall: { 'zh-CN': '撤回', en: 'recall' },
    redispatch: { 'zh-CN': '改派', en: 're-dispatch' },
    finish: { 'zh-CN': '处置完成', en: 'finish' },
    extend: { 'zh-CN': '延期', en: 'extend' },
    suspend: { 'zh-CN': '挂账', en: 'suspend' },
    resume: { 'zh-CN': '恢复办理', en: 'resume' },
    startCheck: { 'zh-CN': '开始核查', en: 'start the check' },
    pass: { 'zh-CN': '核查通过', en: 'pass' },
    fail: { 'zh-CN': '核查不通过', en: 'fail' },
    close: { 'zh-CN': '结案', en: 'close' },
    callbackSatisfied: { 'zh-CN': '回访满意', en: 'callback: satisfied' },
    callbackUnsatisfied: { 'zh-CN': '回访不满意', en: 'callback: unsatisfied' },
    archive: { 'zh-CN': '归档', en: 'archive' },
    supervise: { 'zh-CN': '督办', en: 'supervise' },
    overdue: { 'zh-CN': '超期', en: 'overdue' },
    notifyUp: { 'zh-CN': '逐级通知', en: 'notify up' },
    recover: { 'zh-CN': '设备恢复结案', en: 'close on recovery' },
    endDrill: { 'zh-CN': '演练结束', en: 'end of drill' },
    ...CO_STEP_NAMES,
  },
  role: {
    district_admin: { 'zh-CN': '区/街道管理员', en: 'district admin' },
    admin: { 'zh-CN': '管理员', en: 'administrator' },
    operator: { 'zh-CN': '受理员/派遣员', en: 'operator' },
    grid_worker: { 'zh-CN': '网格员', en: 'grid worker' },
    disposal_unit: { 'zh-CN': '责任单位', en: 'disposal unit' },
    property_manager: { 'zh-CN': '物业', en: 'property manager' },
    installer: { 'zh-CN': '安装员', en: 'installer' },
    callback_agent: { 'zh-CN': '回访员', en: 'callback agent' },
    mediator: { 'zh-CN': '调解员', en: 'mediator' },
    system: { 'zh-CN': '系统', en: 'system' },
  },
  /** Role codes as the English API names them (`district_admin or operator`). */
  role_code: {},
  policy: {
    auto_incident: { 'zh-CN': '自动立事件', en: 'automatic incident' },
    alert_only: { 'zh-CN': '仅告警', en: 'alert only' },
    confirm_first: { 'zh-CN': '先核实', en: 'confirm first' },
    maintenance_ticket: { 'zh-CN': '维修工单', en: 'maintenance ticket' },
    never: { 'zh-CN': '不立事件', en: 'never' },
  },
  dispatch_reason: {
    on_duty: { 'zh-CN': '网格值班网格员', en: 'the grid worker on duty' },
    substitute: { 'zh-CN': '值班网格员的代班人', en: 'the substitute of the worker on duty' },
    grid_chief: { 'zh-CN': '网格长', en: 'the grid chief' },
    unit_type: { 'zh-CN': '品类对应的责任单位', en: 'the unit responsible for the category' },
    no_grid: { 'zh-CN': '无所属网格', en: 'no grid' },
    nobody_on_duty: { 'zh-CN': '网格无人值班', en: 'nobody on duty in the grid' },
    returned: { 'zh-CN': '责任方退件', en: 'returned by the assignee' },
  },
  /** What a maintenance ticket is about (docs/domain.md §7). */
  maintenance_fault: {
    offline: { 'zh-CN': '离线', en: 'offline' },
    gateway_offline: { 'zh-CN': '网关离线', en: 'gateway offline' },
  },
  /** What a field expects, by the names zod gives types. */
  value_type: {
    string: { 'zh-CN': '字符串', en: 'string' },
    number: { 'zh-CN': '数字', en: 'number' },
    int: { 'zh-CN': '整数', en: 'integer' },
    integer: { 'zh-CN': '整数', en: 'integer' },
    bigint: { 'zh-CN': '大整数', en: 'bigint' },
    boolean: { 'zh-CN': '布尔值', en: 'boolean' },
    object: { 'zh-CN': '对象', en: 'object' },
    array: { 'zh-CN': '数组', en: 'array' },
    date: { 'zh-CN': '日期', en: 'date' },
    null: { 'zh-CN': '空值', en: 'null' },
    undefined: { 'zh-CN': '空', en: 'undefined' },
    function: { 'zh-CN': '函数', en: 'function' },
    symbol: { 'zh-CN': '符号', en: 'symbol' },
    record: { 'zh-CN': '键值对象', en: 'record' },
    map: { 'zh-CN': '映射', en: 'map' },
    set: { 'zh-CN': '集合', en: 'set' },
    tuple: { 'zh-CN': '元组', en: 'tuple' },
    nan: { 'zh-CN': '非数字', en: 'nan' },
    never: { 'zh-CN': '无（不应填写）', en: 'never' },
    unknown: { 'zh-CN': '任意值', en: 'unknown' },
    any: { 'zh-CN': '任意值', en: 'any' },
  },
  format: {
    email: { 'zh-CN': '电子邮件地址', en: 'email' },
    url: { 'zh-CN': '网址', en: 'url' },
    uuid: { 'zh-CN': '通用唯一识别码', en: 'uuid' },
    date: { 'zh-CN': '日期', en: 'date' },
    time: { 'zh-CN': '时刻', en: 'time' },
    duration: { 'zh-CN': '时长', en: 'duration' },
    ipv4: { 'zh-CN': '互联网协议第 4 版地址', en: 'ipv4' },
    ipv6: { 'zh-CN': '互联网协议第 6 版地址', en: 'ipv6' },
  },
  boolean: {
    true: { 'zh-CN': '真', en: 'true' },
    false: { 'zh-CN': '假', en: 'false' },
  },
  /** What a tenant-wide route reads or changes. */
  subject: {
    deadline_settings: { 'zh-CN': '时限设置', en: 'the deadline settings' },
    incident_settings: { 'zh-CN': '事件设置', en: 'the incident settings' },
    kpi_settings: { 'zh-CN': '考核设置', en: 'the KPI settings' },
    maintenance_settings: { 'zh-CN': '设备运维阈值', en: 'the maintenance thresholds' },
    session_settings: { 'zh-CN': '会话设置', en: 'the session settings' },
    dispatch_settings: { 'zh-CN': '派遣设置', en: 'the dispatch settings' },
    patrol_settings: { 'zh-CN': '巡查设置', en: 'the patrol settings' },
    categories: { 'zh-CN': '品类目录', en: 'the category catalogue' },
    time_limits: { 'zh-CN': '办理时限', en: 'the time limits' },
    device_event_policies: { 'zh-CN': '设备事件策略', en: 'the device-event policies' },
  },
  grid_position: {
    grid_chief: { 'zh-CN': '网格长', en: 'a grid chief' },
    full_time: { 'zh-CN': '专职网格员', en: 'a full-time worker' },
    part_time: { 'zh-CN': '兼职网格员', en: 'a part-time worker' },
  },
  /** Which token a request lacks. */
  token: {
    token: { 'zh-CN': '令牌', en: 'token' },
    admin: { 'zh-CN': '管理员令牌', en: 'admin token' },
    gateway: { 'zh-CN': '网关令牌', en: 'gateway token' },
  },
  stream: {
    incident: { 'zh-CN': '事件数据流', en: 'incident streams' },
    notification: { 'zh-CN': '通知数据流', en: 'notification streams' },
    property: { 'zh-CN': '物业页面数据流', en: 'property page streams' },
  },
  attachment_tag: {
    before: { 'zh-CN': '处置前', en: 'before' },
    after: { 'zh-CN': '处置后', en: 'after' },
    on_site: { 'zh-CN': '现场', en: 'on site' },
  },
};

/**
 * Every message the server writes for people (docs/domain.md §8): step comments of the system,
 * notifications, report headers and the `detail` of problems. One catalogue, zh-CN and en.
 */
export const CATALOGUE: Record<string, Template> = {
  ...PATROL_MESSAGES,
  ...MEDIATION_MESSAGES,
  ...HOTLINE_MESSAGES,
  ...RESIDENT_MESSAGES,
  ...API_TOKEN_MESSAGES,
  ...CO_HANDLING_MESSAGES,
  ...CALLBACK_MESSAGES,
  ...TERRITORY_IMPORT_MESSAGES,
  // Text a device or reporter gave in both languages (a gateway alert's message).
  'text.bilingual': { 'zh-CN': '{zh}', en: '{en}' },

  // Who took a step when no person did.
  'actor.cloud': { 'zh-CN': '系统（{what@system_actor}）', en: 'system ({what@system_actor})' },
  'actor.gateway': { 'zh-CN': '物联网关 {gateway}', en: 'IoT gateway {gateway}' },

  // Step comments written by the cloud.
  'step.alert_policy': { 'zh-CN': '设备事件策略：{policy@policy}', en: 'device-event policy: {policy@policy}' },
  'step.fast_track': {
    'zh-CN': '紧急物联告警：快速立案派遣（租户策略）',
    en: 'urgent IoT alert: fast track (tenant policy)',
  },
  'step.auto_dispatch': {
    'zh-CN': '自动派遣：{reason@dispatch_reason}',
    en: 'automatic dispatch: {reason@dispatch_reason}',
  },
  'step.unsigned_up': {
    'zh-CN': '{minutes} 分钟无人签收：已通知{level@level}',
    en: 'nobody signed for {minutes} min: the {level@level} is told',
  },
  'step.overdue': {
    'zh-CN': '{step@step}时限已过：红牌督办，上升一级',
    en: '{step@step} limit passed: red card, one level up',
  },
  'step.yellow': {
    'zh-CN': '{step@step}时限亮黄灯：{supervision@supervision}',
    en: '{step@step} light turned yellow: {supervision@supervision}',
  },
  'step.breach': {
    'zh-CN': '{step@step}时限已过：{supervision@supervision}',
    en: '{step@step} limit passed: {supervision@supervision}',
  },

  // Maintenance tickets the cloud opens from the devices' state (docs/domain.md §7).
  'maintenance.title_device': {
    'zh-CN': '设备 {device}{fault@maintenance_fault}（{window_days} 天内第 {repeats} 次）',
    en: 'Device {device}: {fault@maintenance_fault} ({repeats} in {window_days} days)',
  },
  'maintenance.title_alert': {
    'zh-CN': '{zh}（{window_days} 天内第 {repeats} 次）',
    en: '{en} ({repeats} in {window_days} days)',
  },
  'maintenance.title_gateway': {
    'zh-CN': '网关 {gateway} 超过 {minutes} 分钟无消息（{window_days} 天内第 {repeats} 次）',
    en: 'Gateway {gateway} silent for over {minutes} min ({repeats} in {window_days} days)',
  },
  'step.maintenance_opened': {
    'zh-CN': '设备运维策略：{fault@maintenance_fault}，转物业维修工单',
    en: 'maintenance policy: {fault@maintenance_fault}, a maintenance ticket for the property',
  },
  'step.drill_ended': {
    'zh-CN': '网关 {gateway} 的调试验收演练已结束：自动归档',
    en: 'the commissioning drill of gateway {gateway} ended: archived',
  },
  'step.maintenance_alert_cleared': {
    'zh-CN': '网关已解除告警（如已更换电池、防拆已复位）：自动结案',
    en: 'the gateway cleared its alert (battery replaced, tamper restored…): closed',
  },
  'step.maintenance_recovered': {
    'zh-CN': '{fault@maintenance_fault}已恢复：自动结案',
    en: '{fault@maintenance_fault} recovered: closed',
  },

  // Notifications (live push, SMS, group robots).
  'notify.dispatched': {
    'zh-CN': '已派遣给{to}，请及时签收。',
    en: 'Dispatched to {to}; please sign for it.',
  },
  'notify.to_you': { 'zh-CN': '您', en: 'you' },
  'notify.to_unit': { 'zh-CN': '责任单位 {unit}', en: 'disposal unit {unit}' },
  'notify.to_operators': {
    'zh-CN': '待派遣（{reason@dispatch_reason}），请人工派遣。',
    en: 'Waiting for dispatch ({reason@dispatch_reason}): please dispatch it.',
  },
  'notify.unsigned': {
    'zh-CN': '紧急事件 {minutes} 分钟无人签收，已上报{level@level}。',
    en: 'Urgent incident unsigned for {minutes} minutes: raised to the {level@level}.',
  },
  'notify.overdue': {
    'zh-CN': '办理超时，已升级至{level@level}督办（红牌）。',
    en: 'Time limit breached: escalated to the {level@level} with a red card.',
  },
  'place.building': { 'zh-CN': '{building} 号楼', en: 'building {building}' },
  'place.unit': { 'zh-CN': '{unit} 单元', en: 'unit {unit}' },

  // KPI report headers.
  'kpi.level': { 'zh-CN': '层级', en: 'Level' },
  'kpi.code': { 'zh-CN': '编码', en: 'Code' },
  'kpi.name': { 'zh-CN': '名称', en: 'Name' },
  'kpi.composite': { 'zh-CN': '综合得分', en: 'Composite' },
  'kpi.rate_percent': { 'zh-CN': '{name}（%）', en: '{name} (%)' },
  'kpi.level_of': { 'zh-CN': '{level@level}', en: '{level@level_en}' },
  'kpi.due': { 'zh-CN': '应结案', en: 'Due' },
  'kpi.closed': { 'zh-CN': '结案', en: 'Closed' },
  'kpi.closed_on_time': { 'zh-CN': '按期结案', en: 'Closed on time' },
  'kpi.report_title': { 'zh-CN': '考核报表', en: 'Assessment report' },
  'kpi.assessment_title': {
    'zh-CN': '{tenant} · {scope} · {month} {level@level}考核',
    en: '{tenant} · {scope} · {month} assessment by {level@level}',
  },
  'kpi.sheet_ranking': { 'zh-CN': '排名', en: 'Ranking' },
  'kpi.sheet_trends': { 'zh-CN': '趋势', en: 'Trends' },
  'kpi.sheet_weights': { 'zh-CN': '权重', en: 'Weights' },
  'kpi.rank': { 'zh-CN': '名次', en: 'Rank' },
  'kpi.peers': { 'zh-CN': '参评数', en: 'Ranked' },
  'kpi.trend_of_score': { 'zh-CN': '近六个月综合得分', en: 'composite score over six months' },
  'kpi.weights_formula': {
    'zh-CN': '综合得分 = 100 × Σ(权重 × 得分率) ÷ Σ权重（只计当月有分母的指标；返工率、延期率按 1 − 比率计）',
    en: 'Score = 100 × Σ(weight × rate) ÷ Σ weight (over the KPIs with something due; rework and extension count as 1 − rate)',
  },
  'kpi.indicator': { 'zh-CN': '指标', en: 'KPI' },
  'kpi.weight': { 'zh-CN': '权重', en: 'Weight' },
  'kpi.lower_is_better': { 'zh-CN': '越低越好', en: 'Lower is better' },

  // Problem titles, by problem code.
  'problem.GL_NOT_FOUND': { 'zh-CN': '未找到', en: 'Not found' },
  'problem.GL_UNAUTHENTICATED': { 'zh-CN': '未登录', en: 'Unauthenticated' },
  'problem.GL_FORBIDDEN': { 'zh-CN': '无权操作', en: 'Forbidden' },
  'problem.GL_VALIDATION_FAILED': { 'zh-CN': '校验失败', en: 'Validation failed' },
  'problem.GL_BODY_NOT_JSON': { 'zh-CN': '请求体不是 JSON', en: 'Body is not JSON' },
  'problem.GL_BODY_TOO_LARGE': { 'zh-CN': '请求体过大', en: 'Body too large' },
  'problem.GL_UNSUPPORTED_MEDIA_TYPE': { 'zh-CN': '不支持的媒体类型', en: 'Unsupported media type' },
  'problem.GL_BATCH_NOT_ARRAY': { 'zh-CN': '批量请求不是数组', en: 'Batch is not an array' },
  'problem.GL_BATCH_EMPTY': { 'zh-CN': '批量请求为空', en: 'Batch is empty' },
  'problem.GL_BATCH_TOO_LARGE': { 'zh-CN': '批量事件过多', en: 'Batch has too many events' },
  'problem.GL_GATEWAY_EXISTS': { 'zh-CN': '网关已注册', en: 'Gateway already registered' },
  'problem.GL_GATEWAY_NOT_FOUND': { 'zh-CN': '网关不存在', en: 'Gateway not found' },
  'problem.GL_LOGIN_FAILED': { 'zh-CN': '登录失败', en: 'Login failed' },
  'problem.GL_LOGIN_THROTTLED': { 'zh-CN': '登录失败次数过多', en: 'Too many failed logins' },
  'problem.GL_LOGIN_BUSY': { 'zh-CN': '同时登录的人过多', en: 'Too many logins at once' },
  'problem.GL_USER_EXISTS': { 'zh-CN': '用户名已被占用', en: 'Username taken' },
  'problem.GL_USER_NOT_FOUND': { 'zh-CN': '用户不存在', en: 'User not found' },
  'problem.GL_DISPOSAL_UNIT_EXISTS': { 'zh-CN': '责任单位已存在', en: 'Disposal unit already exists' },
  'problem.GL_DISPOSAL_UNIT_NOT_FOUND': { 'zh-CN': '责任单位不存在', en: 'Disposal unit not found' },
  'problem.GL_ROSTER_CONFLICT': { 'zh-CN': '排班冲突', en: 'Roster conflict' },
  'problem.GL_INCIDENT_NOT_FOUND': { 'zh-CN': '事件不存在', en: 'Incident not found' },
  'problem.GL_INCIDENT_ACTION_NOT_ALLOWED': { 'zh-CN': '当前状态不允许此操作', en: 'Action not allowed in this state' },
  'problem.GL_INCIDENT_VERSION_CONFLICT': { 'zh-CN': '事件已被他人更新', en: 'Incident changed meanwhile' },
  'problem.GL_INCIDENT_ASSIGNEE_NOT_ELIGIBLE': { 'zh-CN': '承办对象不符合条件', en: 'Assignee not eligible' },
  'problem.GL_INCIDENT_SEPARATION_OF_DUTIES': {
    'zh-CN': '处置人不能核查自己的工作',
    en: 'Not by the one who handled the work',
  },
  'problem.GL_DATABASE_UNAVAILABLE': { 'zh-CN': '数据库不可用', en: 'Database unavailable' },
  'problem.GL_TOO_MANY_STREAMS': { 'zh-CN': '打开的数据流过多', en: 'Too many open streams' },
  'problem.GL_NOT_READY': { 'zh-CN': '服务尚未就绪', en: 'Not ready' },
  'problem.GL_SHUTTING_DOWN': { 'zh-CN': '服务正在停止', en: 'Shutting down' },
  'problem.GL_INTERNAL': { 'zh-CN': '内部错误', en: 'Internal error' },
  'problem.GL_PATROL_CONFLICT': { 'zh-CN': '巡查状态冲突', en: 'Patrol state conflict' },
  'problem.GL_HOTLINE_REPLAY_CONFLICT': { 'zh-CN': '重复推送的工单内容不一致', en: 'Hotline replay differs' },
  'problem.GL_HOTLINE_ORDER_NOT_FOUND': { 'zh-CN': '热线工单不存在', en: 'Hotline order not found' },
  'problem.GL_HOTLINE_STATE_CONFLICT': { 'zh-CN': '热线工单状态冲突', en: 'Hotline order state conflict' },
  'problem.GL_HOTLINE_PLATFORM_EXISTS': { 'zh-CN': '热线平台已存在', en: 'Hotline platform exists' },
  'problem.GL_TERRITORY_IMPORT_REFUSED': { 'zh-CN': '区划导入被拒绝', en: 'Territory import refused' },
  'problem.GL_TERRITORY_IMPORT_STALE': { 'zh-CN': '区划已变化，预览过期', en: 'Territory changed since the preview' },

  'session.missing': {
    'zh-CN': '未登录：请先登录',
    en: 'send Authorization: Bearer <session token or API token>',
  },
  'session.ended': {
    'zh-CN': '会话不存在、已过期或已结束，请重新登录',
    en: 'the session is unknown, expired or ended; log in again',
  },
  'access.needs_role': {
    'zh-CN': '此操作需要以下角色之一：{roles@role}',
    en: 'this needs the role {roles@role_code/or}',
  },
  'access.needs_admin': {
    'zh-CN': '此操作需要管理员令牌或区/街道管理员角色',
    en: 'this needs the admin token or the role district_admin',
  },
  'login.failed': { 'zh-CN': '用户名或密码错误', en: 'the username or the password is wrong' },

  // Problem details of the incidents API and the engine's refusals.
  'incident.not_visible': { 'zh-CN': '没有您可查看的事件 {id}', en: 'no incident {id} that you may see' },
  'incident.report_outside': {
    'zh-CN': '您无权在 {place} 上报事件',
    en: 'you may not report incidents in {place}',
  },
  'incident.alert_outside': {
    'zh-CN': '网关 {gateway} 不属于社区 {community}，不能关联其告警',
    en: 'gateway {gateway} is not one of community {community}: its alert cannot be linked to this report',
  },
  'incident.alert_outside_field': {
    'zh-CN': '请填写社区 {community} 内网关的告警，或去掉 {field} 字段',
    en: 'name an alert of a gateway of community {community}, or leave {field} out',
  },
  'incident.report_outside_field': {
    'zh-CN': '{place} 不在您的角色所辖范围内',
    en: '{place} is outside the territory your roles cover',
  },
  'incident.no_role_for_action': {
    'zh-CN': '您的角色均不能对事件 {id}（{state@state}）执行「{action@action}」',
    en: 'none of your roles may {action@action} incident {id} in state {state@state}',
  },
  'incident.grid_outside_community': {
    'zh-CN': '网格 {grid} 不属于社区 {community}',
    en: 'grid {grid} does not lie in community {community}',
  },
  'incident.where_missing': {
    'zh-CN': '请说明地点：社区（及网格）或位置',
    en: 'say where: community (and grid), or location',
  },
  'incident.location_uncovered': {
    'zh-CN': '没有社区覆盖该位置',
    en: 'no community on record covers that location',
  },
  'incident.attachment_unknown': {
    'zh-CN': '事件 {id} 没有附件 {ids}',
    en: 'no attachment {ids} uploaded for incident {id}',
  },
  'attachment.too_large': {
    'zh-CN': '附件最大 {max} 字节（{mib} MiB）',
    en: 'an attachment has at most {max} bytes ({mib} MiB, attachments.max_bytes)',
  },
  'attachment.at_most': { 'zh-CN': '最多 {max} 字节', en: 'at most {max} bytes' },
  'attachment.may_not_attach': {
    'zh-CN': '您的角色均不能处理事件 {id}（{state@state}），因此不能上传附件',
    en: 'none of your roles may act on incident {id} in state {state}, so none may attach files to it',
  },
  'attachment.empty': {
    'zh-CN': '文件为空：请上传文件内容',
    en: 'the body is empty: send the file’s bytes as the body',
  },
  'attachment.bytes': { 'zh-CN': '文件内容', en: 'the file’s bytes' },
  'attachment.not_a_file': {
    'zh-CN': '文件不是 JPEG、PNG、WebP 图片或 PDF 文档',
    en: 'the content is not a JPEG, PNG, WebP or PDF file (its first bytes say so, whatever Content-Type says)',
  },
  'attachment.type_mismatch': {
    'zh-CN': '声明的类型为 {declared}，实际内容为 {sniffed}，请按 {sniffed} 上传',
    en: 'Content-Type says {declared} but the content is {sniffed}: send it as {sniffed}',
  },
  'attachment.must_be': { 'zh-CN': '内容须为 {declared}', en: 'the content must be {declared}' },
  'attachment.link_expired': {
    'zh-CN': '链接已过期或无效，请重新打开事件',
    en: 'the link expired or is not valid: open the incident again',
  },
  'attachment.not_visible': { 'zh-CN': '没有您可查看的附件 {id}', en: 'no attachment {id} that you may see' },
  'request.body_invalid': { 'zh-CN': '请求体无效', en: 'the request body is not valid' },
  'request.query_invalid': { 'zh-CN': '查询参数无效', en: 'invalid query' },
  'engine.GL_INCIDENT_NOT_FOUND': { 'zh-CN': '事件 {incidentId} 不存在', en: 'incident {incidentId} does not exist' },
  'engine.GL_INCIDENT_ACTION_NOT_ALLOWED': {
    'zh-CN': '事件处于「{state@state}」，不能「{action@action}」；可执行：{allowed@action}',
    en: 'action "{action@action}" is not allowed in state {state@state}; allowed: {allowed@action}',
  },
  'engine.GL_INCIDENT_ROLE_NOT_ALLOWED': {
    'zh-CN': '{role@role}不能在「{state@state}」执行「{action@action}」；可执行的角色：{allowed@role}',
    en: 'role {role@role} may not {action@action} in state {state@state}; roles allowed: {allowed@role}',
  },
  'engine.GL_INCIDENT_VERSION_CONFLICT': {
    'zh-CN': '事件已被他人更新（现为第 {version} 版），请刷新后再决定',
    en: 'the incident changed meanwhile (now at version {version}); reload it and decide again',
  },
  'engine.GL_INCIDENT_REQUEST_REUSED': {
    'zh-CN': '请求 {requestId} 已用于「{action@action}」',
    en: 'request {requestId} was already used for "{action@action}"',
  },
  'engine.GL_INCIDENT_ATTACHMENTS_REQUIRED': {
    'zh-CN': '此操作需要附上照片：{missing@attachment_tag}',
    en: 'this step needs attachments tagged {missing@attachment_tag}',
  },
  'engine.GL_INCIDENT_TOP_LEVEL': {
    'zh-CN': '事件已在最高层级（{level@level}）',
    en: 'the incident is already at level {level@level}',
  },
  'engine.GL_INCIDENT_MERGE_TARGET': {
    'zh-CN': '只能合并到同类（演练与否相同）且未结束的事件，{into} 不符合',
    en: 'an incident can only be merged into an open incident of the same kind (drill or not); {into} is not one',
  },
  'engine.GL_INCIDENT_INVALID_INPUT': { 'zh-CN': '输入无效', en: 'invalid input' },
  'engine.GL_INCIDENT_SEPARATION_OF_DUTIES': {
    'zh-CN': '处置人不能核查自己的工作：「{action@action}」须由他人执行',
    en: 'whoever handled the work may not also {action@action}: it is checked by someone else',
  },
  'engine.GL_INCIDENT_ASSIGNEE_NOT_ELIGIBLE': {
    'zh-CN': '该对象不能承办此事件，请从推荐的承办单位或网格员中选择',
    en: 'the assignee may not take this work: choose a unit or grid worker the incident suggests',
  },
  // Why a dispatch may not go to the assignee asked for (beside the picker), and whom it may go to.
  'assignee.eligible': { 'zh-CN': '可选：{names}', en: 'eligible: {ids}' },
  'assignee.none_eligible': { 'zh-CN': '暂无可承办的单位或网格员', en: 'none is on record' },
  'assignee.required': {
    'zh-CN': '请选择承办单位或网格员；{options}',
    en: 'required: the id of a unit or grid worker from GET /incidents/{id}/assignees; {options}',
  },
  'assignee.unit_not_eligible': {
    'zh-CN': '{name}不承办此类事件，或不服务事发地；{options}',
    en: 'disposal unit {assignee} ({unitType}, serving {territory}) is not eligible for {category} at {place}; {options}',
  },
  'assignee.not_grid_worker': {
    'zh-CN': '{name}不是事发网格的在岗网格员；{options}',
    en: '{assignee} is not eligible: not an active grid worker of grid {grid}; {options}',
  },
  'assignee.unknown': {
    'zh-CN': '没有编号为 {assignee} 的责任单位或网格员；{options}',
    en: '{assignee} is no disposal unit or active grid worker on record; {options}',
  },
  'engine.need.reason': {
    'zh-CN': '「{action@action}」需要填写原因',
    en: 'action "{action@action}" needs a comment: the reason',
  },
  'engine.need.assignee': {
    'zh-CN': '「{action@action}」需要指定派遣对象',
    en: 'action "{action@action}" needs data.assignee: the unit or grid worker the work goes to',
  },
  'engine.need.into': {
    'zh-CN': '合并需要指定目标事件',
    en: 'merge needs data.into: the incident this one joins',
  },
  'engine.need.supervision': {
    'zh-CN': '督办等级无效',
    en: 'data.supervision must be one of none, normal, yellow_card, red_card (or absent: one rung up)',
  },
  'engine.need.position': {
    'zh-CN': '位置 {field} 无效：需要手机定位的经纬度和精度（0–2000 米）',
    en: '{field}: {problem}',
  },
  'engine.need.position_future': {
    'zh-CN': '{field}：定位时间晚于现在，请检查手机时间后重新定位',
    en: "{field}: the fix's time is in the future; check the phone's clock and take a new fix",
  },
  'engine.need.position_stale': {
    'zh-CN': '{field}：定位已超过一天，请在现场重新定位',
    en: '{field}: the fix is more than a day old; take a new one on site',
  },
  'engine.need.note': {
    'zh-CN': '「{action@action}」需要填写说明或附上照片',
    en: 'action "{action@action}" needs a comment or an attachment: what was found',
  },
  'engine.routine_only': {
    'zh-CN': '{role@role}只能自行处置一般事件；紧急或重大事件须由中心立案派遣',
    en: 'role {role@role} may {action@action} routine incidents only; an urgent or critical one goes through the centre',
  },

  // Problem details of the HTTP layer: bodies, tokens, certificates, streams, the cloud itself.
  'header.none': { 'zh-CN': '未提供 {header}', en: 'no {header}' },
  'body.not_json_type': {
    'zh-CN': '请发送 JSON 请求体并设置 {header}（收到的是 {received}）',
    en: 'send a JSON body with {header} (received {received})',
  },
  'body.not_json': { 'zh-CN': '请求体不是有效的 JSON', en: 'the body is not valid JSON' },
  'body.too_large': { 'zh-CN': '请求体超过 {limit} 字节', en: 'the body is larger than {limit} bytes' },
  'body.the_limit': { 'zh-CN': '上限', en: 'the limit' },
  'body.not_utf8': { 'zh-CN': '请求体须为 UTF-8 编码的 JSON', en: 'send the body as UTF-8 JSON' },
  'body.cut_off': { 'zh-CN': '请求体不完整：传输中断', en: 'the request body was cut off' },
  'token.missing': { 'zh-CN': '请以 {header} 方式提供{token@token}', en: 'send {header} <{token@token}>' },
  'token.unknown': { 'zh-CN': '令牌未知、已过期或已吊销', en: 'the token is unknown, expired or revoked' },
  'metrics.token_not_set': {
    'zh-CN': '未配置 http.metrics_token，监控指标接口不对外提供',
    en: '/metrics is served only once http.metrics_token is set',
  },
  'token.needs_admin': { 'zh-CN': '此接口需要管理员令牌', en: 'this route needs the admin token' },
  'token.other_gateway': {
    'zh-CN': '此令牌属于其他网关，而非 {gateway}',
    en: 'this token belongs to another gateway, not {gateway}',
  },
  'certificate.required': {
    'zh-CN': '此云平台要求由其网关证书颁发机构签发的客户端证书（{setting}）',
    en: 'this cloud requires a client certificate signed by its gateway CA ({setting})',
  },
  'certificate.other_gateway': {
    'zh-CN': '客户端证书属于 {cn}，而非 {gateway}',
    en: 'the client certificate names {cn}, not {gateway}',
  },
  'database.unavailable': {
    'zh-CN': '数据库未能完成请求，请稍后重试',
    en: 'the database did not complete the request; retry later',
  },
  'database.not_answering': { 'zh-CN': '数据库无响应', en: 'the database does not answer' },
  'cloud.shutting_down': { 'zh-CN': '云平台正在停止', en: 'the cloud is shutting down' },
  'cloud.internal': {
    'zh-CN': '云平台未能应答，错误已记入日志',
    en: 'the cloud failed to answer; the error is in its log',
  },
  'route.unknown': { 'zh-CN': '没有接口 {method} {path}，参见 {doc}', en: 'no route {method} {path}; see {doc}' },
  'web.not_built': {
    'zh-CN': '网页未能生成，错误已记入日志',
    en: 'the web pages could not be built; the error is in the log',
  },
  'stream.too_many': {
    'zh-CN': '您已打开 {held} 个{what@stream}（最多 {most} 个），请先关闭一个',
    en: 'you already hold {held} {what@stream} (at most {most}); close one',
  },
  'stream.resume_unknown': {
    'zh-CN': '续传编号不是此数据流发出的编号',
    en: '{header} is not an id this stream sent',
  },
  'stream.resume_how': {
    'zh-CN': '请回传数据流最后发出的编号（数字），或不带此请求头',
    en: 'send back the last `id:` the stream sent (digits), or leave the header out',
  },

  // Field errors of request validation: what a field expects and what arrived.
  'field.unexpected': { 'zh-CN': '不应有此字段', en: 'unexpected field' },
  'field.unknown_parameter': { 'zh-CN': '未知参数 {name}', en: 'unknown parameter {name}' },
  'field.expected': { 'zh-CN': '应为{expected}', en: 'expected {expected}' },
  'field.expected_received': {
    'zh-CN': '应为{expected}，收到的是{received}',
    en: 'expected {expected}, received {received}',
  },
  'field.said': { 'zh-CN': '{field}：{said}', en: '{field}: {said}' },
  'expect.type': { 'zh-CN': '{type@value_type}', en: '{type@value_type}' },
  'expect.at_most_string': { 'zh-CN': '不超过 {limit} 个字符', en: 'at most {limit} characters' },
  'expect.at_least_string': { 'zh-CN': '至少 {limit} 个字符', en: 'at least {limit} characters' },
  'expect.at_most_array': { 'zh-CN': '不超过 {limit} 项', en: 'at most {limit} items' },
  'expect.at_least_array': { 'zh-CN': '至少 {limit} 项', en: 'at least {limit} items' },
  'expect.le': { 'zh-CN': '不大于 {limit} 的{type@value_type}', en: '{type} <= {limit}' },
  'expect.lt': { 'zh-CN': '小于 {limit} 的{type@value_type}', en: '{type} < {limit}' },
  'expect.ge': { 'zh-CN': '不小于 {limit} 的{type@value_type}', en: '{type} >= {limit}' },
  'expect.gt': { 'zh-CN': '大于 {limit} 的{type@value_type}', en: '{type} > {limit}' },
  'expect.one_of': { 'zh-CN': '以下之一：{values}', en: 'one of {values}' },
  'expect.datetime': {
    'zh-CN': 'ISO-8601 格式的协调世界时，如 2026-11-25T14:52:18.646Z',
    en: 'an ISO-8601 UTC timestamp like 2026-11-25T14:52:18.646Z',
  },
  'expect.datetime_offset': {
    'zh-CN': '带时区偏移的 ISO-8601 时间',
    en: 'an ISO-8601 date-time with offset',
  },
  'expect.format': { 'zh-CN': '{format@format}格式的字符串', en: 'a {format} string' },
  'expect.multiple_of': { 'zh-CN': '{divisor} 的倍数', en: 'a multiple of {divisor}' },
  'expect.integer_between': { 'zh-CN': '{min} 到 {max} 之间的整数', en: 'an integer from {min} to {max}' },
  'value.nothing': { 'zh-CN': '空（未填写）', en: 'nothing' },
  'value.null': { 'zh-CN': '空值', en: 'null' },
  'value.array': { 'zh-CN': '含 {count} 项的数组', en: 'an array of {count}' },
  'value.string': { 'zh-CN': '字符串 {value}', en: 'string {value}' },
  'value.number': { 'zh-CN': '数字 {value}', en: '{type} {value}' },
  'value.boolean': { 'zh-CN': '布尔值{value@boolean}', en: 'boolean {value}' },
  'value.object': { 'zh-CN': '对象', en: 'an object' },
  'value.other': { 'zh-CN': '{type@value_type}', en: '{type}' },
  // A text no message says yet (a rule of another module in its own words), as written.
  'text.as_written': { 'zh-CN': '{text}', en: '{text}' },

  // Fixed rules of the request schemas: the English is the schema's own text, word for word.
  'check.grid_code': { 'zh-CN': '应为 15 位网格编码', en: 'expected a 15-digit grid code' },
  'check.territory_code': {
    'zh-CN': '应为 6、9、12、15 或 18 位区划编码',
    en: 'expected a territory code of 6, 9, 12, 15 or 18 digits',
  },
  'check.level_below_within': { 'zh-CN': '层级须低于所在区划的层级', en: 'level must be below the level of within' },
  'check.to_after_from': { 'zh-CN': '结束时间须晚于开始时间', en: 'to must be after from' },
  'check.ends_after_starts': { 'zh-CN': '结束时间须晚于开始时间', en: 'ends_at must be after starts_at' },
  'check.period_year': { 'zh-CN': '统计周期最长一年', en: 'a period is at most a year' },
  'check.kpi_weight_decimals': { 'zh-CN': '权重最多保留两位小数', en: 'a weight has at most two decimals' },
  'check.kpi_weights_sum': { 'zh-CN': '各项权重之和须为 100', en: 'the weights must sum to 100' },
  'check.assessment_month': { 'zh-CN': '应为月份，如 2026-10', en: 'expected a month like 2026-10' },
  'check.kpi_territory': {
    'zh-CN': '应为区、街道、社区或网格编码',
    en: 'a district, street, community or grid code',
  },
  'check.username': {
    'zh-CN': '应为 2 到 64 个小写字母、数字、点、下划线或连字符，以字母或数字开头',
    en: 'expected 2-64 of a-z, 0-9, ".", "_" and "-", starting with a letter or digit',
  },
  'check.entity_id': {
    'zh-CN': '应为 1 到 63 个小写字母、数字或连字符，以字母或数字开头',
    en: 'expected 1-63 of a-z, 0-9 and "-", starting with a letter or digit',
  },
  'check.unit_type': { 'zh-CN': '应为小写字母、数字和下划线组成的单位类型', en: 'expected a snake_case unit type' },
  'check.cursor': {
    'zh-CN': '不是此列表的翻页游标：请原样传回上一页的翻页值',
    en: 'not a cursor of this list: pass the `next` of the previous page as is',
  },
  'check.date': { 'zh-CN': '应为日期，如 2025-10-01', en: 'expected a date like 2025-10-01' },
  'check.calendar_day': { 'zh-CN': '日历上没有这一天', en: 'not a day of the calendar' },
  'check.clock_time': { 'zh-CN': '应为时刻，如 08:30', en: 'expected a time like 08:30' },
  'check.offset': { 'zh-CN': '应为时区偏移，如 +08:00', en: 'expected an offset like +08:00' },
  'check.yellow_below_red': { 'zh-CN': '黄灯不能晚于红灯', en: 'yellow must not be above red' },
  'check.policy_window': {
    'zh-CN': '应为 ISO-8601 时长（天、时、分或秒），大于零且不超过 366 天，如 P1D、P7D 或 PT30M',
    en: 'expected an ISO-8601 duration in days, hours, minutes or seconds, above zero and at most 366 days, e.g. P1D, P7D or PT30M',
  },
  'check.policy_local_time': {
    'zh-CN': '应为本地时刻（时:分），从 00:00 到 23:59，如 22:00',
    en: 'expected a local time HH:MM from 00:00 to 23:59, e.g. 22:00',
  },
  'check.policy_range': {
    'zh-CN': '结束须不同于开始（空区间或全天区间）：全天生效请使用自动立事件策略',
    en: 'end must differ from start (an empty or a whole-day range): for every hour use the policy auto_incident',
  },
  'check.policy_never_repeat': {
    'zh-CN': '「不立事件」行不设重复阈值：其告警不会成为事件，请将重复阈值设为空',
    en: "a 'never' row takes no repeat threshold: its alerts never become incidents; set repeat to null",
  },
  'check.policy_never_after_hours': {
    'zh-CN': '「不立事件」行不设非工作时间：其告警不会成为事件，请将非工作时间设为空',
    en: "a 'never' row takes no after-hours range: its alerts never become incidents; set after_hours to null",
  },
  'check.policy_one_row': {
    'zh-CN': '每个品类只能有一行：请合并同一品类的各行',
    en: 'each category may have one row only: merge the rows of the same category',
  },

  // Problem details of sign-in, tokens and gateways.
  'login.throttled_address': {
    'zh-CN': '您的地址登录尝试过多，请 {seconds} 秒后再试',
    en: 'too many login attempts from your address; try again in {seconds} s',
  },
  'login.busy': {
    'zh-CN': '同时校验的登录过多，请 {seconds} 秒后再试',
    en: 'too many logins are being checked right now; try again in {seconds} s',
  },
  'login.throttled_username': {
    'zh-CN': '此用户名登录失败次数过多，请 {seconds} 秒后再试',
    en: 'too many failed logins for this username; try again in {seconds} s',
  },
  'session.already_ended': { 'zh-CN': '会话不存在或已结束', en: 'the session is unknown or already ended' },
  'token.replaced_cannot_rotate': {
    'zh-CN': '已被替换的令牌不能轮换，请使用当前令牌',
    en: 'a replaced token cannot rotate; use the current token',
  },
  'gateway.exists': { 'zh-CN': '网关 {gateway} 已注册', en: 'gateway {gateway} is already registered' },
  'gateway.unknown': { 'zh-CN': '没有已注册的网关 {gateway}', en: 'no gateway {gateway} is registered' },
  'drill.no_incident': {
    'zh-CN': '网关 {gateway} 的告警 {alert} 尚无演练事件：云端可能还在处理，请稍后再查',
    en: 'no drill incident for alert {alert} of gateway {gateway} yet: the cloud may still be making it; ask again shortly',
  },
  'device.community_code': {
    'zh-CN': '没有社区 {community}：社区编码为 12 位数字',
    en: 'no community {community}: a community code is 12 digits',
  },
  'fleet.not_allowed': {
    'zh-CN': '网关运维总览仅供区、街道管理员、值班员和安装人员查看；请联系管理员分配角色',
    en: 'the gateway fleet is for district and street administrators, operators and installers; ask an administrator for a role',
  },
  'device.community_outside': {
    'zh-CN': '社区 {community} 不在您的角色所辖范围内',
    en: "community {community} is outside your roles' territory",
  },
  'device.unknown': {
    'zh-CN': '社区 {community} 中没有设备 {device}',
    en: 'no device {device} in community {community}',
  },
  'property.alert_unknown': {
    'zh-CN': '社区 {community} 中没有告警 {alert}',
    en: 'no alert {alert} in community {community}',
  },
  'property.alert_property_only': {
    'zh-CN': '只有社区 {community} 的物业管理员可以确认或处理其告警',
    en: 'only the property managers of community {community} acknowledge or handle its alerts',
  },
  'property.months_reversed': {
    'zh-CN': '起始月份 {from} 晚于结束月份 {to}：请交换两者',
    en: 'the first month {from} is after the last month {to}: swap them',
  },
  'batch.not_array': {
    'zh-CN': '请求体须为云事件的 JSON 数组（{type}）',
    en: 'the body must be a JSON array of CloudEvents ({type})',
  },
  'batch.empty': {
    'zh-CN': '批量请求中没有事件：请发送 1 到 {most} 个',
    en: 'the batch holds no events; send 1 to {most}',
  },
  'batch.too_large': {
    'zh-CN': '批量请求含 {count} 个事件：每次最多 {most} 个',
    en: 'the batch holds {count} events; send at most {most} per request',
  },

  // Problem details of access to tenant-wide settings and tables.
  'access.tenant_admin_whole_district': {
    'zh-CN': '管理员令牌，或整区（6 位编码）的区/街道管理员角色',
    en: 'the admin token or the role district_admin over a whole district (a 6-digit scope)',
  },
  'access.tenant_admin_every_district': {
    'zh-CN': '管理员令牌，或本平台所服务每个区的区/街道管理员角色（还有 {districts}）',
    en: 'the admin token or the role district_admin over every district this deployment serves (also {districts})',
  },
  'access.change_needs': { 'zh-CN': '修改{what@subject}需要{needs}', en: 'changing {what@subject} needs {needs}' },
  'access.read_needs': {
    'zh-CN': '读取{what@subject}需要以下角色之一：{roles@role}',
    en: 'reading {what@subject} needs the role {roles@role_code/or}',
  },
  'command_centre.needs_role': {
    'zh-CN': '指挥大屏需要以下角色之一：{roles@role}',
    en: 'the command screen needs the role {roles@role_code/or}',
  },
  'kpi.needs_role': {
    'zh-CN': '考核指标需要以下角色之一：{roles@role}',
    en: 'KPIs need the role {roles@role_code/or}',
  },
  'settings.unknown_categories': {
    'zh-CN': '列表中有品类目录没有的品类：{codes}',
    en: '{field} names categories the catalogue does not have: {codes}',
  },

  // Problem details of the category catalogue, time limits and device-event policies.
  'category.unknown': { 'zh-CN': '没有品类 {code}', en: 'no category {code}' },
  'category.absent': { 'zh-CN': '品类 {code} 不存在', en: 'category {code} does not exist' },
  'category.not_a_code': { 'zh-CN': '{code} 不是品类编码', en: '{code} is not a category code' },
  'category.code_form': {
    'zh-CN': '应为 1 到 3 级、以点分隔的小写下划线编码，如 {example}',
    en: 'expected 1-3 dot-separated snake_case levels, e.g. {example}',
  },
  'category.parent_missing': {
    'zh-CN': '{code}：上级品类 {parent} 不存在',
    en: '{code}: its parent category {parent} does not exist',
  },
  'category.create_parent_first': {
    'zh-CN': '{code}：上级品类 {parent} 不存在，请先创建上级品类',
    en: '{code}: its parent category {parent} does not exist: create the parent category first',
  },
  'category.unknown_in_list': {
    'zh-CN': '没有品类 {code}：请用 {route} 创建，或从列表中删除',
    en: 'no category {code}: create it with {route} or remove it from the list',
  },
  'category.unknown_for_limit': {
    'zh-CN': '没有品类 {code}：请用 {route} 创建，或用 * 表示所有品类',
    en: 'no category {code}: create it with {route}, or use * for every category',
  },
  'calendar.year_invalid': {
    'zh-CN': '路径未指明年份（2000–2100 的四位数字，如 /working-calendar/2026）',
    en: 'the path does not name a year (four digits from 2000 to 2100, e.g. /working-calendar/2026)',
  },
  'time_limit.path_invalid': { 'zh-CN': '路径未指明时限规则', en: 'the path does not name a time-limit rule' },
  'time_limit.default_kept': {
    'zh-CN': '{step@step}的租户默认时限不能删除',
    en: 'the tenant default of step {step} cannot be removed',
  },
  'time_limit.default_how': {
    'zh-CN': '每个环节都保留默认时限（* × *）：请用 {route} 修改',
    en: 'every step keeps a default (* × *): change it with {route}',
  },
  'time_limit.unknown': {
    'zh-CN': '没有 {category} × {severity} × {step} 的时限',
    en: 'no time limit for {category} × {severity} × {step}',
  },
  'policy.no_row': {
    'zh-CN': '品类 {category} 没有设备事件策略行：其告警按最近上级品类的行处理，否则为 {fallback}；可用 {method} 创建',
    en: 'no device-event policy row for {category}: its alerts follow the row of its nearest parent category, else {fallback}; create one with {method}',
  },

  // Problem details of people, units, rosters and contacts.
  'user.unknown': { 'zh-CN': '没有用户 {id}', en: 'no user {id}' },
  'user.unknown_in': { 'zh-CN': '没有用户 {id}（{field}）', en: 'no user {id} ({field})' },
  'user.named': { 'zh-CN': '用户 {id}', en: 'user {id}' },
  'user.username_taken': { 'zh-CN': '用户名 {username} 已被占用', en: 'the username {username} is taken' },
  'user.outside_territory': {
    'zh-CN': '用户 {id} 属于 {territory}，不在您的辖区内',
    en: 'user {id} belongs to {territory}, outside your territory',
  },
  'user.installer': {
    'zh-CN': '用户 {id} 是网关 {gateway} 的安装员；网关没有所属辖区，只有管理员令牌能管理安装员',
    en: 'user {id} is an installer of gateway {gateway}; gateways carry no territory, so only the admin token manages installers',
  },
  'user.role_outside_territory': {
    'zh-CN': '用户 {id} 在 {scope} 担任{role@role}，不在您的辖区内；只有管辖其全部角色的管理员能管理该用户',
    en: 'user {id} holds {role} over {scope}, outside your territory; only an admin over every role of a user manages them',
  },
  'user.change_invalid': { 'zh-CN': '用户修改无效：{refusal}', en: 'invalid user change: {refusal}' },
  'password.too_short': { 'zh-CN': '密码至少需要 {min} 个字符', en: 'a password needs at least {min} characters' },
  'password.too_long': { 'zh-CN': '密码最多 {max} 个字符', en: 'a password has at most {max} characters' },
  'password.too_uniform': {
    'zh-CN': '密码至少需要 {min} 个不同的字符',
    en: 'a password needs at least {min} different characters',
  },
  'password.digits_only': {
    'zh-CN': '纯数字密码很快会被猜出：请使用词语或混入字母',
    en: 'a password of digits only is guessed quickly: use words or mix in letters',
  },
  'password.guessable': {
    'zh-CN': '此密码是攻击者最先尝试的密码之一：请另选',
    en: 'this password is among the first any attacker tries: choose another',
  },
  'password.names_user': { 'zh-CN': '密码不能包含用户名', en: 'a password must not contain the username' },
  'scope.mismatch': {
    'zh-CN': '{role@role}的范围应为{expected}，收到的是 {received}',
    en: '{role} needs {expected}, received {received}',
  },
  'scope.territory': { 'zh-CN': '6、9、12 或 15 位区划编码', en: 'a territory code of 6, 9, 12 or 15 digits' },
  'scope.centre': {
    'zh-CN': '中心的区划编码：区 6 位、街道 9 位或社区 12 位',
    en: "a centre's territory code: district 6, street 9 or community 12 digits",
  },
  'scope.grid': { 'zh-CN': '15 位网格编码', en: 'a 15-digit grid code' },
  'scope.community': { 'zh-CN': '12 位社区编码', en: 'a 12-digit community code' },
  'scope.gateway': { 'zh-CN': '网关编号', en: 'a gateway id' },
  'scope.disposal_unit': { 'zh-CN': '责任单位编号', en: 'a disposal unit id' },
  'people.installers_by_admin': {
    'zh-CN': '网关尚无所属辖区：只有管理员令牌能指派安装员',
    en: 'gateways carry no territory yet: only the admin token assigns installers',
  },
  'people.substitute_elsewhere': {
    'zh-CN': '用户 {id} 属于 {territory}，不在用户 {worker} 服务的 {served} 内',
    en: 'user {id} belongs to {territory}, outside {served} where user {worker} serves',
  },
  'role.unknown': { 'zh-CN': '{role} 不是角色', en: '{role} is not a role' },
  'role.not_a_role': { 'zh-CN': '不是角色', en: 'not a role' },
  'role.not_held': {
    'zh-CN': '用户 {id} 没有在 {scope} 担任{role@role}',
    en: 'user {id} has no {role} over {scope}',
  },
  'unit.unknown': { 'zh-CN': '没有责任单位 {id}', en: 'no disposal unit {id}' },
  'unit.exists': { 'zh-CN': '责任单位 {id} 已存在', en: 'disposal unit {id} exists' },
  'unit.outside_territory': {
    'zh-CN': '责任单位 {id} 服务于 {territory}，不在您的辖区内',
    en: 'disposal unit {id} serves {territory}, outside your territory',
  },
  'grid.not_member': { 'zh-CN': '用户 {id} 不是网格 {grid} 的成员', en: 'user {id} is not a member of grid {grid}' },
  'grid.position_taken': {
    'zh-CN': '网格 {grid} 已有{position@grid_position}，请先移除',
    en: 'grid {grid} already has {position@grid_position}; remove them first',
  },
  'grid.member_elsewhere': {
    'zh-CN': '用户 {id} 属于 {territory}，不在网格 {grid} 所在的社区 {community}；网格成员须住在网格所在社区',
    en: "user {id} belongs to {territory}, outside community {community} of grid {grid}; a grid member lives in the grid's community",
  },
  'grid.code_received': {
    'zh-CN': '应为 15 位网格编码，收到的是 {code}',
    en: 'expected a 15-digit grid code, received {code}',
  },
  'roster.leave_unknown': { 'zh-CN': '用户 {user} 没有请假记录 {id}', en: 'user {user} has no leave {id}' },
  'roster.leave_over': {
    'zh-CN': '请假 {id} 已于 {ended} 结束，不能取消；已结束的请假保留为历史记录',
    en: 'leave {id} ended at {ended} and cannot be cancelled; a leave already over stays in the history',
  },
  'roster.duty_period_unknown': { 'zh-CN': '网格 {grid} 没有排班 {id}', en: 'grid {grid} has no duty period {id}' },
  'roster.duty_period_over': {
    'zh-CN': '排班 {id} 已于 {ended} 结束，不能删除；已结束的排班保留为历史记录',
    en: 'duty period {id} ended at {ended} and cannot be removed; a period already over stays in the history',
  },
  'roster.self_substitute': { 'zh-CN': '网格员不能代替自己', en: 'a worker cannot substitute for themselves' },
  'contact.not_yours': {
    'zh-CN': '用户 {id} 的联系方式由本人及管理该用户的管理员维护：{refusal}',
    en: 'the contact of user {id} is kept by that user and by the admins who manage them: {refusal}',
  },
  'contact.none': { 'zh-CN': '用户 {id} 没有登记电话号码', en: 'user {id} has no phone number on file' },
  'time.parameter_not_a_time': {
    'zh-CN': '查询时间须为 ISO-8601 时间',
    en: '{parameter} must be an ISO-8601 time',
  },

  // Problem details of territory, robots and incidents beyond the engine's.
  'territory.outside_yours': {
    'zh-CN': '区划 {territory} 不在您的范围内：请查询您自己的或其下的区划',
    en: 'territory {territory} is outside yours: ask for your own or one inside it',
  },
  'territory.outside_scope': {
    'zh-CN': '区划 {territory} 不在您的范围内',
    en: 'territory {territory} is outside your scope',
  },
  'territory.outside_yours_to_manage': {
    'zh-CN': '{territory} 不在您的辖区内',
    en: '{territory} is outside your territory',
  },
  'territory.outside_visible': {
    'zh-CN': '{territory} 不在您可查看的范围内',
    en: '{territory} is outside what you may see',
  },
  'territory.grid_outside_yours': {
    'zh-CN': '网格 {grid} 不在您的辖区内',
    en: 'grid {grid} is outside your territory',
  },
  'territory.grid_outside_visible': {
    'zh-CN': '网格 {grid} 不在您可查看的范围内',
    en: 'grid {grid} is outside what you may see',
  },
  'territory.parameter_not_a_code': {
    'zh-CN': '查询参数须为区划编码',
    en: '{parameter} must be a territory code',
  },
  'territory.code_expected': {
    'zh-CN': '应为 6、9、12、15 或 18 位区划编码',
    en: 'expected a territory code of 6, 9, 12, 15 or 18 digits',
  },
  'territory.under_not_a_code': {
    'zh-CN': '查询参数须为区划编码（6、9、12、15 或 18 位）',
    en: '{parameter} must be a territory code (6, 9, 12, 15 or 18 digits)',
  },
  'territory.nothing_below': {
    'zh-CN': '{territory} 是微网格，其下没有区划：{parameter} 请用网格或更高层级的编码',
    en: '{territory} is a micro-grid and has no units below it: give {parameter} a grid or higher code',
  },
  'territory.search_query': {
    'zh-CN': '查询内容须为地名中的 1 到 {most} 个字符',
    en: '{parameter} must be 1 to {most} characters of a place’s name',
  },
  'territory.community_code': { 'zh-CN': '社区编码为 12 位数字', en: 'the community code is 12 digits' },
  'territory.community_code_expected': { 'zh-CN': '应为 12 位社区编码', en: 'expected a 12-digit community code' },
  'robot.community_managers': {
    'zh-CN': '社区 {community} 的群机器人由其区/街道管理员和受理员管理',
    en: 'the robots of community {community} are managed by its district/street admins and operators',
  },
  'robot.unit_changers': {
    'zh-CN': '责任单位 {id} 的群机器人由管辖 {territory} 的区/街道管理员修改',
    en: 'the robots of disposal unit {id} are changed by the district admins over {territory}',
  },
  'robot.unit_readers': {
    'zh-CN': '责任单位 {id} 的群机器人由本单位用户和管辖 {territory} 的区/街道管理员查看',
    en: 'the robots of disposal unit {id} are read by its users and the district admins over {territory}',
  },
  'robot.list_invalid': { 'zh-CN': '群机器人设置无效', en: 'the robots are not valid' },
  'robot.webhook_missing': {
    'zh-CN': '机器人 {name} 是新增的：请提供其回调地址',
    en: 'robot {name} is new: give its webhook',
  },
  'robot.webhook_refused': { 'zh-CN': '机器人 {name}：{reason}', en: 'robot {name}: {reason}' },
  'robot.stored_webhook_refused': {
    'zh-CN': '机器人 {name}：已保存的回调地址现已不被允许，请提供新的；{reason}',
    en: 'robot {name}: its stored webhook is refused now: give a new one; {reason}',
  },
  'incident.into_field': { 'zh-CN': '您可查看的未结束事件的编号', en: 'the id of an open incident you may see' },
  'incident.location_outside_areas': {
    'zh-CN': '不在任何已登记的社区范围内',
    en: 'outside every community area on record',
  },
  'incident.community_required': { 'zh-CN': '未给出位置时必填', en: 'required unless location is given' },
  'incident.grid_of_community': {
    'zh-CN': '社区 {community} 的网格（编码以 {community} 开头）',
    en: 'a grid of community {community} (its code starts with {community})',
  },
  'incident.upload_first': { 'zh-CN': '请先用 {route} 上传文件', en: 'upload the file with {route} first' },
  'incident.ids_invalid': {
    'zh-CN': '事件编号须为 1 到 {most} 个，以逗号分隔',
    en: '{parameter} is 1 to {most} comma-separated incident ids',
  },
  'incident.ids_how': {
    'zh-CN': '请给出 1 到 {most} 个事件编号，以逗号分隔',
    en: 'give 1 to {most} incident ids separated by commas',
  },
  'attachment.media_type': {
    'zh-CN': '请以 {header} {types} 之一上传文件（收到的是 {received}）',
    en: 'send the file with {header} {types} (received {received})',
  },
  'check.category_once': { 'zh-CN': '每个品类编码只列一次', en: 'list each category code once' },
  'check.session_absolute': {
    'zh-CN': '会话最长时长不能短于空闲时长：请调低空闲时长或调高最长时长',
    en: 'absolute_seconds must be at least idle_seconds: lower idle_seconds or raise absolute_seconds',
  },
  // Rules of the settings that name what arrived.
  'rule.period_not_after': { 'zh-CN': '{end} 不晚于 {start}', en: '{end} is not after {start}' },
  'rule.period_overlaps': {
    'zh-CN': '{start} 早于上一时段的结束时间（{end}）',
    en: '{start} is before the previous period ends ({end})',
  },
  'rule.workday_is_holiday': { 'zh-CN': '{date} 同时也是节假日', en: '{date} is also a holiday' },

  'check.phone': {
    'zh-CN': '应为中国大陆手机号码：以 13 至 19 开头的 11 位数字，可带 +86 前缀',
    en: 'expected a mainland China mobile number: 11 digits starting with 13-19, optionally after +86',
  },

  // The protocol's id patterns, as its schemas word them.
  'check.device_id': {
    'zh-CN': '设备编号为 1 到 63 个小写字母、数字或连字符，以字母或数字开头',
    en: 'a device id is 1-63 of a-z, 0-9 and "-", starting with a letter or digit',
  },
  'check.gateway_id': {
    'zh-CN': '网关编号为 1 到 63 个小写字母、数字或连字符，以字母或数字开头',
    en: 'a gateway id is 1-63 of a-z, 0-9 and "-", starting with a letter or digit',
  },
  'check.snake_name': {
    'zh-CN': '名称为小写字母、数字和下划线，以字母开头',
    en: 'a name is snake_case: a-z, 0-9 and "_", starting with a letter',
  },
  'check.protocol_id': {
    'zh-CN': '编号为 1 到 128 个字母、数字、下划线、点、冒号或连字符',
    en: 'an id is 1-128 of A-Z, a-z, 0-9, "_", ".", ":" and "-"',
  },
  'check.community_code': { 'zh-CN': '社区编码为 12 位数字', en: 'a community code is 12 digits' },
  'check.protocol_grid_code': {
    'zh-CN': '网格编码为 15 位数字：区县 6 位 + 乡镇 3 位 + 村居 3 位 + 序号 3 位',
    en: 'a grid code is 15 digits: county 6 + town 3 + village 3 + sequence 3',
  },
  'evidence.not_an_image': {
    'zh-CN': '快照不是 JPEG 或 PNG 图片（按文件头判断）',
    en: 'the snapshot is not a JPEG or PNG image (its first bytes say so, whatever Content-Type says)',
  },
  'evidence.sha256_mismatch': {
    'zh-CN': '快照内容的 SHA-256 为 {actual}，与参数 sha256 不符：请重新上传',
    en: 'the body’s SHA-256 is {actual}, not the sha256 given: upload the snapshot again',
  },
  'evidence.sha256_of_body': { 'zh-CN': '请求体的 SHA-256', en: 'the SHA-256 of the body' },
  'evidence.request_unknown': {
    'zh-CN': '没有发给本网关的快照请求 {request}',
    en: 'no snapshot request {request} was sent to this gateway',
  },
  'evidence.may_not_request': {
    'zh-CN': '只有调度员和网格员可以请求新的摄像头快照',
    en: 'only operators (dispatchers) and grid workers may ask for a fresh camera snapshot',
  },
  'evidence.no_camera': {
    'zh-CN': '事件 {id} 没有摄像头快照，无法确定向哪个摄像头请求',
    en: 'incident {id} has no camera snapshot, so there is no camera to ask for a fresh one',
  },
  'evidence.request_taken': {
    'zh-CN': '请求编号 {request} 已用于其他事件：请换一个编号',
    en: 'request id {request} is taken by another incident: use a new id',
  },
  'worklog.not_for_you': {
    'zh-CN': '民情日志仅供网格员及其上级（网格长、受理员、区/街道管理员）使用',
    en: 'the work log is for grid workers and those who supervise them (grid chiefs, operators, district admins)',
  },
  'worklog.writers_only': {
    'zh-CN': '只有网格员可以为民情日志上传照片',
    en: 'only grid workers upload photos for the work log',
  },
  'worklog.grid_not_yours': {
    'zh-CN': '网格 {grid} 不是您负责的网格：请选择您的网格',
    en: 'grid {grid} is not one of your grids: choose one of yours',
  },
  'worklog.entry_unknown': {
    'zh-CN': '没有您可查看的日志 {id}',
    en: 'no work-log entry {id} that you may read',
  },
  'worklog.own_entry_unknown': {
    'zh-CN': '没有您本人写的日志 {id}：只有作者可以修改',
    en: 'no work-log entry {id} of yours: only its author edits it',
  },
  'worklog.edit_window_closed': {
    'zh-CN': '日志保存 {hours} 小时后不能再修改（截至 {until}）：如需更正，请另写一条',
    en: 'an entry can be edited for {hours} hours after it was saved (until {until}): write a new entry to correct it',
  },
  'worklog.visit_in_future': {
    'zh-CN': '走访时间晚于现在（{now}）：请检查手机时间',
    en: 'the visit is later than now ({now}): check the phone’s clock',
  },
  'worklog.visit_too_old': {
    'zh-CN': '走访时间早于日志保留期（{days} 天）',
    en: 'the visit is older than entries are kept ({days} days)',
  },
  'worklog.place_unknown': {
    'zh-CN': '网格 {grid} 中没有 {building} 栋 {unit} 单元：请从楼栋列表中选择，或填写地址',
    en: 'grid {grid} has no building {building} unit {unit}: pick one from the list, or write the address',
  },
  'worklog.incident_unknown': {
    'zh-CN': '网格 {grid} 中没有事件 {id}',
    en: 'no incident {id} in grid {grid}',
  },
  'worklog.photo_unknown': {
    'zh-CN': '没有您上传的照片 {id}（或已属于其他日志）：请重新上传',
    en: 'no photo {id} that you uploaded (or it belongs to another entry): upload it again',
  },
  'worklog.photo_type': {
    'zh-CN': '照片须为 JPEG、PNG 或 WebP 图片（按文件头判断）',
    en: 'a photo must be a JPEG, PNG or WebP image (by its first bytes)',
  },
  'worklog.settings_admins_only': {
    'zh-CN': '只有租户管理员可以修改民情日志设置：{needs}',
    en: 'only tenant administrators change the work-log settings: {needs}',
  },
  'check.worklog_place': {
    'zh-CN': '请填写楼栋（及单元、房号）或地址',
    en: 'name a building (with unit and room) or an address',
  },
  'check.worklog_unit_needs_building': { 'zh-CN': '单元或房号须同时填写楼栋', en: 'a unit or room needs its building' },
  'check.worklog_request_id': {
    'zh-CN': '应为 8 到 64 个字母、数字、- 或 _',
    en: 'expected 8 to 64 letters, digits, - or _',
  },
  'check.worklog_incident_id': { 'zh-CN': '应为事件编号', en: 'expected an incident id' },
};
