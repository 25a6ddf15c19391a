import { fill } from '../i18n.js';

/** The callback queue's own words, zh-CN first, kept beside the page that uses them. */
const TEXTS = {
  queue: { zh: '回访', en: 'Callbacks' },
  title: { zh: '待回访事件', en: 'Incidents due for a callback' },
  hint: {
    zh: '已结案的事件按结案先后排列；致电前点“查看电话”，每次查看都会记录。',
    en: 'Closed incidents, oldest first; tap “Show phone” before calling: each look is recorded.',
  },
  loading: { zh: '正在加载待回访事件…', en: 'Loading the incidents due for a callback…' },
  empty: { zh: '没有待回访的事件', en: 'No incident is due for a callback' },
  failed: { zh: '待回访事件加载失败：{reason}', en: 'Could not load the callbacks: {reason}' },
  retry: { zh: '重试', en: 'Retry' },
  closedAt: { zh: '结案于 {at}', en: 'Closed {at}' },
  dueBy: { zh: '回访期限 {at}', en: 'Call back by {at}' },
  noDeadline: { zh: '无回访期限', en: 'No callback deadline' },
  reporter: { zh: '上报人电话', en: 'Reporter’s phone' },
  noPhone: { zh: '未留电话', en: 'No phone left' },
  reveal: { zh: '查看电话', en: 'Show phone' },
  revealFailed: { zh: '无法查看电话：{reason}', en: 'Could not show the phone: {reason}' },
  satisfaction: { zh: '满意度', en: 'Satisfaction' },
  satisfied: { zh: '满意', en: 'Satisfied' },
  basically_satisfied: { zh: '基本满意', en: 'Basically satisfied' },
  unsatisfied: { zh: '不满意', en: 'Unsatisfied' },
  solved: { zh: '问题是否解决', en: 'Was it solved?' },
  solvedYes: { zh: '已解决', en: 'Solved' },
  solvedNo: { zh: '未解决', en: 'Not solved' },
  note: { zh: '回访记录', en: 'Note' },
  notePlaceholder: { zh: '居民的原话、补充情况（选填）', en: 'What the resident said (optional)' },
  submit: { zh: '提交回访结果', en: 'Record the verdict' },
  chooseBoth: { zh: '请选择满意度和是否解决', en: 'Choose the satisfaction and whether it was solved' },
  recordedClosed: { zh: '已记录：回访满意，事件已评价', en: 'Recorded: satisfied, the incident is evaluated' },
  recordedRework: { zh: '已记录：回访不满意，事件已退回重办', en: 'Recorded: unsatisfied, the work goes back' },
  recordedEvaluated: { zh: '已记录：回访不满意，事件已评价', en: 'Recorded: unsatisfied, the incident is evaluated' },
  submitFailed: { zh: '提交失败：{reason}', en: 'Could not record the verdict: {reason}' },
  open: { zh: '查看事件', en: 'Open the incident' },
  verdicts: { zh: '回访结果', en: 'Callback verdicts' },
  verdictsLoading: { zh: '正在加载回访结果…', en: 'Loading the callback verdicts…' },
  verdictsFailed: { zh: '回访结果加载失败：{reason}', en: 'Could not load the callback verdicts: {reason}' },
  noVerdict: { zh: '尚未回访', en: 'Not called back yet' },
  counted: { zh: '计入考核', en: 'Counted' },
  countedNote: {
    zh: '以首次回访结果计入满意率，之后的评价仅作记录',
    en: 'The first verdict counts in the satisfaction rates; later ones are recorded only',
  },
  by: { zh: '回访人', en: 'By' },
  byCloud: { zh: '居民自评（系统记录）', en: 'The resident’s own rating (recorded by the system)' },
  channel_agent: { zh: '电话回访', en: 'Phone callback' },
  channel_visit: { zh: '上门回访', en: 'Home visit' },
  channel_resident: { zh: '居民自评', en: 'Resident’s rating' },
  channel_hotline: { zh: '热线回访', en: 'Hotline callback' },
};

export type CallbackKey = keyof typeof TEXTS;

/** A callback page's text in the current language, `{name}` filled from `values`. */
export function cbt(key: CallbackKey, values: Record<string, string | number> = {}): string {
  return fill(TEXTS[key], values);
}
