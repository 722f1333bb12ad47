export { ChartRenderer, renderTrendChart, type ChartError, type ChartErrorKind, type ChartImage, type ChartRendererOptions, type Result } from './renderer';
export type { RenderOptions } from './render-core';
export { OKABE_ITO, type TrendChartOptions } from './trend-option';
