import { fill, lang } from '../i18n.js';

/** Co-handling's own words (多部门联动), zh-CN first, kept beside the components that use them. */
const TEXTS = {
  title: { zh: '多部门联办', en: 'Co-handling' },
  lead: { zh: '主办单位', en: 'Lead unit' },
  noLead: { zh: '尚未派遣', en: 'Not dispatched yet' },
  empty: { zh: '尚未安排协办单位或抄告单位', en: 'No co-handling or copied units yet' },
  coUnits: { zh: '协办单位', en: 'Co-handling units' },
  copyUnits: { zh: '抄告单位', en: 'Copied units' },
  deadline: { zh: '办理期限', en: 'Deadline' },
  deadlineHint: { zh: '不填则按事件类别的处置时限', en: 'Empty: the category’s handling limit' },
  task: { zh: '任务', en: 'Task' },
  taskHint: { zh: '如：封闭道路并设置警示', en: 'e.g. close the road and put up warnings' },
  unit: { zh: '单位', en: 'Unit' },
  chooseUnit: { zh: '选择单位', en: 'Choose a unit' },
  addRow: { zh: '再加一个协办单位', en: 'Add another co-handling unit' },
  removeRow: { zh: '移除', en: 'Remove' },
  addCopy: { zh: '抄告', en: 'Copy in' },
  save: { zh: '安排协办', en: 'Name the units' },
  saved: { zh: '已安排协办', en: 'Co-handling updated' },
  manage: { zh: '安排协办 / 抄告', en: 'Add co-handling / copy units' },
  cancel: { zh: '取消', en: 'Cancel' },
  reassign: { zh: '改派', en: 'Reassign' },
  reassignTo: { zh: '改派给', en: 'Reassign to' },
  reassigned: { zh: '已改派', en: 'Reassigned' },
  refusedBecause: { zh: '退回理由：{reason}', en: 'Refused: {reason}' },
  overdueMark: { zh: '已超时，已督办', en: 'Overdue: escalated' },
  feedback: { zh: '反馈', en: 'Feedback' },
  noFeedback: { zh: '暂无反馈', en: 'No feedback yet' },
  gateOpen: {
    zh: '还有 {count} 项协办未办结：主办单位暂不能办结本事件',
    en: '{count} co-task(s) open: the lead unit cannot report handled yet',
  },
  gateClear: { zh: '协办均已办结', en: 'All co-tasks are done' },
  override: { zh: '放行', en: 'Override' },
  overrideReason: { zh: '放行理由', en: 'Reason for the override' },
  overrideHint: {
    zh: '协办未办结也允许主办单位办结，理由记入事件记录',
    en: 'Lets the lead report handled with co-tasks open; the reason is recorded',
  },
  overridden: { zh: '{who} 放行：{reason}', en: '{who} overrode: {reason}' },
  tasks: { zh: '协办任务', en: 'Co-tasks' },
  noTasks: { zh: '暂无协办任务', en: 'No co-tasks' },
  accept: { zh: '接收', en: 'Accept' },
  giveFeedback: { zh: '反馈', en: 'Feedback' },
  done: { zh: '办结', en: 'Done' },
  refuse: { zh: '退回', en: 'Refuse' },
  refuseReason: { zh: '退回理由', en: 'Why it is refused' },
  feedbackText: { zh: '反馈内容', en: 'What was done' },
  photo: { zh: '现场照片', en: 'Photo on site' },
  send: { zh: '提交', en: 'Send' },
  sent: { zh: '已提交', en: 'Sent' },
  loading: { zh: '正在加载…', en: 'Loading…' },
  kpis: { zh: '联办考核（按单位）', en: 'Co-task KPIs per unit' },
  noKpis: { zh: '本月没有联办任务', en: 'No co-tasks this month' },
} as const;

const STATES = {
  assigned: { zh: '待接收', en: 'Assigned' },
  accepted: { zh: '办理中', en: 'Accepted' },
  done: { zh: '已办结', en: 'Done' },
  refused: { zh: '已退回', en: 'Refused' },
  reassigned: { zh: '已改派', en: 'Reassigned' },
} as const;

export type CoText = keyof typeof TEXTS;

export function ct(key: CoText, values: Record<string, string | number> = {}): string {
  return fill(TEXTS[key], values);
}

export function coStateName(state: string): string {
  const text = STATES[state as keyof typeof STATES];
  return text ? text[lang()] : state;
}
