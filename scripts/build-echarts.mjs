/**
 * Builds dist/src/charts/echarts-bundle.js (run by `npm run build` after tsc): one minified CommonJS
 * file with only the ECharts parts the trend chart uses (src/charts/trend-option.ts), so the render
 * worker does not load the whole ECharts build at every cold start (render-core.ts loads this file
 * when it exists). `node scripts/build-echarts.mjs <outfile>` writes it elsewhere (the chart test
 * builds one to check it draws the same SVG as the whole build).
 *
 * A part the option needs but this list lacks is not an error in ECharts (it warns and draws
 * without it), which is why the test compares the SVG of both builds.
 */
import { build } from 'esbuild';
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
