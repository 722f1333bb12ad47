/** What the inbound modules share: dependencies, settings, the room queue and the Slack notifier. */
import type { Logger } from 'pino';
import type { Clock } from '../../clock';
import type { NoisePolicy } from '../../domain/inbound-noise';
import type { PacedNotifier } from '../../slack/paced-notifier';
import type { AppDeps } from '../feature';
import type { KeyedSerialQueue } from './room-queue';

/** The timers of the app's `Clock`. */
export type FeatureTimers = Pick<Clock, 'setTimeout' | 'clearTimeout'>;

/** The options of `InboundOptions` with their defaults applied. */
export interface InboundSettings {
  agentTimeoutMs: number;
  noisePolicy: NoisePolicy;
  notePeriodMs: number;
  retainEndedMs: number;
  ruleCheckMs: number;
  webhookRetentionMs: number;
  threadMode: 'compact' | 'live';
  openingWindowMs: number;
}

export interface InboundContext {
  deps: Pick<AppDeps, 'repos' | 'config' | 'inflight' | 'livekit' | 'metrics'>;
  logger: Logger;
  timers: FeatureTimers;
  settings: InboundSettings;
  /** Per room, one task at a time. */
  queue: KeyedSerialQueue;
  /** The paced notifier (throws before `register()`). */
  slack(): PacedNotifier;
  nowMs(): number;
  /** True once the feature is stopping: no new timers. */
  stopped(): boolean;
  /** True once the notifier dropped what was queued (shutdown ran out of time). */
  notifierClosed(): boolean;
}

export function isoAt(ctx: Pick<InboundContext, 'nowMs'>, ms: number | undefined): string {
  return new Date(ms ?? ctx.nowMs()).toISOString();
}

/**
 * Tracks the Slack delivery of what was just queued (until the notifier is idle), so the app's
 * in-flight work covers it: a drain or a test waiting for no work in flight also waits for Slack.
 * `onDelivered` runs once delivered, unless the notifier was closed meanwhile.
 */
export function trackDelivery(
  ctx: Pick<InboundContext, 'deps' | 'slack' | 'notifierClosed'>,
  onDelivered?: () => void,
): void {
  void ctx.deps.inflight.track(
    'inbound:slack-delivery',
    ctx
      .slack()
      .idle()
      .then(() => {
        if (!ctx.notifierClosed()) onDelivered?.();
      }),
  );
}
