import { Resvg } from '@resvg/resvg-js';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { ChartRenderer } from '../../../src/charts';
import { loadEcharts } from '../../../src/charts/echarts-lib';
import { chartFonts } from '../../../src/charts/fonts';
import { trendChartSvg, withoutClipPaths } from '../../../src/charts/render-core';
import { workerErrorMessage } from '../../../src/charts/renderer';
import {
  CHART_FONT,
  CHART_WIDTH,
  OKABE_ITO,
  dateLabelInterval,
  shortName,
  trendChartOption,
} from '../../../src/charts/trend-option';
import type { Trends } from '../../../src/domain/trends';
import { FIXTURE_TZ, fixtureNames, fixtureTrends } from '../../support/trend-fixture';

interface SvgText {
  x: number;
  y: number;
  text: string;
}

/** The text elements ECharts wrote, with their translate() position. */
function svgTexts(svg: string): SvgText[] {
  return [...svg.matchAll(/<text[^>]*transform="translate\(([\d.-]+) ([\d.-]+)\)"[^>]*>([^<]*)/g)].map((m) => ({
    x: Number(m[1]),
    y: Number(m[2]),
    text: m[3]!,
  }));
}

function hex(c: string): [number, number, number] {
  return [1, 3, 5].map((i) => parseInt(c.slice(i, i + 2), 16)) as [number, number, number];
}

describe('trend chart SVG', () => {
  const trends = fixtureTrends(8, 30);
  const { svg } = trendChartSvg(trends);

  it('labels every binding in the health grid and states the period and time zone', () => {
    const texts = svgTexts(svg).map((t) => t.text);
    for (const name of fixtureNames(8)) expect(texts).toContain(shortName(name));
    expect(svg).toContain(`${trends.dates[0]} to ${trends.dates[29]}`);
    expect(svg).toContain(`Time zone ${FIXTURE_TZ}`);
    expect(texts).toContain(`Date (${FIXTURE_TZ})`);
    expect(svg).toMatch(/>seconds</); // y-axis names (rotated, so not in svgTexts)
    expect(svg).toMatch(/>%</);
  });

  it('cuts long binding names with an ellipsis instead of running into the plot', () => {
    expect(shortName('onboarding-hotline-berlin')).toBe('onboarding-hot…');
    expect(svg).toContain('onboarding-hot…');
  });

  it('spaces the 30 date labels of each axis so they never touch', () => {
    const dates = svgTexts(svg).filter((t) => /^\d\d-\d\d$/.test(t.text));
    const rows = new Map<number, number[]>();
    for (const d of dates) rows.set(d.y, [...(rows.get(d.y) ?? []), d.x]);
    expect(rows.size).toBe(4); // one day axis per panel
    const widest = 5 * 12 * 0.64; // five DejaVu Sans glyphs at 12 px, digits are 0.636 em
    for (const xs of rows.values()) {
      expect(xs.length).toBeGreaterThanOrEqual(5);
      xs.sort((a, b) => a - b);
      for (let i = 1; i < xs.length; i++) expect(xs[i]! - xs[i - 1]!).toBeGreaterThan(widest);
    }
  });

  it('draws the health marks the title promises at 30 days (cells of 11.6 px): one per warn/fail day', () => {
    const marks = svgTexts(svg).filter((t) => t.text === '!' || t.text === '✗');
    const expected = trends.bindings.flatMap((b) => b.days).filter((d) => d.health === 'warn' || d.health === 'fail');
    expect(expected.length).toBeGreaterThan(0);
    expect(marks).toHaveLength(expected.length);
    expect(svg).toContain('orange ! warn, red ✗ fail');
  });

  it('labels every day of a 7-day chart', () => {
    expect(dateLabelInterval(7)).toBe(0);
    const week = trendChartSvg(fixtureTrends(3, 7)).svg;
    const labels = svgTexts(week).filter((t) => /^\d\d-\d\d$/.test(t.text));
    expect(labels).toHaveLength(7 * 4);
  });

  it('says how many bindings are left out, worst first', () => {
    const many = fixtureTrends(50, 30, 20);
    const out = trendChartSvg(many, { maxLines: 6, maxRows: 12 }).svg;
    expect(out).toContain('Lines: worst 6 of 50 bindings; 38 more not shown');
    const rowLabels = svgTexts(out).filter((t) => many.bindings.some((b) => shortName(b.name) === t.text));
    expect(new Set(rowLabels.map((t) => t.text))).toEqual(
      new Set(many.bindings.slice(0, 12).map((b) => shortName(b.name))),
    );
  });
});

