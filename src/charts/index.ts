export type { RenderOptions } from './render-core';
export {
  ChartRenderer,
  renderTrendChart,
  type ChartError,
  type ChartErrorKind,
  type ChartImage,
  type ChartRendererOptions,
  type Result,
} from './renderer';
export { OKABE_ITO, type TrendChartOptions } from './trend-option';
