/**
 * Posting health runs to Slack channels: the summary of a run in the summary channel with its
 * thread of per-binding details (paced, cut short by shutdown), once per run; and the transition
 * alerts in each binding's report channel (folded into one message when a channel gets many).
 */
import type { Logger } from 'pino';
import type { StatusTransition } from '../../domain/health-summary';
import type { MessageHandle, PacedNotifier } from '../../slack/paced-notifier';
import type { AppDeps } from '../feature';
import {
  alertDigest,
  alertMessage,
  summaryMessage,
  THREAD_MAX_BINDINGS,
  threadReplies,
  type SlackMessage,
} from './messages';
import type { HealthRun } from './runner';

/** Alerts per report channel before they are folded into one message. */
const ALERTS_PER_CHANNEL = 3;
/** Deliveries and alerts remembered per run ID (a later ask for the same run gets the same promise). */
const REMEMBERED = 20;

export interface DeliveryDeps {
  deps: Pick<AppDeps, 'repos' | 'config' | 'inflight'>;
  logger: Logger;
  /** The app's shared paced notifier (undefined until the feature is registered); it paces the thread replies. */
  notifier(): PacedNotifier | undefined;
  /** True once the feature is stopping. */
  stopped(): boolean;
  /** Bindings with problems detailed in the thread (default 40). */
  threadMaxBindings?: number;
  /** After the summary and its thread: the trend chart into the thread (never throws). */
  summaryChart?: (parent: SummaryParent) => Promise<void>;
}

/** The posted summary a chart goes under (its thread). */
export interface SummaryParent {
  channel: string;
  ts: string;
}

/** The summary message of a run: details in its thread, or pointing at the command's reply. */
export function summaryOf(
  run: HealthRun,
  timeZone: string,
  details: 'thread' | 'command',
  requestedBy: string | undefined,
): SlackMessage {
  return summaryMessage({
    report: run.report,
    diff: run.diff,
    firstRun: run.firstRun,
    trigger: run.trigger,
    startedAt: run.startedAt,
    wallMs: run.wallMs,
    timeZone,
    details,
    runId: run.id,
    ...(requestedBy ? { requestedBy } : {}),
  });
}

function idOf(b: { id: string } | undefined): { bindingId?: string } {
  return b ? { bindingId: b.id } : {};
}

function remember(map: Map<string, Promise<void>>, id: string, p: Promise<void>): Promise<void> {
  map.set(id, p);
  while (map.size > REMEMBERED) map.delete(map.keys().next().value as string);
  return p;
}

export class HealthDelivery {
  private readonly deliveries = new Map<string, Promise<void>>();
  private readonly alerts = new Map<string, Promise<void>>();
  private readonly tz: string;

  constructor(private readonly d: DeliveryDeps) {
    this.tz = d.deps.config.summary.timezone;
  }

  /** Posts the summary of `run` and its thread once (later calls return the same delivery). */
  deliverSummary(run: HealthRun, o: { channel?: string; requestedBy?: string } = {}): Promise<void> {
    const existing = this.deliveries.get(run.id);
    if (existing) return existing;
    const work = this.postSummary(run, o).catch((err: unknown) =>
      this.d.logger.error({ err, runId: run.id }, 'health: posting the summary failed'),
    );
    return remember(this.deliveries, run.id, this.d.deps.inflight.track(`health:summary:${run.id}`, work));
  }

  /** Starts the alerts of a run's transitions, if it has any. */
  alertTransitions(run: HealthRun): void {
    if (run.transitions.length)
      remember(this.alerts, run.id, this.d.deps.inflight.track(`health:alerts:${run.id}`, this.sendAlerts(run)));
  }

  /** Settles when the alerts of `runId` were sent (at once when it had none). */
  alertsOf(runId: string): Promise<void> {
    return this.alerts.get(runId) ?? Promise.resolve();
  }

  private async postSummary(run: HealthRun, o: { channel?: string; requestedBy?: string }): Promise<void> {
    const { logger } = this.d;
    const channel = o.channel ?? this.d.deps.config.summary.channel;
    if (!channel) {
      logger.info({ runId: run.id }, 'SUMMARY_CHANNEL is not set: the health summary is not posted');
      return;
    }
    const parent = await this.post(channel, summaryOf(run, this.tz, 'thread', o.requestedBy));
    if (!parent) return;
    const replies = threadReplies(run.report, this.d.threadMaxBindings ?? THREAD_MAX_BINDINGS);
    for (const [i, reply] of replies.entries()) {
      if (this.d.stopped()) {
        logger.warn({ runId: run.id, left: replies.length - i }, 'health: summary thread cut short by shutdown');
        return;
      }
      await this.post(parent.channel, reply, parent);
    }
    if (!this.d.summaryChart || this.d.stopped()) return;
    const ts = await parent.posted;
    if (ts) await this.d.summaryChart({ channel: parent.channel, ts });
  }

  private async sendAlerts(run: HealthRun): Promise<void> {
    try {
      const bindings = new Map((await this.d.deps.repos.bindings.list()).map((b) => [b.name, b]));
      const byChannel = new Map<string, StatusTransition[]>();
      for (const t of run.transitions) {
        const channel = bindings.get(t.binding)?.reportChannel;
        if (!channel) continue;
        byChannel.set(channel, [...(byChannel.get(channel) ?? []), t]);
      }
      const reports = new Map(run.report.bindings.map((b) => [b.name, b]));
      const o = { trigger: run.trigger, at: run.finishedAt, timeZone: this.tz };
      for (const [channel, ts] of byChannel) {
        if (ts.length <= ALERTS_PER_CHANNEL) {
          for (const t of ts)
            await this.post(
              channel,
              alertMessage(t, reports.get(t.binding), { ...o, ...idOf(bindings.get(t.binding)) }),
            );
        } else {
          await this.post(channel, alertDigest(ts, o));
        }
      }
    } catch (err) {
      this.d.logger.error({ err, runId: run.id }, 'health: sending transition alerts failed');
    }
  }

  /**
   * One message (a reply when `parent` is given) through the shared notifier, which paces the channel and
   * retries rate-limited and transient failures. Resolves once posted; never throws.
   */
  private async post(channel: string, msg: SlackMessage, parent?: MessageHandle): Promise<MessageHandle | undefined> {
    const notifier = this.d.notifier();
    if (!notifier) return undefined;
    const handle = parent ? notifier.reply(parent, msg, { merge: false }) : notifier.post(channel, msg);
    if (await handle.posted) return handle;
    this.d.logger.warn({ channel }, 'health: could not post to Slack (is the bot in the channel?)');
    return undefined;
  }
}