describe('ECharts as the compiled build loads it', () => {
  // zrender's ids and class names count up over a loaded copy's life ("zr3-cls-37"): number them by first use.
  const sameIds = (svg: string): string => {
    const seen = new Map<string, string>();
    return svg.replace(/\bzr\d+-([a-z-]*?)(\d+)\b/g, (id: string, kind: string) => {
      if (!seen.has(id)) seen.set(id, `zr-${kind}${seen.size}`);
      return seen.get(id)!;
    });
  };

  let dir: string;
  let bundle: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'echarts-bundle-'));
    bundle = join(dir, 'echarts-bundle.js');
    execFileSync(process.execPath, [join(__dirname, '../../../scripts/build-echarts.mjs'), bundle]);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('the bundle of the parts used (scripts/build-echarts.mjs) draws the same SVG as the whole ECharts build', () => {
    const parts = loadEcharts(bundle);
    const whole = loadEcharts(join(dir, 'absent.js'));
    expect(parts).not.toBe(whole);
    // 30 days (markers only on isolated days, health marks) and 7 days (a marker every day, no omitted bindings).
    for (const trends of [fixtureTrends(50, 30), fixtureTrends(3, 7)]) {
      const a = trendChartSvg(trends, {}, parts).svg;
      expect(a.length).toBeGreaterThan(10_000);
      expect(sameIds(a)).toBe(sameIds(trendChartSvg(trends, {}, whole).svg));
    }
  });

  it("the bundle's code cache, made after a render, is accepted by V8 in a fresh process and draws the same", () => {
    // V8 reuses a script it compiled in the same isolate whatever cachedData says, so each step runs in its own process.
    const step = (cache: string, mode: 'make' | 'use'): { rejected: boolean | undefined; svg: string } => {
      const code = `require('tsx/cjs/api').register();
        const { readFileSync, writeFileSync } = require('node:fs');
        const { compileEchartsBundle } = require(${JSON.stringify(join(__dirname, '../../../src/charts/echarts-lib.ts'))});
        const { trendChartSvg } = require(${JSON.stringify(join(__dirname, '../../../src/charts/render-core.ts'))});
        const { fixtureTrends } = require(${JSON.stringify(join(__dirname, '../../support/trend-fixture.ts'))});
        const make = ${JSON.stringify(mode)} === 'make';
        const { lib, script } = compileEchartsBundle(${JSON.stringify(bundle)}, make ? undefined : readFileSync(${JSON.stringify(cache)}));
        const svg = trendChartSvg(fixtureTrends(8, 30), {}, lib).svg;
        if (make) writeFileSync(${JSON.stringify(cache)}, script.createCachedData());
        process.stdout.write(JSON.stringify({ rejected: script.cachedDataRejected, svg }));`;
      const out = execFileSync(process.execPath, ['-e', code], { cwd: join(__dirname, '../../..') });
      return JSON.parse(out.toString('utf8')) as { rejected: boolean | undefined; svg: string };
    };
    const cache = join(dir, 'test.v8cache');
    const made = step(cache, 'make');
    expect(made.rejected).toBeUndefined(); // compiled without a cache
    const used = step(cache, 'use');
    expect(used.rejected).toBe(false);
    expect(sameIds(used.svg)).toBe(sameIds(made.svg));
    // A cache V8 cannot use (another Node version, other flags) is rejected, and the bundle still draws.
    writeFileSync(cache, 'not a code cache');
    const broken = step(cache, 'use');
    expect(broken.rejected).toBe(true);
    expect(sameIds(broken.svg)).toBe(sameIds(made.svg));
  });

  it('leaves out the clip paths only where they cut nothing: the raster differs by anti-aliasing at most', () => {
    const { option, width, height } = trendChartOption(fixtureTrends(50, 30));
    const chart = loadEcharts(join(dir, 'absent.js')).init(null, null, { renderer: 'svg', ssr: true, width, height });
    chart.setOption(option);
    const clipped = chart.renderToSVGString();
    chart.dispose();
    const stripped = withoutClipPaths(clipped);
    expect(clipped).toContain('clip-path=');
    expect(stripped).not.toContain('clip');
    const fonts = chartFonts();
    const raster = (svg: string): Uint8Array =>
      new Resvg(svg, {
        fitTo: { mode: 'width', value: width * 2 },
        background: '#ffffff',
        font: { fontFiles: fonts.files, loadSystemFonts: fonts.origin === 'system', defaultFontFamily: CHART_FONT },
      }).render().pixels;
    const a = raster(clipped);
    const b = raster(stripped);
    expect(b.length).toBe(a.length);
    let maxDelta = 0;
    for (let i = 0; i < a.length; i++) maxDelta = Math.max(maxDelta, Math.abs(a[i]! - b[i]!));
    expect(maxDelta).toBeLessThanOrEqual(8); // of 255: edge pixels only, no line cut or added
  });
});

