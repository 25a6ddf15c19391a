import { fill } from '../i18n.js';

/** The KPI page's assessment texts, zh-CN first. */
const TEXTS = {
  tabKpis: { zh: '指标查询', en: 'KPIs' },
  tabAssessment: { zh: '月度考核', en: 'Monthly assessment' },
  month: { zh: '考核月份', en: 'Month' },
  level: { zh: '考核对象', en: 'Assessed' },
  within: { zh: '范围（区划编码，可空）', en: 'Within (territory code, optional)' },
  query: { zh: '查询', en: 'Show' },
  exportXlsx: { zh: '导出 Excel', en: 'Export Excel' },
  print: { zh: '打印 / 存为 PDF', en: 'Print / save as PDF' },
  title: { zh: '{tenant} · {scope} · {month} {level}考核', en: '{tenant} · {scope} · {month} assessment by {level}' },
  printedAt: { zh: '生成于 {at}', en: 'Made {at}' },
  formula: {
    zh: '综合得分 = 100 × Σ(权重 × 得分率) ÷ Σ权重，只计当月有分母的指标；返工率、延期率按 1 − 比率计。',
    en: 'Score = 100 × Σ(weight × rate) ÷ Σ weight over the KPIs with something due; rework and extension count as 1 − rate.',
  },
  weights: { zh: '权重', en: 'Weights' },
  rank: { zh: '名次', en: 'Rank' },
  tied: { zh: '并列', en: 'tied' },
  ofPeers: { zh: '共 {n} 个', en: 'of {n}' },
  unranked: { zh: '未排名', en: 'Unranked' },
  name: { zh: '名称', en: 'Name' },
  score: { zh: '综合得分', en: 'Score' },
  trend: { zh: '近 6 个月', en: 'Last 6 months' },
  rankingChart: { zh: '综合得分排名', en: 'Scores, best first' },
  trendChart: { zh: '综合得分趋势（前 {n} 名）', en: 'Score trend (top {n})' },
  trendChartOne: { zh: '综合得分趋势', en: 'Score trend' },
  ranking: { zh: '排名与指标', en: 'Ranking and KPIs' },
  empty: { zh: '本月没有可考核的对象', en: 'Nothing to assess this month' },
  emptyHint: {
    zh: '所选范围和月份没有立案事件。换一个月份或考核对象试试。',
    en: 'No incident was filed in this scope and month. Try another month or level.',
  },
  ownRowHint: {
    zh: '您看到的是自己的考核结果，名次按同级全部参评对象计算。',
    en: 'You see your own result; the rank counts every peer of the level.',
  },
  scrollHint: { zh: '左右滑动查看全部 {n} 项指标', en: 'Scroll sideways for all {n} KPIs' },
};

export type KpiText = keyof typeof TEXTS;

export function kt(key: KpiText, values: Record<string, string | number> = {}): string {
  return fill(TEXTS[key], values);
}
