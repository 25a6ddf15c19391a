import type { Template } from './catalogue.js';

/** What the callback (回访) API says to people, zh-CN first; part of the cloud's message catalogue. */
export const CALLBACK_MESSAGES: Record<string, Template> = {
  'callback.needs_role': {
    'zh-CN': '回访需要以下角色之一：{roles@role}',
    en: 'callbacks need the role {roles@role_code/or}',
  },
  'callback.not_visible': {
    'zh-CN': '事件 {id} 不存在或不在您的范围内',
    en: 'incident {id} does not exist or is outside your scope',
  },
  'callback.not_due': {
    'zh-CN': '事件 {id} 不在您的回访范围内，或不待回访',
    en: 'incident {id} is not due for a callback by you',
  },
  'callback.no_contact': {
    'zh-CN': '事件 {id} 的上报人未留联系电话',
    en: 'the reporter of incident {id} left no phone number',
  },
};
