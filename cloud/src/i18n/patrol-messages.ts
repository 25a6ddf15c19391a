import type { Template } from './catalogue.js';

/** What the patrol API says to people, zh-CN first; part of the cloud's message catalogue. */
export const PATROL_MESSAGES: Record<string, Template> = {
  'patrol.accuracy_absurd': {
    'zh-CN': '定位精度 {accuracy} 米不合理：应大于 0 且不超过 {max} 米，此点未记录',
    en: 'an accuracy of {accuracy} m is absurd: it must be above 0 and at most {max} m; this position was not recorded',
  },
  'patrol.already_running': {
    'zh-CN': '已有一次巡查（{session}）正在进行：请先结束它',
    en: 'patrol {session} is still running: end it first',
  },
  'patrol.checkpoint_id_new': {
    'zh-CN': '新建路线的点位不能带 id：id 由服务器生成',
    en: 'checkpoints of a new route take no id: the server makes them',
  },
  'patrol.checkpoint_needs_tag': {
    'zh-CN': '点位“{checkpoint}”须扫描现场标签打卡（tag_code）',
    en: 'checkpoint “{checkpoint}” is checked in by scanning its tag on site (tag_code)',
  },
  'patrol.checkpoint_not_of_route': {
    'zh-CN': '点位 {id} 不属于本路线：保留已有点位请用其 id，新点位不带 id',
    en: 'checkpoint {id} is not one of this route’s: give the ids of its own checkpoints to keep them, none for new ones',
  },
  'patrol.checkpoint_other_route': {
    'zh-CN': '点位“{checkpoint}”不在本次巡查的路线上',
    en: 'checkpoint “{checkpoint}” is not on this patrol’s route',
  },
  'patrol.checkpoint_too_far': {
    'zh-CN': '距点位“{checkpoint}”{distance} 米，超出打卡半径 {radius} 米：请走近后再打卡',
    en: 'you are {distance} m from checkpoint “{checkpoint}”, beyond its {radius} m radius: walk closer and check in again',
  },
  'patrol.checkpoint_unknown': {
    'zh-CN': '本网格没有点位 {checkpoint}',
    en: 'there is no checkpoint {checkpoint} in this grid',
  },
  'patrol.grid_code': { 'zh-CN': '{grid} 不是网格编码（15 位数字）', en: '{grid} is not a grid code (15 digits)' },
  'patrol.grid_outside': {
    'zh-CN': '网格 {grid} 不在您的范围内',
    en: 'grid {grid} is outside your roles',
  },
  'patrol.live_outside': {
    'zh-CN': '{territory} 不在您督导的范围内：只有其调度员、区/街道管理员和网格长能看巡查实时位置',
    en: '{territory} is outside what you supervise: only its operators, district admins and grid chief see live patrol positions',
  },
  'patrol.may_not_assign': {
    'zh-CN': '只有网格 {grid} 所属的调度员或区/街道管理员可以派发专项任务',
    en: 'only operators or district admins over grid {grid} assign special tasks',
  },
  'patrol.may_not_plan': {
    'zh-CN': '只有网格 {grid} 所属的调度员、区/街道管理员或网格长可以编辑巡查路线',
    en: 'only operators or district admins over grid {grid}, or its grid chief, edit its patrol routes',
  },
  'patrol.not_worker_of_grid': {
    'zh-CN': '用户 {worker} 不是网格 {grid} 的网格员',
    en: 'user {worker} is not a grid worker of grid {grid}',
  },
  'patrol.photo_grid': {
    'zh-CN': '参数 grid 应为您所在的网格（收到 {grid}）',
    en: 'grid must be one of your grids (received {grid})',
  },
  'patrol.photo_unknown': { 'zh-CN': '没有照片 {photo}（或不是您上传的）', en: 'there is no photo {photo} of yours' },
  'patrol.position_invalid': { 'zh-CN': '该定位点格式不对', en: 'this position is malformed' },
  'patrol.request_taken': {
    'zh-CN': '请求编号 {request} 已用于另一条路线的巡查：请换一个编号',
    en: 'request id {request} started a patrol of another route: use a new id',
  },
  'patrol.route_not_yours': {
    'zh-CN': '路线 {route} 不存在、已停用，或不在您所在的网格',
    en: 'route {route} does not exist, is retired, or is not in one of your grids',
  },
  'patrol.route_retired': {
    'zh-CN': '路线 {route} 已停用，不能修改',
    en: 'route {route} is retired: it cannot change',
  },
  'patrol.route_unknown': { 'zh-CN': '没有巡查路线 {route}', en: 'there is no patrol route {route}' },
  'patrol.session_unknown': { 'zh-CN': '没有巡查 {session}', en: 'there is no patrol {session}' },
  'patrol.settings_readers': {
    'zh-CN': '巡查设置只有管理员、调度员和网格员可以查看',
    en: 'the patrol settings are read by admins, operators and grid workers only',
  },
  'patrol.started_too_old': {
    'zh-CN': '开始时间 {at} 早于 {hours} 小时前：请检查手机时间',
    en: 'a start at {at} is more than {hours} hours ago: check the phone’s clock',
  },
  'patrol.tag_other_grid': {
    'zh-CN': '标签 {tag} 属于网格 {grid}，不是本次巡查的网格 {own}：未打卡',
    en: 'tag {tag} belongs to grid {grid}, not to this patrol’s grid {own}: not checked in',
  },
  'patrol.tag_taken': {
    'zh-CN': '标签码 {tag} 已用于网格 {grid} 的点位：每个标签码只能对应一个点位',
    en: 'tag code {tag} already names a checkpoint of grid {grid}: a tag code names one checkpoint',
  },
  'patrol.tag_unknown': { 'zh-CN': '标签 {tag} 未登记为巡查点位', en: 'tag {tag} is not a registered checkpoint' },
  'patrol.task_unknown': { 'zh-CN': '没有分配给您的任务 {task}', en: 'there is no task {task} of yours' },
  'patrol.time_after_end': {
    'zh-CN': '时间 {at} 晚于巡查结束时间 {ended}：此点未记录',
    en: 'time {at} is after the patrol ended ({ended}): not recorded',
  },
  'patrol.time_before_start': {
    'zh-CN': '时间 {at} 早于巡查开始时间 {started}：此点未记录',
    en: 'time {at} is before the patrol started ({started}): not recorded',
  },
  'patrol.time_future': {
    'zh-CN': '时间 {at} 在未来（允许误差 {skew} 秒）：请检查手机时间',
    en: 'time {at} is in the future (beyond the {skew} s allowed): check the phone’s clock',
  },
  'patrol.time_too_old': {
    'zh-CN': '时间 {at} 早于 {days} 天的保存期：此点未记录',
    en: 'time {at} is older than the {days}-day retention: not recorded',
  },
  'patrol.worker_unknown': {
    'zh-CN': '没有您督导的网格员 {worker}',
    en: 'there is no grid worker {worker} you supervise',
  },
  // The patrol request schemas' own rules (their English word for word, see http/field-errors.ts).
  'check.patrol_client_id': {
    'zh-CN': '编号应为 1 至 100 个字母、数字、“.”、“_”、“:”或“-”',
    en: 'expected an id of 1 to 100 letters, digits, ".", "_", ":" or "-"',
  },
  'check.patrol_clock_time': {
    'zh-CN': '应为北京时间的时刻 HH:MM，例如 08:30',
    en: 'expected a China time of day as HH:MM, e.g. 08:30',
  },
  'check.patrol_tag_code': {
    'zh-CN': '标签码应为 4 至 64 个字母、数字、“_”或“-”',
    en: 'expected a tag code of 4 to 64 letters, digits, "_" or "-"',
  },
  'check.patrol_date': {
    'zh-CN': '应为北京时间日期 YYYY-MM-DD，例如 2026-11-25',
    en: 'expected a China-time date as YYYY-MM-DD, e.g. 2026-11-25',
  },
  'check.patrol_territory': {
    'zh-CN': '应为 6、9、12 或 15 位数字的区域编码',
    en: 'expected a territory code of 6, 9, 12 or 15 digits',
  },
  'check.patrol_window_order': {
    'zh-CN': '时段的结束应晚于开始（from < to，同一天内）',
    en: 'a window ends after it starts (from < to, same day)',
  },
  'check.patrol_windows_per_round': {
    'zh-CN': '每轮一个时段（时段数等于 rounds_per_day），或不设时段',
    en: 'give one window per round (as many windows as rounds_per_day), or none',
  },
  'check.patrol_checkin_target': {
    'zh-CN': '请给出 checkpoint_id（带经纬度）或 tag_code，二者选一',
    en: 'give either checkpoint_id (with lon and lat) or tag_code',
  },
  'check.patrol_checkin_position': {
    'zh-CN': '按位置打卡须给出 lon 和 lat',
    en: 'a checkpoint reached by position needs lon and lat',
  },
  'check.patrol_lon_lat': { 'zh-CN': 'lon 与 lat 须同时给出', en: 'give lon and lat together' },
};
