import { lang, pick, sourceName, stateName } from '../i18n.js';
import type { Overview } from './screen.js';
import { ct, SCREEN_KPIS } from './texts.js';

/** The screen's chart options (ECharts), dark and large enough to read across a room. */
const TEXT = '#c7d5ea';
const MUTED = '#6f86a8';
const LINE = '#23395a';
const PALETTE = ['#3aa0ff', '#36cfc9', '#73d13d', '#fadb14', '#ff9c6e', '#9254de', '#f759ab', '#5cdbd3'];

const base = {
  backgroundColor: 'transparent',
  textStyle: { color: TEXT, fontFamily: 'inherit' },
  animationDuration: 300,
  animationDurationUpdate: 300,
  tooltip: {
    backgroundColor: '#0d1b30',
    borderColor: '#2c4a75',
    textStyle: { color: '#e6eefa' },
  },
};

const axis = {
  axisLine: { lineStyle: { color: LINE } },
  axisTick: { show: false },
  axisLabel: { color: MUTED, fontSize: 12 },
  splitLine: { lineStyle: { color: LINE, type: 'dashed' } },
};

/** Open incidents by state of the loop, in the loop's order. */
export function stateChart(overview: Overview) {
  const rows = overview.open.by_state;
  return {
    ...base,
    tooltip: { ...base.tooltip, trigger: 'axis' },
    grid: { left: 8, right: 16, top: 12, bottom: 8, containLabel: true },
    xAxis: { type: 'value', ...axis, minInterval: 1 },
    yAxis: {
      type: 'category',
      inverse: true,
      data: rows.map((row) => stateName(row.state)),
      ...axis,
      axisLabel: { color: TEXT, fontSize: 13 },
    },
    series: [
      {
        type: 'bar',
        data: rows.map((row) => row.count),
        barMaxWidth: 14,
        itemStyle: { color: '#3aa0ff', borderRadius: [0, 3, 3, 0] },
        label: { show: true, position: 'right', color: TEXT, fontSize: 12 },
      },
    ],
  };
}

/** Open incidents by where they came from (一口受理's channels), as a ring. */
export function sourceChart(overview: Overview) {
  return {
    ...base,
    color: PALETTE,
    tooltip: { ...base.tooltip, trigger: 'item', formatter: '{b}: {c} ({d}%)' },
    legend: {
      orient: 'vertical',
      right: 4,
      top: 'middle',
      textStyle: { color: TEXT, fontSize: 12 },
      itemWidth: 10,
      itemHeight: 10,
    },
    series: [
      {
        type: 'pie',
        radius: ['48%', '76%'],
        center: ['32%', '50%'],
        avoidLabelOverlap: true,
        label: { show: false },
        itemStyle: { borderColor: '#0b1628', borderWidth: 2 },
        data: overview.open.by_source.map((row) => ({ name: sourceName(row.source), value: row.count })),
      },
    ],
  };
}

/** Open incidents by top-level category, most first (the eight largest). */
export function categoryChart(overview: Overview) {
  const rows = overview.open.by_category.slice(0, 8);
  return {
    ...base,
    tooltip: { ...base.tooltip, trigger: 'axis' },
    grid: { left: 8, right: 24, top: 8, bottom: 8, containLabel: true },
    xAxis: { type: 'value', ...axis, minInterval: 1 },
    yAxis: {
      type: 'category',
      inverse: true,
      data: rows.map((row) => pick(row.name)),
      ...axis,
      axisLabel: { color: TEXT, fontSize: 13, width: 96, overflow: 'truncate' },
    },
    series: [
      {
        type: 'bar',
        data: rows.map((row, index) => ({ value: row.count, itemStyle: { color: PALETTE[index % PALETTE.length] } })),
        barMaxWidth: 14,
        itemStyle: { borderRadius: [0, 3, 3, 0] },
        label: { show: true, position: 'right', color: TEXT, fontSize: 12 },
      },
    ],
  };
}

/** A KPI's name on two lines when long: 按期结案率 → 按期 / 结案率, On-time closing → On-time / closing. */
function wrapName(name: string): string {
  if (name.includes(' ')) return name.replace(' ', '\n');
  return name.length > 3 ? `${name.slice(0, -3)}\n${name.slice(-3)}` : name;
}

/** The month's KPIs beside last month's, in percent. */
export function kpiChart(overview: Overview) {
  const names = SCREEN_KPIS.map((kpi) => kpi.name[lang()]);
  const values = (month: Overview['kpi']['this_month']) =>
    SCREEN_KPIS.map((kpi) => month.rates[kpi.code as keyof typeof month.rates] ?? null);
  return {
    ...base,
    tooltip: { ...base.tooltip, trigger: 'axis', valueFormatter: (v: number | null) => (v === null ? '—' : `${v}%`) },
    legend: { top: 0, right: 0, textStyle: { color: TEXT, fontSize: 12 }, itemWidth: 12, itemHeight: 8 },
    grid: { left: 4, right: 8, top: 28, bottom: 4, containLabel: true },
    xAxis: {
      type: 'category',
      data: names,
      ...axis,
      // Long names wrap under their bars rather than run into each other on a narrow panel.
      axisLabel: { color: TEXT, fontSize: 11, interval: 0, lineHeight: 13, formatter: wrapName },
    },
    yAxis: { type: 'value', max: 100, ...axis, axisLabel: { color: MUTED, formatter: '{value}%' } },
    series: [
      {
        name: ct('lastMonth'),
        type: 'bar',
        data: values(overview.kpi.last_month),
        barMaxWidth: 12,
        itemStyle: { color: '#34507a', borderRadius: [2, 2, 0, 0] },
      },
      {
        name: ct('thisMonth'),
        type: 'bar',
        data: values(overview.kpi.this_month),
        barMaxWidth: 12,
        itemStyle: { color: '#36cfc9', borderRadius: [2, 2, 0, 0] },
        label: {
          show: true,
          position: 'top',
          color: TEXT,
          fontSize: 11,
          formatter: (p: { value: number | null }) => (p.value === null ? '' : `${Math.round(p.value)}`),
        },
      },
    ],
  };
}
