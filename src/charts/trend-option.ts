/**
 * The ECharts option for the trend chart (issue 19): pure, no rendering.
 *
 * Layout, top to bottom, one shared day axis: title (period + time zone) and a note of what is left
 * out; legend; three line panels (share of inbound calls reaching an agent, median/p95 time to
 * agent, test-call pass rate) for the worst `maxLines` bindings; a health grid (pass/warn/fail per
 * day) for the worst `maxRows` bindings. Sized for Slack's phone preview: 480 logical px wide,
 * text ≥ 11 px, rasterised at 2× so a phone shows it crisply at about 330 px.
 */
import type { BindingTrend, Trends } from '../domain/trends';

export interface TrendChartOptions {
  /** e.g. "SIP trends" or "sales: last 30 days". */
  title?: string;
  /** Bindings drawn as lines (worst first). Default 6: more lines are unreadable on a phone. */
  maxLines?: number;
  /** Bindings in the health grid (worst first). Default 12. */
  maxRows?: number;
}

/** Okabe & Ito (2008), "Color Universal Design": distinguishable with every common colour-vision deficiency. */
export const OKABE_ITO = {
  blue: '#0072B2',
  vermillion: '#D55E00',
  bluishGreen: '#009E73',
  reddishPurple: '#CC79A7',
  orange: '#E69F00',
  skyBlue: '#56B4E9',
  black: '#000000',
  yellow: '#F0E442',
} as const;

/** Line colours, most distinct first (yellow is left out: too light on white). */
export const LINE_COLOURS = [
  OKABE_ITO.blue,
  OKABE_ITO.vermillion,
  OKABE_ITO.bluishGreen,
  OKABE_ITO.reddishPurple,
  OKABE_ITO.orange,
  OKABE_ITO.skyBlue,
  OKABE_ITO.black,
];
/** A second cue besides colour. */
const SYMBOLS = ['circle', 'rect', 'triangle', 'diamond', 'pin', 'arrow', 'roundRect'];

export const HEALTH_COLOURS = {
  none: '#E0E0E0',
  pass: OKABE_ITO.bluishGreen,
  warn: OKABE_ITO.orange,
  fail: OKABE_ITO.vermillion,
} as const;
const HEALTH_VALUE = { pass: 0, warn: 1, fail: 2 } as const;

export const CHART_FONT = 'DejaVu Sans';
export const CHART_WIDTH = 480;
const LEFT = 118;
const RIGHT = 14;
const PLOT_WIDTH = CHART_WIDTH - LEFT - RIGHT;
const AXIS_FONT = 12;
const NAME_CHARS = 15;
const PANEL_HEIGHT = 92;
const PANEL_GAP = 48;
const ROW_HEIGHT = 18;

/** Every `interval + 1`-th date gets a label, so that "MM-DD" labels never touch at this width. */
export function dateLabelInterval(days: number, plotWidth = PLOT_WIDTH, fontSize = AXIS_FONT): number {
  const labelWidth = 5 * fontSize * 0.64 + 10; // five glyphs of DejaVu Sans (0.64 em max digit width) + a gap
  const fit = Math.max(1, Math.floor(plotWidth / labelWidth));
  return Math.max(0, Math.ceil(days / fit) - 1);
}

/** Binding names as shown: cut with an ellipsis to fit the left margin. */
export function shortName(name: string, max = NAME_CHARS): string {
  return name.length <= max ? name : `${name.slice(0, max - 1)}…`;
}

function panelTop(i: number, legendRows: number): number {
  return 58 + legendRows * 18 + 22 + i * (PANEL_HEIGHT + PANEL_GAP);
}

function percent(v: number | null): number | null {
  return v === null ? null : Math.round(v * 1000) / 10;
}

function seconds(ms: number | null): number | null {
  return ms === null ? null : Math.round(ms / 100) / 10;
}

interface Layout {
  lines: BindingTrend[];
  rows: BindingTrend[];
  legendRows: number;
  heatTop: number;
  height: number;
}

function layout(trends: Trends, opts: TrendChartOptions): Layout {
  const lines = trends.bindings.slice(0, opts.maxLines ?? 6);
  const rows = trends.bindings.slice(0, opts.maxRows ?? 12);
  const legendRows = Math.max(1, Math.ceil(lines.length / 3));
  const heatTop = panelTop(3, legendRows);
  return { lines, rows, legendRows, heatTop, height: heatTop + Math.max(1, rows.length) * ROW_HEIGHT + 58 };
}

