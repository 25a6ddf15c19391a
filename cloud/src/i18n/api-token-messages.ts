import type { Template } from './catalogue.js';

/** What the API token routes and checks say to people, zh-CN first; part of the cloud's message catalogue. */
export const API_TOKEN_MESSAGES: Record<string, Template> = {
  'api_token.unknown': {
    'zh-CN': 'API 令牌无效：请检查令牌或另行创建',
    en: 'the API token is unknown: check it, or create a new one',
  },
  'api_token.revoked': {
    'zh-CN': 'API 令牌已于 {at} 吊销：请另行创建',
    en: 'the API token was revoked at {at}: create a new one',
  },
  'api_token.expired': {
    'zh-CN': 'API 令牌已于 {at} 过期：请另行创建',
    en: 'the API token expired at {at}: create a new one',
  },
  'api_token.user_inactive': {
    'zh-CN': 'API 令牌所属用户已停用',
    en: 'the user of the API token is deactivated',
  },
  'api_token.not_found': {
    'zh-CN': '用户 {user} 没有 API 令牌 {id}',
    en: 'user {user} has no API token {id}',
  },
  'api_token.not_for_sessions': {
    'zh-CN': 'API 令牌不是会话：不能刷新或注销，请使用会话令牌',
    en: 'an API token is not a session: it cannot be refreshed or logged out; use a session token',
  },
  'api_token.not_for_passwords': {
    'zh-CN': '不能用 API 令牌设置或修改密码（包括新建用户）：请登录后操作',
    en: 'passwords are not set or changed with an API token (new users included): log in and use the session',
  },
  'api_token.not_for_tokens': {
    'zh-CN': '不能用 API 令牌创建 API 令牌：请登录后操作',
    en: 'API tokens are not created with an API token: log in and use the session',
  },
  'api_token.expiry_past': {
    'zh-CN': '到期时间必须晚于现在',
    en: 'must be later than now',
  },
  'api_token.expiry_too_far': {
    'zh-CN': '不能晚于 {latest}（最长 {days} 天，见 auth.api_tokens.max_days）',
    en: 'at most {latest} ({days} days, auth.api_tokens.max_days)',
  },
  'api_token.expiry_invalid': {
    'zh-CN': '{field} 无效：{said}',
    en: '{field} is refused: {said}',
  },
};
