/**
 * Health runs at the edge: the daily summary (node-cron at SUMMARY_CRON in SUMMARY_TZ, a missed
 * run made up once at start), `/sip-setup check [name]`, the "Run again" and "Check" buttons,
 * transition alerts in each binding's report channel, and the App Home tab.
 *
 * The wiring of: one health run (health-run.ts: LiveKit read once, each host and OPTIONS target
 * probed once by run-probes.ts, the pure checks), the runner that stores runs and never lets full
 * runs overlap (runner.ts, with the comparison in domain/health-run.ts and the statuses in
 * store/health-status-store.ts), posting summaries and alerts (delivery.ts), the Slack handlers
 * (slack-handlers.ts), the Home tab (home.ts) and the schedule (schedule.ts).
 */
import type { BlockAction, ButtonAction, OverflowAction } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import type { Logger } from 'pino';
import type { DnsResolver, OptionsProber, OptionsTarget } from '../../domain/probes';
import { CHECK_BINDING_ACTION, HOME_BINDING_ACTION } from '../../slack/action-ids';
import type { PacedNotifier } from '../../slack/paced-notifier';
import type { RunTrigger } from '../../store/health-runs-repo';
import { HealthStatusStore } from '../../store/health-status-store';
import type { AppDeps, Feature, FeatureContext } from '../feature';
import { HealthDelivery, type SummaryParent } from './delivery';
import { DEFAULT_PROBE_SETTINGS, type HealthRunOptions } from './health-run';
import { publishHome } from './home';
import { RUN_AGAIN_ACTION } from './messages';
import { registerHealthMetrics } from './metrics';
import { HealthRunner, type HealthRun } from './runner';
import { HealthSchedule } from './schedule';
import { checkBindingButton, checkCommand, homeMenu, runAgainButton, type HandlerDeps } from './slack-handlers';

export { META_LAST_SCHEDULED, META_LAST_STATUS, META_STATUS_MAP } from '../../store/health-status-store';
export { countingGateway } from './counting-gateway';
export { firstFireBetween, missedFireTime } from './cron-time';
export { performHealthRun, type HealthRunOptions, type HealthRunResult } from './health-run';
export { runProbes, type ProbeSettings } from './run-probes';
export type { HealthRun } from './runner';

export interface HealthOptions {
  /** SIP OPTIONS prober (default: the real client, `createOptionsProber()`). */
  prober?: OptionsProber;
  /** DNS resolver (default: `dns.lookup` bounded by the probe timeout). */
  resolver?: DnsResolver;
  /** Where a target is really probed (tests: a kamailio on 127.0.0.1:<port>); results keep the binding's target. */
  mapTarget?: (target: OptionsTarget) => OptionsTarget;
  /** Per probe (default 2000 ms). */
  probeTimeoutMs?: number;
  /** Probes at once (default 16). */
  concurrency?: number;
  /** All probes of one run (default 20 s). */
  deadlineMs?: number;
  /** Pause between thread replies (Slack allows about one message per second per channel; default 1100 ms). */
  threadPaceMs?: number;
  /** Bindings with problems detailed in the thread (default 40). */
  threadMaxBindings?: number;
  /** Register the node-cron job (default true). The make-up run at start happens either way. */
  schedule?: boolean;
  /** Runs before each scheduled run (the daily loopbacks of the test-call feature), so its results are in the summary. */
  beforeScheduledRun?: () => Promise<void>;
  /** After a summary and its thread: the trend chart into that thread (injected by the composition of features; never throws). */
  summaryChart?: (client: WebClient, parent: SummaryParent, logger: Logger) => Promise<void>;
}

export interface HealthFeature extends Feature {
  /** The cron handler: a full run (joining one in progress), its summary and thread posted, alerts sent. */
  runScheduled(trigger?: 'schedule' | 'startup'): Promise<HealthRun>;
  /** A full run without posting the summary (joins one in progress). */
  runAll(trigger: RunTrigger): Promise<HealthRun>;
  /** One binding (joins a full run in progress). */
  checkBinding(name: string): Promise<HealthRun>;
  /** Posts the summary of `run` and its thread once (later calls return the same delivery). */
  deliverSummary(run: HealthRun, opts?: { channel?: string; requestedBy?: string }): Promise<void>;
  /** The make-up run started by `afterListen`, if one was due. */
  readonly startupRun: Promise<HealthRun> | undefined;
  /** True while a full run is going. */
  readonly busy: boolean;
}

