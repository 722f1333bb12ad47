/**
 * Inbound call reporting: LiveKit webhooks → one Slack thread per call, its parent kept live.
 *
 * The wiring of: the intake (intake.ts: accept, de-duplicate with dedupe.ts, queue per room with
 * room-queue.ts, replay after a crash), the room sessions (sessions.ts: restore from the stored
 * detail of `domain/inbound-record.ts`, eviction), the events of a room through the pure reducer
 * of `domain/inbound-call.ts` (call-events.ts), the call's Slack thread (call-thread.ts: open,
 * sync, confirmed replies; compact threads hold the replies back to one at hang-up), repeated
 * short calls folded into a note (noise-notes.ts), traffic no binding owns (unbound-report.ts),
 * the call records (call-records.ts) and the agent watchdog and eviction timers (watchdog.ts).
 * Slack traffic goes through the app's shared `PacedNotifier` (≤ 1 call per channel per pace interval).
 */
import { DEFAULT_NOISE_POLICY, type NoisePolicy } from '../../domain/inbound-noise';
import type { PacedNotifier } from '../../slack/paced-notifier';
import { leaseRowKey } from '../../store/coordination';
import type { AppDeps, Feature, FeatureContext } from '../feature';
import type { LoopbackClaims } from '../loopback-claims';
import { CallEvents } from './call-events';
import { CallRecords } from './call-records';
import { CallThread } from './call-thread';
import type { FeatureTimers, InboundContext, InboundSettings } from './context';
import { WebhookDedupe } from './dedupe';
import { Intake } from './intake';
import { NoiseNotes } from './noise-notes';
import { RoomOwners } from './room-owners';
import { KeyedSerialQueue } from './room-queue';
import { RoomSessions } from './sessions';
import { UnboundReport } from './unbound-report';
import { RoomTimers } from './watchdog';

export type { FeatureTimers };

export interface InboundOptions {
  /** Test knob: sets the pace of the app's shared notifier (minimum time between two Slack calls to one channel; default 1100 ms). */
  paceIntervalMs?: number;
  /** Agent watchdog timeout (default AGENT_JOIN_TIMEOUT_SEC). */
  agentTimeoutMs?: number;
  /** Noise detection thresholds (default: < 5 s, ≥ 3 calls within 10 min). */
  noise?: Partial<NoisePolicy>;
  /** A noise note collects folded calls for this long before a new note starts (default: the noise window). */
  noiseNotePeriodMs?: number;
  /** Timers for the watchdog, holds and clean-up (default: global timers, unref'd). */
  timers?: FeatureTimers;
  /** How long an ended room stays in memory for late events (default 10 min). */
  retainEndedMs?: number;
  /** Bound on the live dispatch-rule check of the watchdog warning (default 1500 ms). */
  ruleCheckMs?: number;
  /** Running loopback test calls: a leg one of them claims is not a customer call (shared with the test-call feature). */
  loopbacks?: LoopbackClaims;
  /** How long seen webhook event IDs are kept (default 7 days). */
  webhookRetentionMs?: number;
  /** How the thread fills (default INBOUND_THREAD): see `Config.inboundThread`. */
  threadMode?: 'compact' | 'live';
  /**
   * Compact threads: how long after the caller joined the parent waits for the binding's agent, so
   * one post says both (default 1500 ms; it goes at once when the agent joins or the call ends).
   */
  openingWindowMs?: number;
}

function inboundSettings(config: AppDeps['config'], opts: InboundOptions): InboundSettings {
  const noisePolicy: NoisePolicy = { ...DEFAULT_NOISE_POLICY, ...opts.noise };
  return {
    agentTimeoutMs: opts.agentTimeoutMs ?? config.agentJoinTimeoutSec * 1000,
    noisePolicy,
    notePeriodMs: opts.noiseNotePeriodMs ?? noisePolicy.windowMs,
    retainEndedMs: opts.retainEndedMs ?? 10 * 60_000,
    ruleCheckMs: opts.ruleCheckMs ?? 1500,
    webhookRetentionMs: opts.webhookRetentionMs ?? 7 * 86_400_000,
    threadMode: opts.threadMode ?? config.inboundThread,
    openingWindowMs: opts.openingWindowMs ?? 1500,
  };
}

