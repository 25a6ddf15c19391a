import type { Template } from './catalogue.js';

/** What the residents' public pages and Open311 say, zh-CN first; part of the cloud's message catalogue. */
export const RESIDENT_MESSAGES: Record<string, Template> = {
  'problem.GL_RESIDENT_LIMITED': { 'zh-CN': '提交过于频繁', en: 'Too many reports' },
  'problem.GL_RESIDENT_DUPLICATE_PHOTO': { 'zh-CN': '照片已提交过', en: 'Photo sent already' },
  'problem.GL_RESIDENT_CODE_REFUSED': { 'zh-CN': '短信验证码未通过', en: 'SMS code not accepted' },
  'problem.GL_RESIDENT_SMS_UNAVAILABLE': { 'zh-CN': '暂不能短信验证', en: 'SMS confirmation unavailable' },
  'problem.GL_RESIDENT_RATING_REFUSED': { 'zh-CN': '评价未受理', en: 'Rating not taken' },
  'problem.GL_RESIDENT_REPEATED': { 'zh-CN': '该上报已提交', en: 'Report sent already' },
  'residents.limit.phone': {
    'zh-CN': '同一手机号每小时最多上报 5 次：请 {seconds} 秒后再试',
    en: 'one phone reports at most 5 times an hour: try again in {seconds} s',
  },
  'residents.limit.place': {
    'zh-CN': '同一地点近一小时上报已达上限，工作人员已在处理：请 {seconds} 秒后再试',
    en: 'this place has had its most reports for the hour and they are being looked at: try again in {seconds} s',
  },
  'residents.limit.address': {
    'zh-CN': '本网络提交过于频繁：请 {seconds} 秒后再试',
    en: 'too many reports from this network: try again in {seconds} s',
  },
  'residents.limit.photo_address': {
    'zh-CN': '本网络上传照片过于频繁：请 {seconds} 秒后再试',
    en: 'too many photos from this network: try again in {seconds} s',
  },
  'residents.limit.sms_resend': {
    'zh-CN': '验证码已发送，{seconds} 秒后可重新获取',
    en: 'a code was just sent: ask again in {seconds} s',
  },
  'residents.photo_duplicate': {
    'zh-CN': '这张照片已多次提交：请换一张照片，或 {seconds} 秒后再试',
    en: 'this very photo was sent several times already: take another, or try again in {seconds} s',
  },
  'residents.photo_type': {
    'zh-CN': '只能上传照片（格式须为常见图片格式）',
    en: 'only photos are taken (JPEG, PNG or WebP)',
  },
  'residents.sms_unavailable': {
    'zh-CN': '暂不能发送短信验证码：请选择匿名上报',
    en: 'SMS codes cannot be sent now: report anonymously',
  },
  'residents.sms_code': {
    'zh-CN': '【网格联动】您的验证码 {code}，{minutes} 分钟内有效，请勿告诉他人。',
    en: 'Gridlink: your code is {code}, valid {minutes} minutes. Tell nobody.',
  },
  'residents.sms_tracking': {
    'zh-CN': '【网格联动】您的上报已收到，查询码 {code}，可凭此码查看办理进度。',
    en: 'Gridlink: your report was received. Tracking code {code}.',
  },
  'residents.code_none': {
    'zh-CN': '请先获取短信验证码',
    en: 'ask for an SMS code first',
  },
  'residents.code_expired': {
    'zh-CN': '验证码已过期：请重新获取',
    en: 'the code has expired: ask for a new one',
  },
  'residents.code_used_up': {
    'zh-CN': '验证码已输错 {tries} 次：请重新获取',
    en: 'the code was mistyped {tries} times: ask for a new one',
  },
  'residents.code_wrong': {
    'zh-CN': '验证码不正确：请核对短信中的 6 位数字',
    en: 'the code is wrong: check the 6 digits of the SMS',
  },
  'residents.category_unknown': {
    'zh-CN': '类别 {code} 不接受居民上报',
    en: 'category {code} does not take residents’ reports',
  },
  'residents.category_choose': {
    'zh-CN': '请从列表中选择类别',
    en: 'choose a category of the list',
  },
  'residents.place_unknown': {
    'zh-CN': '无法确定位置所属社区',
    en: 'the place is in no community we know',
  },
  'residents.community_choose': {
    'zh-CN': '请选择所在社区',
    en: 'choose your community',
  },
  'residents.community_unknown': {
    'zh-CN': '社区 {code} 不存在',
    en: 'there is no community {code}',
  },
  'residents.repeated': {
    'zh-CN': '该上报已提交过：请保存当时显示的查询码',
    en: 'this report was sent already: keep the tracking code it showed',
  },
  'residents.tracking_unknown': {
    'zh-CN': '查询码不存在：请核对后再试',
    en: 'no report has this tracking code: check it and try again',
  },
  'residents.rating_not_closed': {
    'zh-CN': '办结后才能评价',
    en: 'a report can be rated once it is closed',
  },
  'residents.rating_once': {
    'zh-CN': '每件上报只能评价一次',
    en: 'a report is rated once',
  },
  'residents.rating_callback': {
    'zh-CN': '感谢评价，已作为本次回访结果记录',
    en: 'thank you: your rating is recorded as the callback on this report',
  },
  'residents.rating_kept': {
    'zh-CN': '感谢评价，已保存；本次回访此前已完成，结果以首次回访为准',
    en: 'thank you: your rating is kept; the callback was made already and its first verdict stands',
  },
  'residents.rating_comment': {
    'zh-CN': '居民评价：{satisfaction@satisfaction}，问题{solved@solved}',
    en: 'the resident’s rating: {satisfaction@satisfaction}, {solved@solved}',
  },
  'residents.report_unknown': {
    'zh-CN': '事件 {id} 没有您可查看的居民上报',
    en: 'incident {id} has no resident report you may see',
  },
  'residents.reveal_not_for_you': {
    'zh-CN': '只有操作员、管理员、回访员和网格员可查看上报人电话',
    en: 'only operators, admins, callback agents and grid workers may read the reporter’s phone',
  },
};

/** Words the rating comment names. */
export const RESIDENT_VOCABULARIES: Record<string, Record<string, Template>> = {
  satisfaction: {
    satisfied: { 'zh-CN': '满意', en: 'satisfied' },
    basically_satisfied: { 'zh-CN': '基本满意', en: 'basically satisfied' },
    unsatisfied: { 'zh-CN': '不满意', en: 'unsatisfied' },
  },
  solved: {
    true: { 'zh-CN': '已解决', en: 'solved' },
    false: { 'zh-CN': '未解决', en: 'not solved' },
  },
};
