/**
 * Synchronous rendering: ECharts server-side SVG (no DOM, no browser), rasterised by resvg.
 * Runs inside the render worker (render-worker.ts); tests call it directly to inspect the SVG.
 */
import { Resvg } from '@resvg/resvg-js';
import { crc32, deflateSync } from 'node:zlib';
import type { Trends } from '../domain/trends';
import { loadEcharts, type EchartsLib } from './echarts-lib';
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

let echartsLib: EchartsLib | undefined;

export function trendChartSvg(
  trends: Trends,
  opts: TrendChartOptions = {},
  echarts: EchartsLib = (echartsLib ??= loadEcharts()),
): { svg: string; width: number; height: number } {
  const { option, width, height } = trendChartOption(trends, opts);
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width, height });
  try {
    chart.setOption(option);
    return { svg: withoutClipPaths(chart.renderToSVGString()), width, height };
  } finally {
    chart.dispose();
  }
}

/**
 * The SVG without its clip paths. ECharts clips each line series to its grid (24 clip paths on the
 * 6-line chart), which costs resvg a mask per series (~30 ms at 2×), but here the clip never cuts
 * anything: the percent axes run 0–100 and the seconds axis is sized to the data, so no line leaves
 * its grid. Without them the raster differs only in anti-aliasing (test/unit/charts/trend-chart.test.ts).
 */
export function withoutClipPaths(svg: string): string {
  return svg.replace(/<clipPath\b[^>]*>[\s\S]*?<\/clipPath>/g, '').replace(/ clip-path="url\(#[^)]*\)"/g, '');
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
  const image = resvg.render();
  return encodePng(image.pixels, image.width, image.height);
}

/** deflate level for the PNG: 3 is about 5× faster than 6 here and the file still smaller than resvg's own. */
const PNG_DEFLATE_LEVEL = 3;

/**
 * The rendered pixels as a PNG, written here instead of by resvg's `asPng()`: the background is
 * opaque white, so the alpha channel is dropped (8-bit RGB) and rows go unfiltered at a fast deflate
 * level. The same pixels; on the 50-binding chart this takes about a third of `asPng()`'s time
 * (which keeps RGBA and compresses harder) and the file is smaller (bench/charts.ts).
 */
export function encodePng(rgba: Uint8Array, width: number, height: number): Buffer {
  const stride = 1 + width * 3;
  const raw = Buffer.allocUnsafe(height * stride);
  for (let y = 0, o = 0; y < height; y++) {
    raw[o++] = 0; // filter: none
    for (let i = y * width * 4, end = i + width * 4; i < end; i += 4, o += 3) {
      raw[o] = rgba[i]!;
      raw[o + 1] = rgba[i + 1]!;
      raw[o + 2] = rgba[i + 2]!;
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // colour type: RGB
  return Buffer.concat([
    PNG_SIGNATURE,
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', deflateSync(raw, { level: PNG_DEFLATE_LEVEL })),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function pngChunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(data, crc32(head.subarray(4))), 0);
  return Buffer.concat([head, data, crc]);
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
