/**
 * Trends people can see (issue 19): the per-binding "30-day chart" button and Home menu option, `/sip-setup export
 * calls`, and `GET /export/calls.csv` (only with EXPORT_TOKEN). The chart in the daily summary's
 * thread is posted by the health feature's delivery through `postSummaryChart` (deliver.ts).
 */
import type { BlockAction, ButtonAction, OverflowAction } from '@slack/bolt';
import { exportCallsRoute } from '../../http/export-route';
import { TREND_CHART_ACTION } from '../../slack/action-ids';
import { CHART_OPTION_MENU, CHART_OPTION_PREFIX } from '../../slack/chart-button';
import type { AppDeps, Feature, FeatureContext } from '../feature';
import { chartButtonHandler } from './chart-button';
import { exportCallsCsv, parseDays } from './export-calls';
import { exportCommand } from './export-command';

export { BINDING_CHART_DAYS, bindingChartButton } from '../../slack/chart-button';
export { postSummaryChart } from './deliver';

const BINDING_PARAM = /^[a-z0-9][a-z0-9-]{0,62}$/;

export function trendsFeature(deps: AppDeps): Feature {
  const logger = deps.logger.child({ feature: 'trends' });
  return {
    name: 'trends',
    register(ctx: FeatureContext) {
      const chart = chartButtonHandler({ deps, logger });
      ctx.listeners.action<BlockAction<ButtonAction>>(TREND_CHART_ACTION, chart);
      // The "30-day chart" option of a binding's menu on the App Home (the menu is the health feature's).
      ctx.listeners.option<BlockAction<OverflowAction>>(CHART_OPTION_MENU, CHART_OPTION_PREFIX, chart);
      ctx.setup.add({
        name: 'export',
        usage: 'export calls [binding] [days]',
        summary: 'CSV of call records, sent to you privately (admins)',
        run: exportCommand({ deps, logger }),
      });
      const token = deps.config.exportToken;
      if (!token) return;
      ctx.addRoute(
        exportCallsRoute({
          token,
          csv: async (q) => {
            const days = parseDays(q.days);
            if (days === undefined) return { ok: false, error: 'days must be a whole number from 1 to 90' };
            if (q.binding !== null && !BINDING_PARAM.test(q.binding))
              return { ok: false, error: 'binding must be a binding name' };
            const { csv } = await exportCallsCsv(deps, { days, ...(q.binding ? { bindingName: q.binding } : {}) });
            return { ok: true, csv, filename: `calls-${q.binding ?? 'all'}-${days}d.csv` };
          },
        }),
      );
    },
  };
}