function subtitle(trends: Trends, l: Layout): string {
  const total = trends.bindings.length + trends.omitted;
  if (total === 0) return 'No bindings with data in this period';
  const hidden = total - l.rows.length;
  const shown =
    l.lines.length < total
      ? `Lines: worst ${l.lines.length} of ${total} bindings`
      : `${total} binding${total === 1 ? '' : 's'}`;
  return hidden > 0 ? `${shown}; ${hidden} more not shown` : shown;
}

const text = (size: number, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  fontFamily: CHART_FONT,
  fontSize: size,
  color: '#222',
  ...extra,
});

function axes(trends: Trends, l: Layout): { xAxis: unknown[]; yAxis: unknown[]; grid: unknown[] } {
  const dates = trends.dates.map((d) => d.slice(5));
  const interval = dateLabelInterval(dates.length);
  const grid = [0, 1, 2].map((i) => ({
    left: LEFT,
    right: RIGHT,
    top: panelTop(i, l.legendRows),
    height: PANEL_HEIGHT,
  }));
  grid.push({ left: LEFT, right: RIGHT, top: l.heatTop, height: Math.max(1, l.rows.length) * ROW_HEIGHT });
  const xAxis = grid.map((_, i) => ({
    type: 'category',
    gridIndex: i,
    data: dates,
    boundaryGap: true,
    axisTick: { alignWithLabel: true, interval },
    axisLabel: { ...text(AXIS_FONT), interval, hideOverlap: true },
    ...(i === 3
      ? { name: `Date (${trends.timeZone})`, nameLocation: 'middle', nameGap: 22, nameTextStyle: text(AXIS_FONT) }
      : {}),
  }));
  const valueAxis = (gridIndex: number, name: string, max?: number): unknown => ({
    type: 'value',
    gridIndex,
    min: 0,
    ...(max !== undefined ? { max } : {}),
    splitNumber: 2,
    name,
    nameLocation: 'middle',
    nameGap: 34,
    nameTextStyle: text(AXIS_FONT),
    axisLabel: text(AXIS_FONT),
  });
  const yAxis = [
    valueAxis(0, '%', 100),
    valueAxis(1, 'seconds'),
    valueAxis(2, '%', 100),
    {
      type: 'category',
      gridIndex: 3,
      inverse: true,
      data: l.rows.map((b) => shortName(b.name)),
      axisLabel: { ...text(AXIS_FONT), interval: 0 },
      axisTick: { show: false },
    },
  ];
  return { xAxis, yAxis, grid };
}

/**
 * Markers on every day up to two weeks; beyond that only where a day stands alone between gaps
 * (it would be invisible as a line), which keeps 30-day charts clean and the SVG small.
 */
function points(values: (number | null)[], everyDay: boolean): unknown[] {
  if (everyDay) return values;
  return values.map((v, i) =>
    v === null || values[i - 1] == null || values[i + 1] == null ? v : { value: v, symbol: 'none' },
  );
}

function lineSeries(l: Layout, days: number): unknown[] {
  const everyDay = days <= 14;
  return l.lines.flatMap((b, i) => {
    const base = {
      type: 'line',
      name: shortName(b.name),
      color: LINE_COLOURS[i % LINE_COLOURS.length],
      symbol: SYMBOLS[i % SYMBOLS.length],
      symbolSize: 5,
      connectNulls: false,
      animation: false,
    };
    const series = (panel: number, values: (number | null)[], extra: Record<string, unknown> = {}): unknown => ({
      ...base,
      xAxisIndex: panel,
      yAxisIndex: panel,
      data: points(values, everyDay),
      ...extra,
    });
    return [
      series(
        0,
        b.days.map((d) => percent(d.agentShare)),
      ),
      series(
        1,
        b.days.map((d) => seconds(d.medianToAgentMs)),
      ),
      series(
        1,
        b.days.map((d) => seconds(d.p95ToAgentMs)),
        { lineStyle: { type: 'dashed', width: 1.2 }, symbolSize: 3 },
      ),
      series(
        2,
        b.days.map((d) => percent(d.testPassRate)),
      ),
    ];
  });
}

/**
 * Font size of the "!" / "✗" marks in a health cell `cellWidth` wide: 10 px, smaller in narrower cells
 * (9 px at 30 days, cells of 11.6 px), undefined when the cells are too narrow for a legible mark
 * (then colour alone tells warn from fail, and the title does not promise marks).
 */
