/**
 * Health checks at the edge: the daily summary (node-cron at SUMMARY_CRON in SUMMARY_TZ, a missed
 * run made up once at start), `/sip-setup check [name]`, the "Run again" and "Check" buttons,
 * transition alerts in each binding's report channel, and the App Home tab.
 *
 * A run reads LiveKit once (`snapshot()`), probes each distinct host and OPTIONS target once
 * (bounded), reads the last 24 h of calls, runs the pure engine, stores the run and the status
 * maps. Full runs never overlap: a run requested while one is going joins it.
 */
import { randomUUID } from 'node:crypto';
import type { AllMiddlewareArgs, BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import { schedule, type ScheduledTask } from 'node-cron';
import type { AppDeps, Feature, FeatureContext } from '../../app';
import type { CheckStatus, Finding, HealthReport } from '../../domain/health-checks';
import type { BindingStatusMap, RunDiff, StatusTransition } from '../../domain/health-summary';
import { diffRuns, statusMap, summaryLines, topFinding, transitionAlerts } from '../../domain/health-summary';
import type { DnsResolver, OptionsProber, OptionsTarget } from '../../domain/probes';
import { code, escapeMrkdwn } from '../../slack/mrkdwn';
import { ValidationRunsRepo, type RunTrigger } from '../../store/validation-runs-repo';
import type { SubcommandContext } from '../../slack/subcommand-router';
import { missedFireTime } from './cron-time';
import {
  alertDigest,
  alertMessage,
  bindingCheckMessage,
  CHECK_BINDING_ACTION,
  homeView,
  RUN_AGAIN_ACTION,
  summaryMessage,
  threadReplies,
  THREAD_MAX_BINDINGS,
  type HomeRow,
  type SlackMessage,
} from './messages';
import { DEFAULT_PROBE_SETTINGS, runValidation, type ValidationResult } from './validation';
import { sleep } from '../../sleep';

export { runValidation, countingGateway, type ValidationOptions, type ValidationResult } from './validation';
export { firstFireBetween, missedFireTime } from './cron-time';
export { dnsLookupResolver, runProbes, type ProbeSettings } from './probes';

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
}

export interface HealthRun {
  id: string;
  trigger: RunTrigger;
  /** 'all', or the binding names a single check covered. */
  scope: 'all' | string[];
  startedAt: Date;
  finishedAt: Date;
  report: HealthReport;
  /** Against the previous full run (empty for single-binding checks). */
  diff: RunDiff;
  firstRun: boolean;
  /** Bindings that crossed the fail line since their last known status. */
  transitions: StatusTransition[];
  livekitCalls: number;
  wallMs: number;
  result: ValidationResult;
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
  /** Changes probe and pacing settings at run time (the demo points probes at a local SIP peer). */
  configure(o: Omit<HealthOptions, 'schedule'>): void;
}

type ButtonArgs = SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs;

/** Meta keys. */
export const META_LAST_SCHEDULED = 'health.last-scheduled-at';
export const META_STATUS_MAP = 'health.status-map';
export const META_LAST_STATUS = 'health.last-status';

interface KnownStatus {
  status: CheckStatus;
  at: string;
  runId: string;
  top?: string;
}

interface StoredResults {
  scope: 'all' | string[];
  headline: string;
  livekitCalls: number;
  wallMs: number;
  dnsLookups: number;
  optionsProbes: number;
  probesCutOff: number;
  global: Finding[];
  bindings: Array<{ name: string; status: CheckStatus; findings: Finding[]; passed: string[] }>;
}

const NO_CHANGES: RunDiff = { newFailures: [], recoveries: [], added: [], removed: [] };
/** Alerts per report channel before they are folded into one message. */
const ALERTS_PER_CHANNEL = 3;

const registry = new WeakMap<AppDeps, HealthFeature>();

/** The health feature built over `deps` (the demo reaches the running one through this). */
export function healthFeatureOf(deps: AppDeps): HealthFeature | undefined {
  return registry.get(deps);
}

function parseJson<T>(raw: string | undefined): T | undefined {
  if (raw === undefined) return undefined;
  try {
    return JSON.parse(raw) as T;
  } catch {
    return undefined;
  }
}


