/**
 * `npm run bench:charts`: render time and peak extra RSS of the trend chart for 50 bindings × 30
 * days (issue 19 target: < 500 ms, < 50 MB extra RSS), through the real worker-thread renderer.
 * Cold = first render (starts the worker, loads ECharts, resvg and the fonts); warm = later ones.
 */
import { ChartRenderer } from '../src/charts';
import { fixtureTrends } from '../test/support/trend-fixture';

const RUNS = Number(process.env.BENCH_CHART_RUNS ?? 5);

async function measure(renderer: ChartRenderer, trends: ReturnType<typeof fixtureTrends>, base: number): Promise<{ ms: number; workerMs: number; peakMb: number; bytes: number }> {
  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 2);
  const t0 = performance.now();
  const r = await renderer.render(trends);
  const ms = performance.now() - t0;
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage().rss);
  if (!r.ok) throw new Error(`render failed: ${r.error.kind}: ${r.error.message}`);
  return { ms, workerMs: r.value.renderMs, peakMb: (peak - base) / 2 ** 20, bytes: r.value.png.length };
}

async function main(): Promise<void> {
  const trends = fixtureTrends(50, 30);
  const base = process.memoryUsage().rss;
  const renderer = new ChartRenderer();
  const rows: { run: string; ms: number; workerMs: number; peakMb: number; bytes: number }[] = [];
  try {
    rows.push({ run: 'cold', ...(await measure(renderer, trends, base)) });
    for (let i = 1; i <= RUNS; i++) rows.push({ run: `warm ${i}`, ...(await measure(renderer, trends, base)) });
  } finally {
    await renderer.close();
  }
  const warm = rows.slice(1).map((r) => r.ms).sort((a, b) => a - b);
  console.log(`trend chart, 50 bindings × 30 days (lines: worst 6, health grid: worst 12), ${trends.bindings.length} bindings in, PNG ${rows[0]!.bytes} bytes`);
  console.log('| run | wall ms | in worker ms | peak extra RSS MB |');
  console.log('| --- | ---: | ---: | ---: |');
  for (const r of rows) console.log(`| ${r.run} | ${r.ms.toFixed(0)} | ${r.workerMs.toFixed(0)} | ${r.peakMb.toFixed(1)} |`);
  console.log(`warm median ${warm[Math.floor(warm.length / 2)]!.toFixed(0)} ms (target < 500 ms); max peak extra RSS ${Math.max(...rows.map((r) => r.peakMb)).toFixed(1)} MB (target < 50 MB)`);
}

void main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
