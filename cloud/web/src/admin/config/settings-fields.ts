type Text = { zh: string; en: string };

/** A settings field as the form shows it: its label and, where the name alone is not enough, help. */
export interface FieldText {
  label: Text;
  help?: Text;
}

/**
 * The settings groups' fields by name (the API's own field names), zh-CN first. A field not listed
 * is shown by its name with the API's English description: the form is generated from the schema
 * of `/openapi.json`, so a new field appears on the page before it gets its words here.
 */
export const FIELDS: Record<string, FieldText> = {
  // incidents
  dedup_window_seconds: {
    label: { zh: '告警合并时间窗（秒）', en: 'Alert merge window (s)' },
    help: {
      zh: '同一地点同一分类的告警，在此时间内并入已有事件。',
      en: 'Alerts of one place × category this close join the open incident.',
    },
  },
  unsatisfied_callback: {
    label: { zh: '回访不满意时', en: 'When a callback is unsatisfied' },
    help: {
      zh: '返工：退回原处置人重办；仅评价：只记录结果。',
      en: 'Rework sends the work back; evaluate only records it.',
    },
  },
  callback: {
    label: { zh: '谁做回访', en: 'Who calls back' },
    help: {
      zh: '结案后由回访员、回访员和中心坐席，或不回访（直接归档）。',
      en: 'Callback agents, agents and the centre, or nobody (archived at once).',
    },
  },
  self_check_categories: {
    label: { zh: '允许自查的分类', en: 'Categories that may self-check' },
    help: {
      zh: '这些分类（含下级）的处置人可以核查自己的工作；其余分类须由他人核查。',
      en: 'In these categories (with children) the handler may check their own work.',
    },
  },
  // dispatch
  auto_dispatch: {
    label: { zh: '自动派遣', en: 'Automatic dispatch' },
    help: {
      zh: '立案后无需坐席，直接派给责任方。',
      en: 'A filed incident goes to the responsible party without an operator.',
    },
  },
  fast_track_urgent_iot: {
    label: { zh: '物联网紧急告警快速通道', en: 'Fast track for urgent IoT alerts' },
    help: {
      zh: '来自设备的紧急告警由系统直接受理并立案。',
      en: 'Urgent incidents from device alerts are accepted and filed by the cloud.',
    },
  },
  life_safety_categories: {
    label: { zh: '生命安全类分类', en: 'Life-safety categories' },
    help: {
      zh: '这些分类（含下级）派遣时同时通知社区群机器人。',
      en: 'Their dispatch also alerts the community’s group robots.',
    },
  },
  // kpis
  exclude_suspended_from_due: {
    label: { zh: '挂账事件不计入应办数', en: 'Leave suspended incidents out of the due count' },
    help: {
      zh: '到期时处于挂账状态的事件不计入结案率等指标的分母。',
      en: 'Incidents suspended (挂账) when due leave the denominators.',
    },
  },
  weights: {
    label: { zh: '综合得分权重', en: 'Composite score weights' },
    help: {
      zh: '各指标在综合得分中的权重，不必合计为 1；留空表示不计。',
      en: 'Weights per KPI; they need not sum to 1. Empty: not counted.',
    },
  },
  // sessions
  idle_seconds: {
    label: { zh: '空闲超时（秒）', en: 'Idle timeout (s)' },
    help: { zh: '会话这么久未使用即失效（每次使用后重新计时）。', en: 'A session unused this long ends.' },
  },
  absolute_seconds: {
    label: { zh: '会话最长有效期（秒）', en: 'Absolute session lifetime (s)' },
    help: {
      zh: '登录后无论是否使用，到期即失效；不得短于空闲超时。',
      en: 'A session ends this long after login; at least the idle timeout.',
    },
  },
  max_failures: {
    label: { zh: '登录失败次数上限', en: 'Failed logins before a lock' },
    help: {
      zh: '时间窗内同一用户名失败这么多次即锁定。',
      en: 'Failures of one username within the window that lock it.',
    },
  },
  failure_window_seconds: {
    label: { zh: '失败计数时间窗（秒）', en: 'Failure window (s)' },
    help: { zh: '在此时间内累计登录失败次数。', en: 'Failed logins are counted within this window.' },
  },
  lock_seconds: {
    label: { zh: '锁定时长（秒）', en: 'Lock time (s)' },
    help: { zh: '达到失败次数上限后，该用户名锁定这么久。', en: 'How long the username stays locked.' },
  },
  // maintenance
  offline_minutes: {
    label: { zh: '设备离线转工单（分钟）', en: 'Device offline before a ticket (min)' },
    help: {
      zh: '设备离线超过此时长生成维修工单（下面按类型单独设置的除外）。',
      en: 'A device offline longer gets a maintenance ticket, unless its kind has its own.',
    },
  },
  offline_minutes_by_kind: {
    label: { zh: '按设备类型的离线时长（分钟）', en: 'Offline minutes by device kind' },
    help: { zh: '留空的类型使用上面的通用时长。', en: 'Kinds left empty take the general value above.' },
  },
  gateway_silent_minutes: {
    label: { zh: '网关失联转工单（分钟）', en: 'Gateway silent before a ticket (min)' },
    help: {
      zh: '网关超过此时长未上报任何数据即生成维修工单。',
      en: 'A gateway that sent nothing for longer gets a ticket.',
    },
  },
  repeat_window_days: {
    label: { zh: '重复故障统计天数', en: 'Repeat window (days)' },
    help: {
      zh: '工单上显示该设备在此天数内的工单数。',
      en: 'A ticket shows how many tickets its device had within this many days.',
    },
  },
  // patrol
  position_interval_s: {
    label: { zh: '巡查定位间隔（秒）', en: 'Position interval (s)' },
    help: {
      zh: '巡查进行中手机每隔多久记录一次位置。',
      en: 'How often the phone records a position while a patrol runs.',
    },
  },
  gap_intervals: {
    label: { zh: '轨迹断点（间隔数）', en: 'Gap after (intervals)' },
    help: {
      zh: '超过这么多个间隔没有定位，视为轨迹中断。',
      en: 'No position for longer than this many intervals breaks the trajectory.',
    },
  },
  max_speed_mps: {
    label: { zh: '最大合理速度（米/秒）', en: 'Maximum speed (m/s)' },
    help: { zh: '到达打卡点的速度超过此值会被标记。', en: 'A check-in reached faster than this is flagged.' },
  },
  max_accuracy_m: {
    label: { zh: '定位精度上限（米）', en: 'Worst accepted accuracy (m)' },
    help: { zh: '误差大于此值的定位点不予接收。', en: 'Positions less accurate than this are refused.' },
  },
  clock_skew_s: {
    label: { zh: '手机时钟偏差上限（秒）', en: 'Phone clock skew (s)' },
    help: { zh: '超出此偏差的手机时间会被校正并标记。', en: 'A phone clock further off is corrected and flagged.' },
  },
  retention_days: {
    label: { zh: '保留天数', en: 'Kept for (days)' },
    help: { zh: '超过此天数的记录自动删除。', en: 'Records older than this are deleted.' },
  },
  // deadlines
  time: { label: { zh: '工作时间', en: 'Working time' } },
  utcOffset: {
    label: { zh: '时区（UTC 偏移）', en: 'Time zone (UTC offset)' },
    help: { zh: '中国大陆为 +08:00。', en: '+08:00 for mainland China.' },
  },
  workingHours: {
    label: { zh: '每日工作时段', en: 'Working periods of a day' },
    help: { zh: '按先后顺序、不重叠；两段之间为午休。', en: 'In order, not overlapping; the gap is the lunch break.' },
  },
  start: { label: { zh: '开始', en: 'Start' } },
  end: { label: { zh: '结束', en: 'End' } },
  thresholds: { label: { zh: '红黄灯阈值', en: 'Light thresholds' } },
  yellow: {
    label: { zh: '黄灯（占时限比例）', en: 'Yellow (share of the limit)' },
    help: { zh: '如 0.8 表示用去 80% 时限即亮黄灯。', en: 'E.g. 0.8: yellow once 80% of the limit is used.' },
  },
  red: {
    label: { zh: '红灯（占时限比例）', en: 'Red (share of the limit)' },
    help: { zh: '1 表示时限用尽即亮红灯。', en: '1: red once the limit is used up.' },
  },
  yellowSupervision: { label: { zh: '黄灯时督办升至', en: 'Yellow raises supervision to' } },
  breachSupervision: { label: { zh: '超时后督办升至', en: 'A breach raises supervision to' } },
  unsignedMinutes: {
    label: { zh: '未签收上报时限（分钟）', en: 'Unsigned escalation (min)' },
    help: {
      zh: '生命安全类事件这么久无人签收，逐级上报。',
      en: 'A life-safety incident nobody signed for this long goes one link up.',
    },
  },
  unsignedChain: {
    label: { zh: '上报链（网格长之上）', en: 'Chain above the grid chief' },
    help: { zh: '先通知网格长，再按此顺序逐级上报。', en: 'The grid chief is told first, then these links in order.' },
  },
  unsignedCategories: {
    label: { zh: '非紧急也走上报链的分类', en: 'Categories that run the chain when not urgent' },
    help: {
      zh: '紧急（生命安全）事件总是走上报链；这些分类（含下级）不紧急也走。',
      en: 'Urgent incidents always run it; these categories (with children) do when not urgent.',
    },
  },
};