function probeSettings(opts: HealthOptions): Omit<HealthRunOptions, 'only'> {
  return {
    ...(opts.prober ? { prober: opts.prober } : {}),
    ...(opts.resolver ? { resolver: opts.resolver } : {}),
    ...(opts.mapTarget ? { mapTarget: opts.mapTarget } : {}),
    probeTimeoutMs: opts.probeTimeoutMs ?? DEFAULT_PROBE_SETTINGS.probeTimeoutMs,
    concurrency: opts.concurrency ?? DEFAULT_PROBE_SETTINGS.concurrency,
    deadlineMs: opts.deadlineMs ?? DEFAULT_PROBE_SETTINGS.deadlineMs,
  };
}

export function healthFeature(deps: AppDeps, opts: HealthOptions = {}): HealthFeature {
  const logger = deps.logger.child({ feature: 'health' });
  let notifier: PacedNotifier | undefined;
  let chartClient: WebClient | undefined;
  const summaryChart = opts.summaryChart;
  let stopped = false;
  const statuses = new HealthStatusStore(deps.repos.meta, logger);
  const delivery = new HealthDelivery({
    deps,
    logger,
    notifier: () => notifier,
    stopped: () => stopped,
    ...(opts.threadMaxBindings !== undefined ? { threadMaxBindings: opts.threadMaxBindings } : {}),
    ...(summaryChart
      ? {
          summaryChart: (parent: SummaryParent) =>
            chartClient ? summaryChart(chartClient, parent, logger) : Promise.resolve(),
        }
      : {}),
  });
  const runner = new HealthRunner({
    deps,
    logger,
    statuses,
    probes: probeSettings(opts),
    onFinished: (run) => delivery.alertTransitions(run),
  });
  const scheduled = new HealthSchedule({
    deps,
    logger,
    runner,
    delivery,
    statuses,
    stopped: () => stopped,
    slots: deps.repos.coordination.slots,
    ...(opts.beforeScheduledRun ? { before: opts.beforeScheduledRun } : {}),
  });
  const home = { deps, statuses };
  const handlers = { deps, logger, runner, delivery, home };

  return {
    name: 'health',
    register(ctx: FeatureContext) {
      notifier = ctx.notifier;
      chartClient = ctx.notifyClient;
      if (opts.threadPaceMs !== undefined) notifier.pace(opts.threadPaceMs);
      registerHealthMetrics(deps.metrics, deps.repos, statuses);
      registerSlackHandlers(ctx, handlers);
    },
    async afterListen() {
      if (opts.schedule !== false) scheduled.startCron();
      await scheduled.makeUpIfMissed();
    },
    async stop() {
      stopped = true;
      await scheduled.stop();
    },
    runScheduled: (trigger) => scheduled.runScheduled(trigger),
    runAll: (trigger) => runner.runAll(trigger),
    checkBinding: (name) => runner.checkBinding(name),
    deliverSummary: (run, o) => delivery.deliverSummary(run, o),
    get startupRun() {
      return scheduled.startupRun;
    },
    get busy() {
      return runner.busy;
    },
  };
}

/** `/sip-setup check`, the Check and Run again buttons, the Home menu, and the Home tab itself. */
function registerSlackHandlers(ctx: FeatureContext, handlers: HandlerDeps): void {
  ctx.setup.add({
    name: 'check',
    usage: 'check [name]',
    summary: 'run the health checks now (one binding or all)',
    run: checkCommand(handlers),
  });
  ctx.listeners.action<BlockAction<ButtonAction>>(CHECK_BINDING_ACTION, checkBindingButton(handlers));
  ctx.listeners.action<BlockAction<ButtonAction>>(RUN_AGAIN_ACTION, runAgainButton(handlers));
  ctx.listeners.action<BlockAction<OverflowAction>>(HOME_BINDING_ACTION, homeMenu(handlers));
  ctx.bolt.event('app_home_opened', async ({ event, client: web }) => {
    if (event.tab !== 'home') return;
    try {
      await publishHome(handlers.home, web, event.user);
    } catch (err) {
      handlers.logger.warn({ err, user: event.user }, 'health: could not publish the Home tab');
    }
  });
}
