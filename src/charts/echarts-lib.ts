/**
 * ECharts as the render worker loads it. In the compiled build: the bundle `npm run build` writes next
 * to this file (scripts/build-echarts.mjs), holding only the parts the trend chart uses, with a V8 code
 * cache of it made after a render. From source (tests, tsx): the whole CommonJS build, since ECharts'
 * per-part entry points are ES modules, which Jest cannot require on Node 20.
 *
 * Why: the worker is stopped after 60 s idle, so most renders load ECharts afresh. The whole build costs
 * ~140 ms and ~20 MB to load; the bundle ~50 ms and ~8 MB; with the code cache V8 also skips compiling
 * the functions the first render runs (~25 ms less loading, ~60 ms less first render, measured on Node 20).
 */
import type * as Echarts from 'echarts';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Script } from 'node:vm';

/** What rendering needs of ECharts. */
export interface EchartsLib {
  init: typeof Echarts.init;
}

export const ECHARTS_BUNDLE = join(__dirname, 'echarts-bundle.js');

/** The code cache of a bundle: V8's, valid only for the same V8 version and flags (else V8 rejects it and compiles). */
export function codeCachePath(bundle: string): string {
  return bundle.replace(/\.js$/, '.v8cache');
}

/**
 * Compiles and runs a CommonJS bundle that requires nothing, with `cachedData` when given. The
 * returned script makes the cache (`script.createCachedData()`, best after a render: it then holds the
 * functions the render compiled).
 */
export function compileEchartsBundle(bundle: string, cachedData?: Buffer): { lib: EchartsLib; script: Script } {
  const source = `(function (exports, require, module, __filename, __dirname) {${readFileSync(bundle, 'utf8')}\n})`;
  const script = new Script(source, { filename: bundle, ...(cachedData ? { cachedData } : {}) });
  const module = { exports: {} as EchartsLib };
  (script.runInThisContext() as (...args: unknown[]) => void)(module.exports, require, module, bundle, dirname(bundle));
  return { lib: module.exports, script };
}

export function loadEcharts(bundle = ECHARTS_BUNDLE): EchartsLib {
  if (!existsSync(bundle)) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- chosen at run time: the bundle when built
    return require('echarts') as EchartsLib;
  }
  const cache = codeCachePath(bundle);
  return compileEchartsBundle(bundle, existsSync(cache) ? readFileSync(cache) : undefined).lib;
}
