import type { Template } from './catalogue.js';

/** What the mediation API says to people, zh-CN first; part of the cloud's message catalogue. */
export const MEDIATION_MESSAGES: Record<string, Template> = {
  'problem.GL_MEDIATION_CONFLICT': { 'zh-CN': '调解案件状态冲突', en: 'Mediation case state conflict' },
  'mediation.not_for_you': {
    'zh-CN': '矛盾纠纷调解仅供受理员、区/街道管理员、网格员和调解员使用',
    en: 'mediation is for operators, district admins, grid workers and mediators',
  },
  'mediation.case_unknown': { 'zh-CN': '没有您可查看的调解案件 {id}', en: 'no mediation case {id} that you may see' },
  'mediation.incident_unknown': {
    'zh-CN': '没有您辖区内的事件 {id}：请从事件详情页打开调解',
    en: 'no incident {id} in your territory: open mediation from the incident’s page',
  },
  'mediation.not_a_dispute': {
    'zh-CN': '事件 {id} 的类别是 {category}，不是矛盾纠纷：只有矛盾纠纷事件可以调解',
    en: 'incident {id} is of category {category}, not a dispute: only dispute incidents are mediated',
  },
  'mediation.mediator_unknown': {
    'zh-CN': '用户 {id} 不是 {territory} 的调解员：请选择一位辖区内的调解员',
    en: 'user {id} is no mediator for {territory}: choose a mediator of that territory',
  },
  'mediation.party_unknown': { 'zh-CN': '本案没有当事人 {id}', en: 'the case has no party {id}' },
  'mediation.attendee_unknown': {
    'zh-CN': '{id} 不是本案的当事人：出席人须从本案当事人中选择',
    en: '{id} is not a party of this case: attendees are chosen among its parties',
  },
  'mediation.case_closed': {
    'zh-CN': '本案已结案：不能再添加当事人、调解记录或结果',
    en: 'the case is closed: no more parties, sessions or outcome',
  },
  'mediation.outcome_needs_session': {
    'zh-CN': '请先记录至少一次调解，再登记调解结果',
    en: 'record at least one session before the outcome',
  },
  'mediation.referral_needs_failure': {
    'zh-CN': '只有调解不成功的案件才能移交：请把结果设为调解不成功，或去掉移交',
    en: 'only a failed mediation is referred: set the outcome to failed, or leave the referral out',
  },
  'mediation.no_next_level': {
    'zh-CN': '{level} 已是最后一级：请改为引导诉讼',
    en: '{level} is the last level: refer to court instead',
  },
  'mediation.next_mediator_needed': {
    'zh-CN': '移交上一级时须指定该级的调解员（next_mediator_id）',
    en: 'a referral to the next level names that level’s mediator (next_mediator_id)',
  },
  'mediation.agreement_needs_outcome': {
    'zh-CN': '请先登记达成协议（或部分达成），再上传协议书',
    en: 'record an agreement (or partial agreement) before uploading the agreement document',
  },
  'mediation.agreement_type': {
    'zh-CN': '协议书须为 PDF 文件或照片（JPEG、PNG、WebP），按内容识别',
    en: 'the agreement must be a PDF or a photo (JPEG, PNG, WebP), as its content shows',
  },
  'mediation.follow_up_needs_agreement': {
    'zh-CN': '只有达成协议的案件才安排回访',
    en: 'follow-up visits are planned for agreements only',
  },
  'mediation.follow_up_unknown': { 'zh-CN': '本案没有回访 {id}', en: 'the case has no follow-up {id}' },
  'mediation.settings_admins_only': {
    'zh-CN': '只有租户管理员可以修改调解设置：{needs}',
    en: 'only tenant administrators change mediation settings: {needs}',
  },
  'check.mediation_phone': {
    'zh-CN': '应为数字组成的电话号码，例如 13812345678',
    en: 'expected a phone number of digits, e.g. 13812345678',
  },
  'check.mediation_id_number': {
    'zh-CN': '应为 18 位居民身份证号码',
    en: 'expected an 18-character resident ID number',
  },
};
