/**
 * One trend chart from the store: the window's records read, the pure trends computed, the PNG
 * rendered by the shared worker (bounded in time and memory, never on a request's path). Never
 * throws: a failure comes back as a short reason a person can read.
 */
import type { ChartImage } from '../../charts';
import { computeTrends } from '../../domain/trends';
import { readTrendInputs } from '../../store/trends-reader';
import type { AppDeps } from '../feature';

/** Bindings kept in a chart (the renderer draws the worst few as lines and the worst 12 in the health grid). */
const MAX_BINDINGS = 12;

export type ChartDeps = Pick<AppDeps, 'repos' | 'config' | 'now' | 'charts'>;

export interface ChartRequest {
  days: number;
  /** Only this binding (the per-binding view); otherwise every binding, worst first. */
  bindingName?: string;
}

export interface RenderedTrendChart {
  image: ChartImage;
  filename: string;
  title: string;
  altText: string;
}

export type ChartOutcome = { ok: true; value: RenderedTrendChart } | { ok: false; reason: string };

function periodTitle(r: ChartRequest, timeZone: string): string {
  const who = r.bindingName ?? 'SIP trends';
  return `${who}: last ${r.days} day${r.days === 1 ? '' : 's'} (${timeZone})`;
}

export async function renderChart(d: ChartDeps, r: ChartRequest): Promise<ChartOutcome> {
  if (!d.charts) return { ok: false, reason: 'charts are not enabled in this process' };
  const timeZone = d.config.summary.timezone;
  const now = d.now();
  try {
    const { calls, runs } = await readTrendInputs(d.repos, {
      now,
      days: r.days,
      timeZone,
      ...(r.bindingName ? { bindingName: r.bindingName } : {}),
    });
    const bindingNames = r.bindingName ? [r.bindingName] : (await d.repos.bindings.list()).map((b) => b.name);
    const trends = computeTrends(calls, runs, { now, days: r.days, timeZone, maxBindings: MAX_BINDINGS, bindingNames });
    const title = periodTitle(r, timeZone);
    const image = await d.charts.render(trends, { title: r.bindingName ?? 'SIP trends' });
    if (!image.ok) return { ok: false, reason: `the chart could not be drawn (${image.error.kind})` };
    const shown = trends.bindings.map((b) => b.name).join(', ') || 'no bindings';
    const omitted = trends.omitted ? `, ${trends.omitted} more left out` : '';
    return {
      ok: true,
      value: {
        image: image.value,
        filename: `${r.bindingName ?? 'sip-trends'}-${trends.dates.at(-1) ?? 'today'}-${r.days}d.png`,
        title,
        altText:
          `Chart of ${title}: inbound calls reaching an agent, time to agent, test pass rate and daily health for ${shown}${omitted}.`.slice(
            0,
            1000,
          ),
      },
    };
  } catch (err) {
    return { ok: false, reason: `the chart data could not be read (${(err as Error).message})` };
  }
}
