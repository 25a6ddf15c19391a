import type { Language } from './message.js';

/** One message in both languages; `{name}` is a parameter, `{name@vocabulary}` one named in a vocabulary. */
export type Template = Record<Language, string>;

/**
 * Words the messages name by code (levels, steps, states, actions…): a parameter `{level@level}`
 * renders `street` as 街道 or "street". A code missing here renders as itself.
 */
export const VOCABULARIES: Record<string, Record<string, Template>> = {
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
    low_battery: { 'zh-CN': '电量低', en: 'low battery' },
    tamper: { 'zh-CN': '被拆/遮挡', en: 'tampered with' },
    fault: { 'zh-CN': '故障', en: 'fault' },
    gateway_offline: { 'zh-CN': '网关离线', en: 'gateway offline' },
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
  'maintenance.title_gateway': {
    'zh-CN': '网关 {gateway} 超过 {minutes} 分钟无消息（{window_days} 天内第 {repeats} 次）',
    en: 'Gateway {gateway} silent for over {minutes} min ({repeats} in {window_days} days)',
  },
  'step.maintenance_opened': {
    'zh-CN': '设备运维策略：{fault@maintenance_fault}，转物业维修工单',
    en: 'maintenance policy: {fault@maintenance_fault}, a maintenance ticket for the property',
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

  'session.missing': {
    'zh-CN': '未登录：请先登录',
    en: 'send Authorization: Bearer <session token>',
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
  'engine.need.note': {
    'zh-CN': '「{action@action}」需要填写说明或附上照片',
    en: 'action "{action@action}" needs a comment or an attachment: what was found',
  },
  'engine.routine_only': {
    'zh-CN': '{role@role}只能自行处置一般事件；紧急或重大事件须由中心立案派遣',
    en: 'role {role@role} may {action@action} routine incidents only; an urgent or critical one goes through the centre',
  },
};