describe('ChartRenderer (worker thread)', () => {
  // No wall-clock limit on the renders under test: a first render starts the worker (tsx, ECharts, resvg),
  // which on a loaded machine can take longer than the 10 s default. The timeout has its own test.
  const renderer = new ChartRenderer({ timeoutMs: 120_000 });
  afterAll(() => renderer.close());

  it('renders a PNG with drawn pixels in the plot areas', async () => {
    const r = await renderer.render(fixtureTrends(8, 30), {}, true);
    if (!r.ok) throw new Error(`${r.error.kind}: ${r.error.message}`);
    const png = PNG.sync.read(r.value.png);
    expect([png.width, png.height]).toEqual([r.value.width, r.value.height]);
    expect(png.width).toBe(CHART_WIDTH * 2);
    expect(r.value.svg).toContain('sales-eu');
    // First line panel (share reaching an agent) and the health grid, from the option's layout.
    const count = (
      x0: number,
      y0: number,
      x1: number,
      y1: number,
      match: (p: [number, number, number]) => boolean,
    ): number => {
      let n = 0;
      for (let y = y0 * 2; y < y1 * 2; y++)
        for (let x = x0 * 2; x < x1 * 2; x++) {
          const i = (y * png.width + x) * 4;
          if (match([png.data[i]!, png.data[i + 1]!, png.data[i + 2]!])) n++;
        }
      return n;
    };
    const notWhite = (p: [number, number, number]): boolean => p.some((c) => c < 235);
    const near = (c: string) => (p: [number, number, number]) => hex(c).every((v, i) => Math.abs(v - p[i]!) < 24);
    const panel = [120, 120, 460, 190] as const;
    const panelPixels = (panel[2] - panel[0]) * (panel[3] - panel[1]) * 4;
    expect(count(...panel, notWhite) / panelPixels).toBeGreaterThan(0.02);
    expect(count(...panel, near(OKABE_ITO.blue))).toBeGreaterThan(50);
    const gridTop = r.value.height / 2 - 58 - 8 * 18;
    expect(count(120, gridTop + 2, 460, gridTop + 8 * 18 - 2, near(OKABE_ITO.bluishGreen))).toBeGreaterThan(1000);
    expect(count(120, gridTop + 2, 460, gridTop + 8 * 18 - 2, near(OKABE_ITO.vermillion))).toBeGreaterThan(50);
  });

  it('returns a typed error when rendering fails, and keeps working', async () => {
    const bad = await renderer.render({ dates: null } as unknown as Trends);
    expect(bad).toMatchObject({ ok: false, error: { kind: 'render-failed' } });
    const good = await renderer.render(fixtureTrends(1, 7));
    expect(good.ok).toBe(true);
  });

  it('returns a timeout error instead of waiting; once closed it answers closed', async () => {
    const impatient = new ChartRenderer({ timeoutMs: 1 });
    try {
      await expect(impatient.render(fixtureTrends(8, 30))).resolves.toMatchObject({
        ok: false,
        error: { kind: 'timeout' },
      });
    } finally {
      await impatient.close();
    }
    await expect(impatient.render(fixtureTrends(1, 7))).resolves.toMatchObject({
      ok: false,
      error: { kind: 'closed' },
    });
  });

  it('terminates the worker after idleMs without work and starts it again for the next render', async () => {
    const idle = new ChartRenderer({ idleMs: 50, timeoutMs: 120_000 });
    try {
      expect(idle.workerRunning).toBe(false);
      expect((await idle.render(fixtureTrends(1, 7))).ok).toBe(true);
      expect(idle.workerRunning).toBe(true);
      while (idle.workerRunning) await new Promise((r) => setTimeout(r, 20));
      const again = await idle.render(fixtureTrends(2, 7));
      expect(again.ok).toBe(true);
    } finally {
      await idle.close();
    }
  });

  it('reports a worker that runs out of memory as out-of-memory', async () => {
    const tiny = new ChartRenderer({ maxHeapMb: 8 });
    try {
      const r = await tiny.render(fixtureTrends(50, 30));
      expect(r).toMatchObject({ ok: false, error: { kind: 'out-of-memory' } });
    } finally {
      await tiny.close();
    }
  });

  it('names a worker error that arrives without a message (a DOMException such as DataCloneError)', () => {
    // What a DOMException thrown in the worker becomes on this side: Node 24 keeps only the stack, Node 20 nothing.
    const node24 = Object.assign(new Error(''), {
      stack:
        '[worker eval]:1\nthrow x\n^\n\nDataCloneError: Cannot transfer object of unsupported type.\n    at new DOMException (node:internal/per_context/domexception:76:18)',
    });
    expect(workerErrorMessage(node24)).toBe('DataCloneError: Cannot transfer object of unsupported type.');
    expect(workerErrorMessage({})).toBe('the render worker failed without a message');
    expect(workerErrorMessage(new Error('plain'))).toBe('plain');
  });
});
