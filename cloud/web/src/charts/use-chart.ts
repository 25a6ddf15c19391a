import { onMounted, onUnmounted, type Ref, type WatchSource, watch } from 'vue';

export interface Chart {
  setOption(option: unknown, notMerge?: boolean): void;
  resize(): void;
}

/**
 * An ECharts chart in `host`: ECharts is loaded the first time a chart draws (pages without charts
 * never download it), `draw` runs on mount and whenever `sources` change, the chart follows the
 * window's size (and the page's, when printed) and is disposed with the component. Canvas
 * rendering unless asked for SVG; ECharts sets its styles through the DOM, which the strict style
 * policy allows.
 */
export function useChart(
  host: Ref<HTMLDivElement | undefined>,
  draw: (chart: Chart, element: HTMLDivElement) => void,
  sources: WatchSource[],
  /** `svg` for charts meant to print crisply; canvas otherwise. */
  renderer: 'canvas' | 'svg' = 'canvas',
): void {
  let chart: (Chart & { dispose(): void }) | undefined;
  let disposed = false;
  const render = async () => {
    if (!host.value) return;
    if (!chart) {
      const echarts = await import('./echarts.js');
      if (disposed || !host.value) return;
      chart = echarts.init(host.value, undefined, { renderer });
    }
    draw(chart, host.value);
  };
  const resized = () => chart?.resize();
  // Printing lays the page out anew (paper is narrower than the screen): the chart redraws to fit.
  const printing = window.matchMedia('print');
  onMounted(() => {
    void render();
    window.addEventListener('resize', resized);
    window.addEventListener('beforeprint', resized);
    window.addEventListener('afterprint', resized);
    printing.addEventListener('change', resized);
  });
  watch(sources, () => void render());
  onUnmounted(() => {
    disposed = true;
    window.removeEventListener('resize', resized);
    window.removeEventListener('beforeprint', resized);
    window.removeEventListener('afterprint', resized);
    printing.removeEventListener('change', resized);
    chart?.dispose();
  });
}

const SHANGHAI = { timeZone: 'Asia/Shanghai', hour12: false } as const;

/** An axis time in China time whatever the browser's zone: the day at midnight, else the hour. */
export function chinaTime(ms: number): string {
  const date = new Date(ms);
  const time = date.toLocaleTimeString('zh-CN', { ...SHANGHAI, hour: '2-digit', minute: '2-digit' });
  const day = date.toLocaleDateString('zh-CN', { ...SHANGHAI, month: '2-digit', day: '2-digit' });
  return time === '00:00' ? day : time;
}