function storedResults(run: Omit<HealthRun, 'transitions'>): StoredResults {
  return {
    scope: run.scope,
    headline: summaryLines(run.report, NO_CHANGES).headline,
    livekitCalls: run.livekitCalls,
    wallMs: run.wallMs,
    dnsLookups: run.result.dnsLookups,
    optionsProbes: run.result.optionsProbes,
    probesCutOff: run.result.probesCutOff,
    global: run.report.global,
    // Passing findings by ID only: the rows stay small with many bindings.
    bindings: run.report.bindings.map((b) => ({
      name: b.name,
      status: b.status,
      findings: b.findings.filter((f) => f.status !== 'pass'),
      passed: b.findings.filter((f) => f.status === 'pass').map((f) => f.check),
    })),
  };
}

export function healthFeature(deps: AppDeps, opts: HealthOptions = {}): HealthFeature {
  const { repos, config, inflight, now } = deps;
  const logger = deps.logger.child({ feature: 'health' });
  const runs = new ValidationRunsRepo(deps.store.db);
  const tz = config.summary.timezone;
  const settings: Omit<HealthOptions, 'schedule'> = { ...opts };
  let notify: WebClient | undefined;
  let task: ScheduledTask | undefined;
  let stopped = false;
  let fullRun: Promise<HealthRun> | undefined;
  let startupRun: Promise<HealthRun> | undefined;
  /** Store updates (status maps) one at a time. */
  let storeChain: Promise<unknown> = Promise.resolve();
  const deliveries = new Map<string, Promise<void>>();
  const alerts = new Map<string, Promise<void>>();

  function serialized<T>(fn: () => Promise<T>): Promise<T> {
    const next = storeChain.then(fn, fn);
    storeChain = next.catch(() => undefined);
    return next;
  }

  function remember(map: Map<string, Promise<void>>, id: string, p: Promise<void>): Promise<void> {
    map.set(id, p);
    while (map.size > 20) map.delete(map.keys().next().value as string);
    return p;
  }

  // ------------------------------------------------------------------------------ one run

  async function execute(trigger: RunTrigger, only?: string[]): Promise<HealthRun> {
    const id = randomUUID();
    const startedAt = now();
    await runs.start(id, trigger, startedAt);
    let result: ValidationResult;
    try {
      result = await runValidation(deps, {
        ...(settings.prober ? { prober: settings.prober } : {}),
        ...(settings.resolver ? { resolver: settings.resolver } : {}),
        ...(settings.mapTarget ? { mapTarget: settings.mapTarget } : {}),
        probeTimeoutMs: settings.probeTimeoutMs ?? DEFAULT_PROBE_SETTINGS.probeTimeoutMs,
        concurrency: settings.concurrency ?? DEFAULT_PROBE_SETTINGS.concurrency,
        deadlineMs: settings.deadlineMs ?? DEFAULT_PROBE_SETTINGS.deadlineMs,
        ...(only ? { only } : {}),
      });
    } catch (err) {
      await runs.finish(id, { scope: only ?? 'all', error: (err as Error).message }, now()).catch(() => undefined);
      throw err;
    }
    const finishedAt = now();
    const run = await serialized(async () => {
      const prevFull = parseJson<BindingStatusMap>(await repos.meta.get(META_STATUS_MAP));
      const known = parseJson<Record<string, KnownStatus>>(await repos.meta.get(META_LAST_STATUS)) ?? {};
      const map = statusMap(result.report);
      const prevKnown: BindingStatusMap = {};
      for (const [name, k] of Object.entries(known)) prevKnown[name] = k.status;
      const base: Omit<HealthRun, 'transitions'> = {
        id,
        trigger,
        scope: only ?? 'all',
        startedAt,
        finishedAt,
        report: result.report,
        diff: only ? NO_CHANGES : diffRuns(prevFull, map),
        firstRun: only ? false : prevFull === undefined,
        livekitCalls: result.livekitCalls,
        wallMs: result.wallMs,
        result,
      };
      const transitions = transitionAlerts(Object.keys(prevKnown).length ? prevKnown : undefined, map);
      await runs.finish(id, storedResults(base), finishedAt);
      const nextKnown: Record<string, KnownStatus> = only ? { ...known } : {};
      for (const b of result.report.bindings) {
        const top = topFinding(b.findings);
        nextKnown[b.name] = { status: b.status, at: finishedAt.toISOString(), runId: id, ...(top ? { top: top.title } : {}) };
      }
      await repos.meta.set(META_LAST_STATUS, JSON.stringify(nextKnown), finishedAt);
      if (!only) await repos.meta.set(META_STATUS_MAP, JSON.stringify(map), finishedAt);
      return { ...base, transitions };
    });
    logger.info(
      { runId: id, trigger, scope: only ?? 'all', bindings: run.report.bindings.length, livekitCalls: run.livekitCalls, wallMs: run.wallMs, transitions: run.transitions.length },
      'health run finished',
    );
    if (run.transitions.length) remember(alerts, run.id, inflight.track(`health:alerts:${run.id}`, sendAlerts(run)));
    return run;
  }

  function runAll(trigger: RunTrigger): Promise<HealthRun> {
    if (fullRun) return fullRun;
    const p = execute(trigger).finally(() => {
      if (fullRun === p) fullRun = undefined;
    });
    fullRun = p;
    void inflight.track(`health:run:${trigger}`, p).catch(() => undefined);
    return p;
  }

  async function checkBinding(name: string): Promise<HealthRun> {
    if (fullRun) {
      const joined = await fullRun.catch(() => undefined);
      if (joined?.report.bindings.some((b) => b.name === name)) return joined;
    }
    return execute('manual', [name]);
  }

  async function runScheduled(trigger: 'schedule' | 'startup' = 'schedule'): Promise<HealthRun> {
    const run = await runAll(trigger);
    await repos.meta.set(META_LAST_SCHEDULED, now().toISOString(), now());
    await Promise.all([deliverSummary(run), alerts.get(run.id) ?? Promise.resolve()]);
    return run;
  }

  // ------------------------------------------------------------------------------ posting

  async function post(channel: string, msg: SlackMessage, threadTs?: string): Promise<{ channel: string; ts: string } | undefined> {
    const client = notify;
    if (!client) return undefined;
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const r = await client.chat.postMessage({
          channel,
          text: msg.text,
          blocks: msg.blocks,
          unfurl_links: false,
          unfurl_media: false,
          ...(threadTs ? { thread_ts: threadTs } : {}),
        });
        return r.ts ? { channel: r.channel ?? channel, ts: r.ts } : undefined;
      } catch (err) {
        const retryAfter = (err as { retryAfter?: unknown }).retryAfter;
        if (attempt === 0 && typeof retryAfter === 'number' && !stopped) {
          await sleep(Math.min(retryAfter, 30) * 1000);
          continue;
        }
        logger.warn({ err, channel }, 'health: could not post to Slack (is the bot in the channel?)');
        return undefined;
      }
    }
    return undefined;
  }

  /** The summary message of a run: details in its thread, or pointing at the command's reply. */
  function summaryOf(run: HealthRun, details: 'thread' | 'command', requestedBy: string | undefined): SlackMessage {
    return summaryMessage({
      report: run.report,
      diff: run.diff,
      firstRun: run.firstRun,
      trigger: run.trigger,
      startedAt: run.startedAt,
      wallMs: run.wallMs,
      timeZone: tz,
      details,
      ...(requestedBy ? { requestedBy } : {}),
    });
  }

  function deliverSummary(run: HealthRun, o: { channel?: string; requestedBy?: string } = {}): Promise<void> {
    const existing = deliveries.get(run.id);
    if (existing) return existing;
    const work = (async () => {
      const channel = o.channel ?? config.summary.channel;
      if (!channel) {
        logger.info({ runId: run.id }, 'SUMMARY_CHANNEL is not set: the health summary is not posted');
        return;
      }
      const msg = summaryOf(run, 'thread', o.requestedBy);
      const parent = await post(channel, msg);
      if (!parent) return;
      const replies = threadReplies(run.report, settings.threadMaxBindings ?? THREAD_MAX_BINDINGS);
      for (const [i, reply] of replies.entries()) {
        if (stopped) {
          logger.warn({ runId: run.id, left: replies.length - i }, 'health: summary thread cut short by shutdown');
          return;
        }
        if (i > 0) await sleep(settings.threadPaceMs ?? 1100);
        await post(parent.channel, reply, parent.ts);
      }
    })().catch((err: unknown) => logger.error({ err, runId: run.id }, 'health: posting the summary failed'));
    return remember(deliveries, run.id, inflight.track(`health:summary:${run.id}`, work));
  }

  async function sendAlerts(run: HealthRun): Promise<void> {
    try {
      const bindings = new Map((await repos.bindings.list()).map((b) => [b.name, b]));
      const byChannel = new Map<string, StatusTransition[]>();
      for (const t of run.transitions) {
        const channel = bindings.get(t.binding)?.reportChannel;
        if (!channel) continue;
        byChannel.set(channel, [...(byChannel.get(channel) ?? []), t]);
      }
      const reports = new Map(run.report.bindings.map((b) => [b.name, b]));
      const o = { trigger: run.trigger, at: run.finishedAt, timeZone: tz };
      for (const [channel, ts] of byChannel) {
        if (ts.length <= ALERTS_PER_CHANNEL) {
          for (const t of ts) await post(channel, alertMessage(t, reports.get(t.binding), o));
        } else {
          await post(channel, alertDigest(ts, o));
        }
      }
    } catch (err) {
      logger.error({ err, runId: run.id }, 'health: sending transition alerts failed');
    }
  }

  // ------------------------------------------------------------------------------ Slack

  async function checkCmd({ args, argv }: SubcommandContext): Promise<void> {
    const { command, ack, respond } = args;
    const name = (argv[0] ?? '').toLowerCase();
    if (name && !(await repos.bindings.get(name))) {
      await ack({ response_type: 'ephemeral', text: `There is no binding named ${code(name)}. \`/sip-setup list\` shows them.` });
      return;
    }
    await ack({ response_type: 'ephemeral', text: name ? `⏳ Running checks for ${code(name)}…` : '⏳ Running checks on every binding…' });
    const work = async (): Promise<void> => {
      try {
        if (name) {
          const run = await checkBinding(name);
          const msg = bindingCheckMessage(run.report, name, { at: run.finishedAt, wallMs: run.wallMs, timeZone: tz });
          await respond({ response_type: 'ephemeral', replace_original: true, text: msg.text, blocks: msg.blocks });
        } else {
          const run = await runAll('manual');
          const msg = summaryOf(run, 'command', command.user_id);
          await respond({ response_type: 'ephemeral', replace_original: true, text: msg.text, blocks: msg.blocks });
        }
      } catch (err) {
        logger.error({ err, binding: name || undefined }, 'health: /sip-setup check failed');
        await respond({ response_type: 'ephemeral', replace_original: true, text: `❌ The check could not run: ${escapeMrkdwn((err as Error).message)}` }).catch(() => undefined);
      }
    };
    void inflight.track(`health:check:${name || 'all'}`, work());
  }

  async function onCheckBinding({ ack, action, respond, body, client }: ButtonArgs): Promise<void> {
    await ack();
    const name = (action.value ?? '').toLowerCase();
    const fromView = body.container?.type === 'view';
    const work = async (): Promise<void> => {
      try {
        const binding = name ? await repos.bindings.get(name) : undefined;
        if (!binding) {
          if (!fromView) await respond({ response_type: 'ephemeral', replace_original: false, text: `There is no binding named ${code(name || '(none)')} any more.` });
          return;
        }
        const run = await checkBinding(name);
        if (fromView) {
          await publishHome(client, body.user.id);
          return;
        }
        const msg = bindingCheckMessage(run.report, name, { at: run.finishedAt, wallMs: run.wallMs, timeZone: tz });
        await respond({ response_type: 'ephemeral', replace_original: false, text: msg.text, blocks: msg.blocks });
      } catch (err) {
        logger.error({ err, binding: name }, 'health: check button failed');
      }
    };
    void inflight.track(`health:check-button:${name}`, work());
  }

  async function onRunAgain({ ack, respond, body, client }: ButtonArgs): Promise<void> {
    await ack();
    const user = body.user.id;
    const fromView = body.container?.type === 'view';
    const channel = config.summary.channel ?? body.channel?.id;
    const work = async (): Promise<void> => {
      try {
        if (!fromView) {
          const where = channel ? ' The new summary is posted in this channel when it is done.' : '';
          await respond({ response_type: 'ephemeral', replace_original: false, text: `⏳ Running every check again.${where}` }).catch(() => undefined);
        }
        const run = await runAll('manual');
        await Promise.all([deliverSummary(run, { ...(channel ? { channel } : {}), requestedBy: user }), alerts.get(run.id) ?? Promise.resolve()]);
        if (fromView) await publishHome(client, user);
      } catch (err) {
        logger.error({ err }, 'health: run again failed');
      }
    };
    void inflight.track('health:run-again', work());
  }

  async function publishHome(client: WebClient, user: string): Promise<void> {
    const [bindings, knownRaw, lastRun] = await Promise.all([
      repos.bindings.list(),
      repos.meta.get(META_LAST_STATUS),
      runs.latestFinished<StoredResults>(),
    ]);
    const known = parseJson<Record<string, KnownStatus>>(knownRaw) ?? {};
    const rows: HomeRow[] = [];
    // The view holds a few hundred bindings at most; later ones are only counted.
    for (const [i, b] of bindings.entries()) {
      const k = known[b.name];
      const last = i < 500 ? await repos.calls.latest('test', b.name) : undefined;
      rows.push({
        name: b.name,
        ...(k ? { status: k.status, checkedAt: k.at, ...(k.top ? { top: k.top } : {}) } : {}),
        ...(last ? { lastTest: { startedAt: last.startedAt, outcome: last.outcome, callee: last.callee, sipStatus: last.sipStatus } } : {}),
      });
    }
    const view = homeView({
      rows,
      ...(lastRun?.results ? { lastRun: { trigger: lastRun.trigger, startedAt: lastRun.startedAt, headline: lastRun.results.headline } } : {}),
      timeZone: tz,
    });
    await client.views.publish({ user_id: user, view: { type: 'home', blocks: view.blocks } });
  }

  // ------------------------------------------------------------------------------ schedule

  function onCron(): void {
    if (stopped || !inflight.accepting) return;
    void runScheduled('schedule').catch((err: unknown) => logger.error({ err }, 'health: the scheduled run failed'));
  }

  async function makeUpIfMissed(): Promise<void> {
    const t = now();
    const raw = await repos.meta.get(META_LAST_SCHEDULED);
    const last = raw ? new Date(raw) : undefined;
    if (!last || Number.isNaN(last.getTime())) {
      // First start: nothing can have been missed yet.
      await repos.meta.set(META_LAST_SCHEDULED, t.toISOString(), t);
      return;
    }
    if (!missedFireTime(config.summary.cron, tz, last, t)) return;
    logger.info({ lastRun: last.toISOString(), cron: config.summary.cron, timezone: tz }, 'health: a scheduled run was missed while SIP Ops was down; running it now');
    startupRun = runScheduled('startup');
    startupRun.catch((err: unknown) => logger.error({ err }, 'health: the make-up run failed'));
  }

  const feature: HealthFeature = {
    name: 'health',
    register(ctx: FeatureContext) {
      notify = ctx.notifyClient;
      ctx.setup.add({ name: 'check', usage: 'check [name]', summary: 'run the health checks now (one binding or all)', run: checkCmd });
      ctx.listeners.action<BlockAction<ButtonAction>>(CHECK_BINDING_ACTION, onCheckBinding);
      ctx.listeners.action<BlockAction<ButtonAction>>(RUN_AGAIN_ACTION, onRunAgain);
      ctx.bolt.event('app_home_opened', async ({ event, client }) => {
        if (event.tab !== 'home') return;
        try {
          await publishHome(client, event.user);
        } catch (err) {
          logger.warn({ err, user: event.user }, 'health: could not publish the Home tab');
        }
      });
    },
    async afterListen() {
      if (opts.schedule !== false) {
        task = schedule(config.summary.cron, onCron, {
          timezone: tz,
          name: 'sip-ops-health-summary',
          logger: {
            info: (m) => logger.debug(m),
            warn: (m) => logger.warn(m),
            error: (m, err) => logger.error({ err: err ?? m }, 'node-cron error'),
            debug: (m) => logger.debug({ detail: m }, 'node-cron'),
          },
        });
      }
      await makeUpIfMissed();
    },
    async stop() {
      stopped = true;
      if (task) await task.destroy();
      task = undefined;
    },
    runScheduled,
    runAll,
    checkBinding,
    deliverSummary,
    get startupRun() {
      return startupRun;
    },
    get busy() {
      return fullRun !== undefined;
    },
    configure(o) {
      Object.assign(settings, o);
    },
  };
  registry.set(deps, feature);
  return feature;
}
