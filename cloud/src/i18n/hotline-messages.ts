import type { Template } from './catalogue.js';

/** What the hotline API says to people and platforms, zh-CN first; part of the cloud's message catalogue. */
export const HOTLINE_MESSAGES: Record<string, Template> = {
  'hotline.not_a_platform': {
    'zh-CN': '账号 {user} 不是热线平台的对接账号：请用平台账号的接口令牌',
    en: 'account {user} is no hotline platform’s account: use the API token of the platform’s account',
  },
  'hotline.outside_territory': {
    'zh-CN': '地点 {place} 不在本平台的辖区 {territory} 内：请转给该地的热线平台',
    en: 'place {place} is outside this platform’s territory {territory}: send it to that place’s hotline platform',
  },
  'hotline.replay_conflict': {
    'zh-CN': '工单 {ticket} 已接收过，但这次的字段 {field} 与首次不同：重发请原样发送，改动请用补充',
    en: 'order {ticket} was received before, but field {field} differs from the first time: resend it unchanged, or send a supplement',
  },
  'hotline.order_unknown': {
    'zh-CN': '本平台没有工单 {ticket}：请先推送工单',
    en: 'this platform has no order {ticket}: send the order first',
  },
  'hotline.incident_unknown': {
    'zh-CN': '事件 {id} 不存在或不在您的范围内',
    en: 'incident {id} does not exist or is outside your roles',
  },
  'hotline.incident_no_order': {
    'zh-CN': '事件 {id} 不是热线工单转来的',
    en: 'incident {id} did not come from a hotline order',
  },
  'hotline.reveal_refused': {
    'zh-CN': '只有该地的回访员（中心回访时含受理员）可查看来电人信息',
    en: 'only the place’s callback agents (and its operators when the centre calls back) may see the caller',
  },
  'hotline.needs_operator': {
    'zh-CN': '只有 {place} 所在中心的受理员可以退单或申请延期',
    en: 'only operators of the centre of {place} may return an order or ask for an extension',
  },
  'hotline.return_too_late': {
    'zh-CN': '工单 {ticket} 已立案派遣（当前 {state@state}），不能再退单：请按流程办理或申请延期',
    en: 'order {ticket} was filed onward (now {state@state}) and can no longer be returned: handle it, or ask for an extension',
  },
  'hotline.extension_pending': {
    'zh-CN': '工单 {ticket} 已有一项延期申请待平台答复',
    en: 'order {ticket} already has an extension request awaiting the platform’s answer',
  },
  'hotline.extension_none': {
    'zh-CN': '工单 {ticket} 没有待答复的延期申请',
    en: 'order {ticket} has no extension request awaiting an answer',
  },
  'hotline.extension_not_later': {
    'zh-CN': '申请的期限须晚于平台现有期限 {deadline}',
    en: 'the deadline asked for must be later than the platform’s current {deadline}',
  },
  'hotline.supplement_content': {
    'zh-CN': '补充须带内容（{field}）',
    en: 'a supplement needs its content ({field})',
  },
  'hotline.platform_needs_session': {
    'zh-CN': '接口令牌不能登记热线平台：请登录后操作',
    en: 'an API token cannot register a hotline platform: sign in to do it',
  },
  'hotline.platform_outside': {
    'zh-CN': '辖区 {territory} 不归您管理',
    en: 'territory {territory} is not one you administer',
  },
  'hotline.platform_user_scope': {
    'zh-CN': '对接账号须是辖区 {territory} 内的受理员角色',
    en: 'the platform’s account must hold the operator role in territory {territory}',
  },
  'hotline.platform_unknown': {
    'zh-CN': '没有您管理的热线平台 {id}',
    en: 'there is no hotline platform {id} that you administer',
  },
  'hotline.platform_exists': {
    'zh-CN': '热线平台 {id} 或账号 {user} 的平台已存在',
    en: 'hotline platform {id}, or a platform of account {user}, exists already',
  },
};