export function inboundFeature(deps: AppDeps, opts: InboundOptions = {}): Feature {
  const logger = deps.logger.child({ feature: 'inbound' });
  let notifier: PacedNotifier | undefined;
  let stopped = false;
  let notifierClosed = false;
  const ctx: InboundContext = {
    deps,
    logger,
    timers: opts.timers ?? deps.clock,
    settings: inboundSettings(deps.config, opts),
    queue: new KeyedSerialQueue((err, room) => logger.error({ err, room }, 'processing a LiveKit webhook failed')),
    slack: () => {
      if (!notifier) throw new Error('inbound feature used before register()');
      return notifier;
    },
    nowMs: () => deps.now().getTime(),
    stopped: () => stopped,
    notifierClosed: () => notifierClosed,
  };
  const records = new CallRecords(ctx);
  const thread = new CallThread(ctx, records);
  const sessions = new RoomSessions(ctx, (cs, view) => thread.open(cs, view));
  const parts = {
    sessions,
    thread,
    records,
    noise: new NoiseNotes(ctx),
    unbound: new UnboundReport(ctx),
    timers: (): RoomTimers => roomTimers,
    loopbacks: opts.loopbacks,
  };
  const events: CallEvents = new CallEvents(ctx, parts);
  const roomTimers: RoomTimers = new RoomTimers(ctx, sessions, (ev) => events.process(ev));
  const webhookEvents = deps.repos.webhookEvents;
  // Replicas (PostgreSQL): one owner per room applies its events (room-owners.ts).
  const owners = deps.repos.coordination.shared
    ? new RoomOwners({
        leases: deps.repos.coordination.leases,
        events: webhookEvents,
        enqueue: (row) => intake.enqueueStored(row),
        active: (room) => sessions.hasRoom(room) || ctx.queue.has(room),
        onError: (err) => logger.warn({ err }, 'inbound: room ownership across replicas failed; trying again'),
        onLost: (rooms) =>
          logger.warn(
            { rooms },
            'inbound: another replica took rooms this one held (lease renewals came too late: an overloaded process or database); it applies their events from now on',
          ),
      })
    : undefined;
  // Replicas: storing a batch of events also takes their rooms' leases for this replica (one statement).
  const dedupe = new WebhookDedupe(webhookEvents, deps.now, {
    onWriteError: (err) => logger.warn({ err }, 'recording webhook event IDs failed'),
    withEarlier: owners !== undefined,
    ...(owners
      ? {
          claimRooms: { keyPrefix: leaseRowKey(RoomOwners.leaseKey('')), holder: owners.holder, ttlMs: owners.leaseMs },
        }
      : {}),
  });
  const intake: Intake = new Intake(ctx, webhookEvents, dedupe, (ev) => events.process(ev), owners);
  let pruneTimer: NodeJS.Timeout | undefined;

  return {
    name: 'inbound',
    register(fctx: FeatureContext) {
      notifier = fctx.notifier;
      if (opts.paceIntervalMs !== undefined) notifier.pace(opts.paceIntervalMs);
      fctx.addWebhookSink({ accept: (event) => intake.accept(event) });
      registerOldestWebhookGauge(deps);
    },
    async start() {
      await resumeIntake(intake, dedupe, owners, logger);
      pruneTimer = setInterval(() => void intake.pruneIds(), 3600_000);
      pruneTimer.unref();
    },
    async stop() {
      stopped = true;
      owners?.stop();
      if (pruneTimer) clearInterval(pruneTimer);
      for (const s of sessions.all()) roomTimers.clear(s);
      drainAtStop(ctx, {
        notifier,
        drained: async () => {
          await dedupe.flush();
          await ctx.queue.idle();
          for (const s of sessions.all()) roomTimers.clear(s);
        },
        onClose: () => (notifierClosed = true),
      });
    },
  };
}

/** At start: old IDs pruned, recent ones loaded, and the events taken in but not processed taken up again. */
async function resumeIntake(
  intake: Intake,
  dedupe: WebhookDedupe,
  owners: RoomOwners | undefined,
  logger: InboundContext['logger'],
): Promise<void> {
  await intake.pruneIds();
  const n = await dedupe.preload();
  if (n) logger.debug({ ids: n }, 'webhook event IDs of the last day loaded for de-duplication');
  // Replicas: the owners take the rooms whose stored events nobody processes, as replays.
  if (owners) return owners.start();
  const replayed = await intake.replayUnprocessed();
  if (replayed)
    logger.warn({ events: replayed }, 'replaying LiveKit webhook events taken in before a stop but not processed');
}

/** Finish what was accepted and deliver what is queued, within the app's drain bound; drop the rest when it runs out. */
function drainAtStop(
  ctx: InboundContext,
  parts: { notifier: PacedNotifier | undefined; drained: () => Promise<void>; onClose: () => void },
): void {
  const { deps, logger } = ctx;
  const n = parts.notifier;
  void deps.inflight.track(
    'inbound:drain',
    (async () => {
      await parts.drained();
      await n?.idle();
    })().catch((err: unknown) => logger.warn({ err }, 'inbound: draining at shutdown failed')),
  );
  deps.inflight.onAbort(() => {
    parts.onClose();
    const dropped = n?.close() ?? 0;
    if (dropped) logger.warn({ dropped }, 'shutdown: Slack updates of inbound calls were dropped');
  });
}

/** Shared state: every replica reports the same age, read from the database at scrape time. */
function registerOldestWebhookGauge(deps: AppDeps): void {
  deps.metrics.storedGauge({
    name: 'sipops_webhook_oldest_unprocessed_age_seconds',
    help: 'Age of the oldest LiveKit webhook event taken in but not processed yet (0 when none waits)',
    labelNames: [],
    read: async () => {
      const at = await deps.repos.webhookEvents.oldestUnprocessedAt();
      const age = at === undefined ? 0 : Math.max(0, (deps.now().getTime() - Date.parse(at)) / 1000);
      return [{ labels: {}, value: age }];
    },
  });
}