/** Names of the values the settings take (enums), zh-CN first. */
export const VALUES: Record<string, Text> = {
  rework: { zh: '返工', en: 'Rework' },
  evaluate: { zh: '仅评价', en: 'Evaluate only' },
  agents: { zh: '回访员', en: 'Callback agents' },
  centre: { zh: '回访员和中心坐席', en: 'Agents and the centre' },
  none: { zh: '不回访', en: 'Nobody' },
  normal: { zh: '普通督办', en: 'Normal' },
  yellow_card: { zh: '黄牌', en: 'Yellow card' },
  red_card: { zh: '红牌', en: 'Red card' },
  community: { zh: '社区', en: 'Community' },
  street: { zh: '街道', en: 'Street' },
  district: { zh: '区', en: 'District' },
  dispatch_rate: { zh: '交办率', en: 'Dispatch rate' },
  completion_rate: { zh: '办结率', en: 'Completion rate' },
  on_time_completion_rate: { zh: '按期办结率', en: 'On-time completion rate' },
  closing_rate: { zh: '结案率', en: 'Closing rate' },
  on_time_closing_rate: { zh: '按期结案率', en: 'On-time closing rate' },
  rework_rate: { zh: '返工率', en: 'Rework rate' },
  extension_rate: { zh: '延期率', en: 'Extension rate' },
  callback_rate: { zh: '回访率', en: 'Callback rate' },
  satisfaction_rate: { zh: '满意率', en: 'Satisfaction rate' },
  resolution_rate: { zh: '解决率', en: 'Resolution rate' },
  strict_satisfaction_rate: { zh: '满意率（仅满意）', en: 'Satisfaction rate (satisfied only)' },
  solved_rate: { zh: '回访解决率', en: 'Solved rate (callbacks)' },
  smoke_detector: { zh: '烟感', en: 'Smoke detector' },
  gas_detector: { zh: '燃气报警器', en: 'Gas detector' },
  water_leak: { zh: '水浸', en: 'Water leak' },
  water_meter: { zh: '水表', en: 'Water meter' },
  temp_humidity: { zh: '温湿度', en: 'Temperature/humidity' },
  manhole_cover: { zh: '井盖', en: 'Manhole cover' },
  hydrant_pressure: { zh: '消防栓水压', en: 'Hydrant pressure' },
  door_contact: { zh: '门磁', en: 'Door contact' },
  emergency_button: { zh: '紧急按钮', en: 'Emergency button' },
  elevator: { zh: '电梯', en: 'Elevator' },
  fire_lane_camera: { zh: '消防通道摄像头', en: 'Fire-lane camera' },
  high_altitude_camera: { zh: '高空抛物摄像头', en: 'High-altitude camera' },
  perimeter_intrusion: { zh: '周界入侵', en: 'Perimeter intrusion' },
  barrier_gate: { zh: '道闸', en: 'Barrier gate' },
  access_control: { zh: '门禁', en: 'Access control' },
  onvif_camera: { zh: '摄像头（ONVIF）', en: 'Camera (ONVIF)' },
  gateway: { zh: '网关', en: 'Gateway' },
};

