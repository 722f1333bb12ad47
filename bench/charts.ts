/**
 * `npm run bench:charts`: render time and peak extra RSS of the trend chart for 50 bindings × 30
 * days (issue 19 target: < 500 ms, < 50 MB extra RSS), through the real worker-thread renderer.
 *
 * Cold = the first render: starts the worker and loads ECharts, resvg and the fonts; its extra RSS
 * is measured from before the renderer existed. Warm = later renders on the same worker; their
 * extra RSS is measured from just before each render (the idle worker is a fixed cost, shown in
 * the last row). CPU ms is the whole process's CPU time during the render: on a loaded machine
 * the wall time grows, the CPU time much less. Set CHARTS_BENCH_RUNS (default 8),
 * CHARTS_BENCH_SCALE (default 2, i.e. 960 px wide) and CHARTS_BENCH_PNG (a file path: the cold
 * render's PNG is written there, to look at).
 */
import { existsSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import type { ChartRenderer as ChartRendererType } from '../src/charts';
import { fixtureTrends } from '../test/support/trend-fixture';

const RUNS = Number(process.env.CHARTS_BENCH_RUNS ?? 8);
const SCALE = Number(process.env.CHARTS_BENCH_SCALE ?? 2);
const PNG_PATH = process.env.CHARTS_BENCH_PNG;
const MB = 2 ** 20;

/**
 * The renderer as the service runs it: the compiled build (`npm run build` first; its worker is plain
 * JavaScript), else the TypeScript source, whose worker loads tsx too (more memory at a cold start).
 */
const DIST = join(__dirname, '..', 'dist', 'src', 'charts', 'index.js');
const fromDist = existsSync(DIST);
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { ChartRenderer } = (fromDist ? require(DIST) : require('../src/charts')) as typeof import('../src/charts');
type ChartRenderer = ChartRendererType;

interface Row {
  run: string;
  wallMs: number;
  cpuMs: number;
  workerMs: number;
  extraMb: number;
}

async function measure(
  run: string,
  renderer: ChartRenderer,
  trends: ReturnType<typeof fixtureTrends>,
  from: number,
): Promise<Row & { png: Buffer }> {
  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 2);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const r = await renderer.render(trends, { scale: SCALE });
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage().rss);
  if (!r.ok) throw new Error(`render failed: ${r.error.kind}: ${r.error.message}`);
  return {
    run,
    wallMs,
    cpuMs: (cpu.user + cpu.system) / 1000,
    workerMs: r.value.renderMs,
    extraMb: (peak - from) / MB,
    png: r.value.png,
  };
}

const IDLE_MS = 1000;

async function main(): Promise<void> {
  const trends = fixtureTrends(50, 30);
  const base = process.memoryUsage().rss;
  // A short idle stop so the bench sees the worker go (the service's default is 60 s).
  const renderer = new ChartRenderer({ idleMs: IDLE_MS });
  const rows: Row[] = [];
  let bytes = 0;
  try {
    const cold = await measure('cold', renderer, trends, base);
    bytes = cold.png.length;
    if (PNG_PATH) writeFileSync(PNG_PATH, cold.png);
    rows.push(cold);
    for (let i = 1; i <= RUNS; i++) rows.push(await measure(`warm ${i}`, renderer, trends, process.memoryUsage().rss));
    const idle = (process.memoryUsage().rss - base) / MB;
    rows.push({
      run: `idle warm worker, before the idle stop (RSS over base)`,
      wallMs: NaN,
      cpuMs: NaN,
      workerMs: NaN,
      extraMb: idle,
    });
    while (renderer.workerRunning) await new Promise((r) => setTimeout(r, 50));
    // Let the terminated thread's memory go back to the OS before sampling.
    await new Promise((r) => setTimeout(r, 500));
    rows.push({
      run: `after ${IDLE_MS} ms idle: worker stopped (RSS over base)`,
      wallMs: NaN,
      cpuMs: NaN,
      workerMs: NaN,
      extraMb: (process.memoryUsage().rss - base) / MB,
    });
    rows.push(await measure('cold again after the idle stop', renderer, trends, process.memoryUsage().rss));
  } finally {
    await renderer.close();
  }
  const warm = rows.filter((r) => r.run.startsWith('warm'));
  const median = (xs: number[]): number => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const fmt = (n: number, d = 0): string => (Number.isNaN(n) ? '' : n.toFixed(d));
  console.log(
    `trend chart, 50 bindings × 30 days (lines: worst 6, health grid: worst 12), scale ${SCALE}, PNG ${bytes} bytes; renderer from ${fromDist ? 'dist/ (as the service runs it)' : 'src/ through tsx (run npm run build first to measure the service)'}; load average ${loadavg()[0]!.toFixed(1)} on this machine`,
  );
  if (PNG_PATH) console.log(`cold render's PNG written to ${PNG_PATH}`);
  console.log('| run | wall ms | CPU ms | in worker ms | peak extra RSS MB |');
  console.log('| --- | ---: | ---: | ---: | ---: |');
  for (const r of rows)
    console.log(`| ${r.run} | ${fmt(r.wallMs)} | ${fmt(r.cpuMs)} | ${fmt(r.workerMs)} | ${fmt(r.extraMb, 1)} |`);
  console.log(
    `warm median: ${median(warm.map((r) => r.wallMs)).toFixed(0)} ms wall, ${median(warm.map((r) => r.cpuMs)).toFixed(0)} ms CPU (target < 500 ms); ` +
      `warm peak extra RSS max ${Math.max(...warm.map((r) => r.extraMb)).toFixed(1)} MB, cold ${rows[0]!.extraMb.toFixed(1)} MB (target < 50 MB)`,
  );
}

void main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
