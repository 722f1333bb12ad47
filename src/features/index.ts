import type { AppDeps, Feature } from './feature';
import { healthFeature, type HealthFeature, type HealthOptions } from './health';
import { inboundFeature } from './inbound';
import { LoopbackClaims } from './loopback-claims';
import { sipSetupFeature } from './sip-setup';
import { testCallFeature } from './test-call';
import { trendsFeature } from './trends';
import { postSummaryChart } from './trends/deliver';

/** Feature instances built by the caller instead of with their defaults (the demo brings its own health feature). */
export interface FeatureOverrides {
  health?: HealthFeature;
}

/** The trends feature's chart under each health summary (when charts can be drawn), for the health feature's options. */
export function summaryChartOption(deps: AppDeps): Pick<HealthOptions, 'summaryChart'> {
  return deps.charts ? { summaryChart: (web, parent, logger) => postSummaryChart(deps, web, logger, parent) } : {};
}

/** Every feature of the service, in registration order. */
export function buildFeatures(deps: AppDeps, overrides: FeatureOverrides = {}): Feature[] {
  // One registry for both: a loopback test call claims its inbound leg, which the inbound feature then leaves to it.
  const loopbacks = new LoopbackClaims(() => deps.now().getTime());
  const testCall = testCallFeature(deps, { loopbacks });
  const health =
    overrides.health ??
    healthFeature(deps, {
      beforeScheduledRun: () => testCall.runDailyLoopbacks(),
      ...summaryChartOption(deps),
    });
  return [sipSetupFeature(deps), health, testCall, inboundFeature(deps, { loopbacks }), trendsFeature(deps)];
}