function healthMarkFont(cellWidth: number): number | undefined {
  const size = Math.min(10, Math.floor(cellWidth - 2));
  return size >= 7 ? size : undefined;
}

/**
 * The health grid. Only warn and fail cells carry a label (a data item with `label.show`): a
 * series-wide label made ECharts lay out a label for every cell, empty ones included (360 at 12 × 30).
 */
function healthSeries(l: Layout, cellWidth: number): unknown {
  const mark: Record<number, string> = { 1: '!', 2: '✗' };
  const font = healthMarkFont(cellWidth);
  const labelled = { show: true };
  const data = l.rows.flatMap((b, y) =>
    b.days.map((d, x) => {
      const value = [x, y, d.health === null ? -1 : HEALTH_VALUE[d.health]];
      return font !== undefined && mark[value[2]!] !== undefined ? { value, label: labelled } : value;
    }),
  );
  return {
    type: 'heatmap',
    xAxisIndex: 3,
    yAxisIndex: 3,
    data,
    itemStyle: { borderColor: '#fff', borderWidth: 1 },
    label: {
      show: false,
      ...text(font ?? 10, { color: '#fff', fontWeight: 'bold' }),
      formatter: (p: { value: number[] }) => mark[p.value[2]!] ?? '',
    },
    animation: false,
  };
}

function panelTitles(l: Layout, cellWidth: number): unknown[] {
  const inbound = l.lines.reduce((n, b) => n + b.days.reduce((m, d) => m + d.inbound, 0), 0);
  const tests = l.lines.reduce((n, b) => n + b.days.reduce((m, d) => m + d.tests, 0), 0);
  // Plain text only: ECharts lays rich-text segments out with its own width estimate, which does not
  // match the font resvg draws with, so coloured swatches in a title overlap their words.
  const at = (top: number, label: string): unknown => ({
    text: label,
    left: 8,
    top: top - 26,
    textStyle: text(12, { fontWeight: 'bold' }),
  });
  return [
    at(panelTop(0, l.legendRows), `Inbound calls reaching an agent (${inbound} calls)`),
    at(panelTop(1, l.legendRows), 'Time to agent: median, p95 dashed'),
    at(panelTop(2, l.legendRows), `Test calls passed (${tests} calls)`),
    at(
      l.heatTop,
      healthMarkFont(cellWidth) !== undefined
        ? 'Health checks: green pass, orange ! warn, red ✗ fail'
        : 'Health checks: green pass, orange warn, red fail',
    ),
  ];
}

/** The chart's ECharts option and its logical size. */
export function trendChartOption(
  trends: Trends,
  opts: TrendChartOptions = {},
): { option: Record<string, unknown>; width: number; height: number } {
  const l = layout(trends, opts);
  const first = trends.dates[0] ?? '';
  const last = trends.dates[trends.dates.length - 1] ?? '';
  const { xAxis, yAxis, grid } = axes(trends, l);
  const cellWidth = PLOT_WIDTH / Math.max(1, trends.dates.length);
  const option = {
    backgroundColor: '#ffffff',
    textStyle: { fontFamily: CHART_FONT },
    animation: false,
    title: [
      {
        text: `${opts.title ?? 'SIP trends'}: ${first} to ${last}`,
        subtext: `Time zone ${trends.timeZone} · ${subtitle(trends, l)}`,
        left: 8,
        top: 6,
        textStyle: text(15, { fontWeight: 'bold' }),
        subtextStyle: text(11, { color: '#444' }),
      },
      ...panelTitles(l, cellWidth),
    ],
    legend: {
      top: 50,
      left: 8,
      right: 8,
      itemWidth: 18,
      itemHeight: 9,
      itemGap: 10,
      textStyle: text(11),
      data: l.lines.map((b) => shortName(b.name)),
    },
    grid,
    xAxis,
    yAxis,
    series: [...lineSeries(l, trends.dates.length), healthSeries(l, cellWidth)],
    visualMap: {
      type: 'piecewise',
      show: false,
      seriesIndex: l.lines.length * 4,
      pieces: [
        { value: -1, color: HEALTH_COLOURS.none },
        { value: 0, color: HEALTH_COLOURS.pass },
        { value: 1, color: HEALTH_COLOURS.warn },
        { value: 2, color: HEALTH_COLOURS.fail },
      ],
    },
  };
  return { option, width: CHART_WIDTH, height: l.height };
}
