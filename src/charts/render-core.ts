/**
 * Synchronous rendering: ECharts server-side SVG (no DOM, no browser), rasterised by resvg.
 * Runs inside the render worker (render-worker.ts); tests call it directly to inspect the SVG.
 */
import { Resvg } from '@resvg/resvg-js';
import * as echarts from 'echarts';
import type { Trends } from '../domain/trends';
import { chartFonts, type FontSource } from './fonts';
import { CHART_FONT, trendChartOption, type TrendChartOptions } from './trend-option';

export interface RenderOptions extends TrendChartOptions {
  /** Raster pixels per logical pixel. Default 2 (960 px wide: crisp on a phone's preview). */
  scale?: number;
}

export interface RenderedChart {
  svg: string;
  png: Buffer;
  width: number;
  height: number;
}

let fonts: FontSource | undefined;

export function trendChartSvg(
  trends: Trends,
  opts: TrendChartOptions = {},
): { svg: string; width: number; height: number } {
  const { option, width, height } = trendChartOption(trends, opts);
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width, height });
  try {
    chart.setOption(option);
    return { svg: chart.renderToSVGString(), width, height };
  } finally {
    chart.dispose();
  }
}

export function rasterise(svg: string, width: number, scale: number): Buffer {
  fonts ??= chartFonts();
  const resvg = new Resvg(svg, {
    fitTo: { mode: 'width', value: Math.round(width * scale) },
    background: '#ffffff',
    font: {
      fontFiles: fonts.files,
      loadSystemFonts: fonts.origin === 'system',
      defaultFontFamily: CHART_FONT,
      sansSerifFamily: CHART_FONT,
    },
  });
  return resvg.render().asPng();
}

export function renderTrendChartSync(trends: Trends, opts: RenderOptions = {}): RenderedChart {
  const { svg, width, height } = trendChartSvg(trends, opts);
  const scale = opts.scale ?? 2;
  return {
    svg,
    png: rasterise(svg, width, scale),
    width: Math.round(width * scale),
    height: Math.round(height * scale),
  };
}