/** The settings groups: where each is read and replaced, and its schema in `/openapi.json`. */
export const GROUPS = [
  {
    name: 'incidents',
    path: '/settings/incidents',
    schema: 'IncidentSettings',
    target: 'incidents:settings',
    label: { zh: '事件', en: 'Incidents' },
  },
  {
    name: 'dispatch',
    path: '/settings/dispatch',
    schema: 'DispatchSettings',
    target: 'dispatch:settings',
    label: { zh: '派遣', en: 'Dispatch' },
  },
  {
    name: 'deadlines',
    path: '/settings/deadlines',
    schema: 'DeadlineSettings',
    target: 'deadlines:settings',
    label: { zh: '时限与督办', en: 'Deadlines' },
  },
  {
    name: 'kpis',
    path: '/settings/kpis',
    schema: 'KpiSettings',
    target: 'kpi:settings',
    label: { zh: '考核', en: 'KPIs' },
  },
  {
    name: 'sessions',
    path: '/settings/sessions',
    schema: 'SessionSettings',
    target: 'sessions:settings',
    label: { zh: '登录会话', en: 'Sessions' },
  },
  {
    name: 'maintenance',
    path: '/settings/maintenance',
    schema: 'MaintenanceSettings',
    target: 'maintenance:settings',
    label: { zh: '设备维护', en: 'Maintenance' },
  },
  {
    name: 'patrol',
    path: '/settings/patrol',
    schema: 'PatrolSettings',
    target: 'patrol:settings',
    label: { zh: '巡查', en: 'Patrol' },
  },
  {
    name: 'worklog',
    path: '/worklog/settings',
    schema: 'WorklogSettings',
    target: 'worklog:settings',
    label: { zh: '工作日志', en: 'Work log' },
  },
] as const;

/** Fields edited on another page: the tenant's own days are the working calendar's. */
export const ELSEWHERE = new Set(['/time/days']);
