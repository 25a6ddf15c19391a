import { BarChart } from 'echarts/charts';
import { GridComponent, TooltipComponent } from 'echarts/components';
import { init, use } from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';

// Only what the pages draw, so the chunk stays a fraction of the whole of ECharts.
use([BarChart, GridComponent, TooltipComponent, CanvasRenderer]);

export { init };
