import { fill, lang } from '../i18n.js';

type Text = { zh: string; en: string };

/** The field pages' own words (arrival on site, street reports), zh-CN first, beside the pages. */
const TEXTS = {
  arriveTitle: { zh: '到场签到', en: 'Arrival on site' },
  arriveButton: { zh: '到场签到（获取当前位置）', en: 'Arrive (take my position)' },
  arriveAgain: { zh: '再次签到', en: 'Check in again' },
  locating: { zh: '正在获取位置…', en: 'Getting your position…' },
  sending: { zh: '正在提交…', en: 'Sending…' },
  arrivedAt: { zh: '{time} 已到场', en: 'Arrived at {time}' },
  distanceTo: { zh: '距事件地点 {d}', en: '{d} from the incident' },
  distanceToBuilding: { zh: '距所在楼栋 {d}', en: '{d} from its building' },
  distanceUnknown: { zh: '事件地点未登记位置，未计算距离', en: 'The place has no position on record: no distance' },
  accuracy: { zh: '定位精度 ±{m} 米', en: 'accuracy ±{m} m' },
  metres: { zh: '{n} 米', en: '{n} m' },
  kilometres: { zh: '{n} 公里', en: '{n} km' },
  arrivalDue: { zh: '须在 {due} 前到场（已派遣 {min} 分钟）', en: 'Due on site by {due} ({min} min since dispatch)' },
  arrivalLate: { zh: '到场已超时（派遣后 {min} 分钟）', en: 'Arrival overdue ({min} min since dispatch)' },
  arrivalOnTime: { zh: '派遣后 {min} 分钟到场，按时', en: 'On site {min} min after dispatch: on time' },
  arrivalLateDone: { zh: '派遣后 {min} 分钟到场，超时', en: 'On site {min} min after dispatch: late' },
  notYetArrived: { zh: '尚未到场签到', en: 'No arrival yet' },
  queuedArrival: {
    zh: '无网络：签到已保存在手机上（含定位时间），恢复网络后自动提交。',
    en: 'Offline: the check-in is kept on this phone (with the time of the fix) and sent when the network is back.',
  },
  geoDenied: {
    zh: '无法获取位置：定位权限被拒绝。请在浏览器或系统设置中允许本网站使用位置，然后重试。',
    en: 'No position: location permission was refused. Allow this site to use your location, then try again.',
  },
  geoTimeout: {
    zh: '定位超时：请到开阔处、打开 GPS 后重试。',
    en: 'Locating timed out: step into the open, turn on GPS and try again.',
  },
  geoUnavailable: {
    zh: '暂时无法定位：请检查手机定位服务是否开启。',
    en: 'Your position is unavailable: check that location services are on.',
  },
  geoUnsupported: {
    zh: '此浏览器不支持定位，请使用手机浏览器打开。',
    en: 'This browser cannot locate you: open the page on your phone.',
  },
  geoCoarse: {
    zh: '定位精度太差（±{m} 米），请到室外或稍后重试。',
    en: 'The fix is too coarse (±{m} m): step outside or try again shortly.',
  },
  // The street report (随手拍).
  reportTab: { zh: '随手拍', en: 'Report' },
  reportTitle: { zh: '随手拍上报', en: 'Report from the street' },
  reportIntro: {
    zh: '拍照、选类别、说明情况；位置取自手机定位，自动归入所在网格。',
    en: 'Take photos, pick a category, describe it; the phone’s position places it in its grid.',
  },
  category: { zh: '事件类别', en: 'Category' },
  chooseCategory: { zh: '请选择类别', en: 'Choose a category' },
  loadingCategories: { zh: '正在读取类别…', en: 'Loading categories…' },
  photos: { zh: '现场照片', en: 'Photos' },
  description: { zh: '情况说明', en: 'Description' },
  descriptionHint: { zh: '看到了什么、在哪里、影响多大', en: 'What, where exactly, how bad' },
  position: { zh: '位置', en: 'Position' },
  positionNone: { zh: '尚未定位', en: 'Not located yet' },
  positionFix: { zh: '{lat}, {lon}（±{m} 米）', en: '{lat}, {lon} (±{m} m)' },
  relocate: { zh: '重新定位', en: 'Locate again' },
  locate: { zh: '获取位置', en: 'Take my position' },
  address: { zh: '地址描述', en: 'Address' },
  addressHint: { zh: '如：3 号楼 1 单元门口', en: 'e.g. entrance of building 3, unit 1' },
  handling: { zh: '处理方式', en: 'Handling' },
  handleSelf: { zh: '现场自行处置', en: 'Handled on the spot' },
  handleReport: { zh: '上报中心派遣', en: 'Report to the centre' },
  handleSelfHint: {
    zh: '小事当场解决；照片作为处置记录。紧急或重大事件请上报。',
    en: 'Small things fixed now; the photos are the record. Report urgent or major ones.',
  },
  submit: { zh: '提交上报', en: 'File the report' },
  duplicatesTitle: { zh: '附近已有的事件', en: 'Already reported nearby' },
  duplicatesHint: {
    zh: '以下事件可能与您要上报的相同：如是同一件事，请打开该事件补充情况，不必重复上报。',
    en: 'These may be the same thing: if so, open it and add to it instead of filing again.',
  },
  duplicatesNone: {
    zh: '附近 {r} 米内近 3 天没有未办结的事件。',
    en: 'No open incident within {r} m in the last 3 days.',
  },
  duplicatesNeedPosition: { zh: '定位后将显示附近已有的事件。', en: 'Incidents nearby show once you are located.' },
  sameCategory: { zh: '同类', en: 'same category' },
  openIt: { zh: '查看并补充', en: 'Open and add' },
  away: { zh: '相距 {d}', en: '{d} away' },
  needCategory: { zh: '请选择事件类别', en: 'Choose a category' },
  needPosition: { zh: '请先获取位置', en: 'Take your position first' },
  needSomething: { zh: '请拍照或填写情况说明', en: 'Add a photo or a description' },
  filed: { zh: '已上报：{id}', en: 'Filed: {id}' },
  filedSelf: { zh: '已上报并记为自行处置：{id}', en: 'Filed and handled on the spot: {id}' },
  uploading: { zh: '正在上传照片 {i}/{n}…', en: 'Uploading photo {i}/{n}…' },
  savedOffline: {
    zh: '当前离线：上报和照片已保存在本机（{n} 项待发送），联网后自动发送，不会重复。',
    en: 'Offline: the report and its photos are kept on this phone ({n} to send) and go once the network is back, once only.',
  },
  partlyKept: {
    zh: '事件 {id} 已上报；网络中断，其余的照片和处置已保存在本机（{n} 项待发送），联网后自动发送。',
    en: 'Incident {id} is filed; the network dropped, the rest (photos, handling) is kept on this phone ({n} to send) and goes once it is back.',
  },
  offlineNotKept: {
    zh: '无网络，且未能保存在本机（手机存储空间不足）：内容保留在本页，请清理空间或联网后再提交。',
    en: 'Offline, and the phone could not keep it (storage full): the form keeps what you entered; free some space or submit once online.',
  },
  duplicatesOffline: {
    zh: '当前离线，无法查看附近已有事件；联网后会自动查看，请留意是否重复上报。',
    en: 'Offline: incidents nearby cannot be looked up now; they show once the network is back. Mind duplicates.',
  },
  partlyFiled: {
    zh: '事件 {id} 已上报，但照片或处置未完成：{error}。可在事件页补充。',
    en: 'Incident {id} is filed, but the photos or handling did not go through: {error}. Add them on its page.',
  },
  notForYou: {
    zh: '随手拍供网格员和物业使用。',
    en: 'Street reports are for grid workers and property managers.',
  },
} satisfies Record<string, Text>;

export type FieldKey = keyof typeof TEXTS;

/** A field page's text in the current language, `{name}` filled from `values`. */
export function ft(key: FieldKey, values: Record<string, string | number> = {}): string {
  return fill(TEXTS[key], values);
}

/** A distance as people say it: 37 米, 1.2 公里. */
export function distanceText(metres: number): string {
  return metres < 1000
    ? ft('metres', { n: Math.round(metres) })
    : ft('kilometres', { n: (metres / 1000).toFixed(metres < 10_000 ? 1 : 0) });
}
