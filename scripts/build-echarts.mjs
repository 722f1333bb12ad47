/**
 * Builds dist/src/charts/echarts-bundle.js (run by `npm run build` after tsc): one minified CommonJS
 * file with only the ECharts parts the trend chart uses (src/charts/trend-option.ts), so the render
 * worker does not load the whole ECharts build at every cold start (src/charts/echarts-lib.ts).
 * When the compiled code is there (after tsc), it also writes the bundle's V8 code cache, made after
 * one render of a 50 × 30 chart so that it holds the functions a render compiles.
 *
 * `node scripts/build-echarts.mjs <outfile>` writes them elsewhere (the chart test builds a bundle to
 * check it draws the same SVG as the whole build). A part the option needs but this list lacks is not
 * an error in ECharts (it warns and draws without it), which is why the test compares the SVG.
 */
import { build } from 'esbuild';
import { existsSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outfile = resolve(process.argv[2] ?? join(root, 'dist', 'src', 'charts', 'echarts-bundle.js'));

const entry = `
import { use } from 'echarts/core';
import { HeatmapChart, LineChart } from 'echarts/charts';
import { GridSimpleComponent, LegendPlainComponent, TitleComponent, VisualMapPiecewiseComponent } from 'echarts/components';
import { SVGRenderer } from 'echarts/renderers';
use([LineChart, HeatmapChart, GridSimpleComponent, LegendPlainComponent, TitleComponent, VisualMapPiecewiseComponent, SVGRenderer]);
export { init } from 'echarts/core';
`;

await build({
  stdin: { contents: entry, resolveDir: root, sourcefile: 'echarts-bundle-entry.js', loader: 'js' },
  bundle: true,
  minify: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  outfile,
  legalComments: 'eof',
  logLevel: 'warning',
});

/** A chart like the real ones: 50 bindings × 30 days with gaps, and every health status. */
function warmUpTrends() {
  let seed = 11;
  const rnd = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
  const dates = Array.from({ length: 30 }, (_, i) => new Date(Date.UTC(2026, 0, 1 + i)).toISOString().slice(0, 10));
  const health = [null, 'pass', 'pass', 'pass', 'warn', 'fail'];
  const bindings = Array.from({ length: 50 }, (_, b) => ({
    name: `binding-${b}`,
    badness: 50 - b,
    days: dates.map((date) => {
      const inbound = rnd() < 0.1 ? 0 : 1 + Math.floor(rnd() * 20);
      const tests = Math.floor(rnd() * 3);
      const testsPassed = Math.floor(rnd() * (tests + 1));
      const reachedAgent = Math.floor(rnd() * (inbound + 1));
      return {
        date,
        inbound,
        reachedAgent,
        agentShare: inbound ? reachedAgent / inbound : null,
        medianToAgentMs: reachedAgent ? 3000 + rnd() * 5000 : null,
        p95ToAgentMs: reachedAgent ? 8000 + rnd() * 4000 : null,
        tests,
        testsPassed,
        testPassRate: tests ? testsPassed / tests : null,
        health: health[Math.floor(rnd() * health.length)],
      };
    }),
  }));
  return { timeZone: 'Europe/Berlin', dates, bindings, omitted: 0 };
}

const compiled = join(root, 'dist', 'src', 'charts');
if (existsSync(join(compiled, 'render-core.js'))) {
  const require = createRequire(import.meta.url);
  const { codeCachePath, compileEchartsBundle } = require(join(compiled, 'echarts-lib.js'));
  const { trendChartSvg } = require(join(compiled, 'render-core.js'));
  const { lib, script } = compileEchartsBundle(outfile);
  trendChartSvg(warmUpTrends(), {}, lib);
  writeFileSync(codeCachePath(outfile), script.createCachedData());
}
