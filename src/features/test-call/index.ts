/**
 * `/sip-test-call <binding> <number> [timeout]`: an outbound test call through a binding's
 * outbound trunk, reported in one thread with a verdict, measurements and a diagnosis.
 *
 * The wiring of: the command (command.ts: parse, guard, ack within Slack's 3 s), the guards and
 * the call plan (admission.ts), running the call after the ack inside `deps.inflight.track`
 * (run-call.ts, cleanup.ts, with the record built by domain/test-call-record.ts), its Slack
 * thread (thread.ts) and the result's buttons (buttons.ts).
 */
import type { RespondFn } from '@slack/bolt';
import { DEFAULT_RATE_LIMITS, type RateLimits, type TestCallPolicy } from '../../domain/test-call-guards';
import type { PacedNotifier } from '../../slack/paced-notifier';
import type { AppDeps, Feature, FeatureContext } from '../feature';
import { LoopbackClaims } from '../loopback-claims';
import { TestCallAdmission } from './admission';
import { CALL_AGAIN_ACTION, callAgainHandler } from './buttons';
import { commandHandler, TEST_CALL_COMMAND } from './command';
import { LOOPBACK_ACTION } from './loopback-button';
import { loopbackSetupSubcommand, runDailyLoopbacks } from './loopback-daily';
import { sinchLoopbackEvidence } from './loopback-est';
import { loopbackPressHandler } from './loopback-press';
import type { CallPlan } from './messages';
import { runCall } from './run-call';
import { runLoopback, type LoopbackEstEvidence } from './run-loopback';

export { TEST_CALL_COMMAND };

export interface TestCallOptions {
  /** How long an answered call is held before hanging up (default 3 s; tests use ~200 ms). */
  holdMs?: number;
  /** Override rate limits (defaults: 5 calls/user/10 min, 10 calls/binding/10 min, 1 call/s per trunk domain). */
  limits?: Partial<RateLimits>;
  /** Shared with the inbound feature, so a loopback's inbound leg is not reported as a customer call. */
  loopbacks?: LoopbackClaims;
  /** After a loopback is answered, how long to wait for every audio track (default 5 s). */
  loopbackTracksWaitMs?: number;
  /** After an answer without an inbound leg, how long its webhook may still be on its way (default 3 s). */
  loopbackInboundGraceMs?: number;
  /** EST's side of a loopback that did not come back (default: read through `deps.sinch` when the Sinch side is managed). */
  loopbackEst?: LoopbackEstEvidence;
}

function testCallPolicy(config: AppDeps['config'], limits: Partial<RateLimits> | undefined): TestCallPolicy {
  return {
    channelIds: config.testCall.channelIds,
    ...(config.testCall.userIds ? { userIds: config.testCall.userIds } : {}),
    adminUserIds: config.adminUserIds,
    allowedPrefixes: config.testCall.allowedPrefixes,
    limits: { ...DEFAULT_RATE_LIMITS, ...limits },
  };
}

export interface TestCallFeature extends Feature {
  /** The loopbacks of bindings with "Loopback in the daily health run" on (the health feature runs this before its scheduled run). */
  runDailyLoopbacks(): Promise<void>;
}

export function testCallFeature(deps: AppDeps, opts: TestCallOptions = {}): TestCallFeature {
  const logger = deps.logger.child({ feature: 'test-call' });
  const holdMs = Math.max(0, opts.holdMs ?? 3000);
  const admission = new TestCallAdmission({ ...deps, logger }, testCallPolicy(deps.config, opts.limits), holdMs);
  let notifier: PacedNotifier | undefined;
  const runDeps = { ...deps, logger, notifier: () => notifier };
  const claims = opts.loopbacks ?? new LoopbackClaims(() => deps.now().getTime());
  const loopDeps = {
    ...runDeps,
    claims,
    tracksWaitMs: opts.loopbackTracksWaitMs ?? 5000,
    inboundGraceMs: opts.loopbackInboundGraceMs ?? 3000,
    // When the Sinch side is managed, a loop that did not come back cites EST's configuration and call record.
    est: opts.loopbackEst ?? (deps.sinch ? sinchLoopbackEvidence(deps.sinch, deps.now) : undefined),
  };

  function start(plan: CallPlan, respond: RespondFn | undefined): Promise<void> {
    const run = (plan.loopback ? runLoopback(loopDeps, plan, respond) : runCall(runDeps, plan, respond)).finally(() =>
      admission.release(plan),
    );
    return deps.inflight.track(`test-call:${plan.binding}:${plan.roomName}`, run);
  }

  return {
    name: 'test-call',
    register(ctx: FeatureContext) {
      notifier = ctx.notifier;
      ctx.listeners.command(TEST_CALL_COMMAND, commandHandler(admission, start));
      ctx.setup.add(loopbackSetupSubcommand(deps));
      ctx.listeners.action(
        CALL_AGAIN_ACTION,
        callAgainHandler(admission, { ...deps.repos, now: deps.now, logger }, start),
      );
      ctx.listeners.action(
        LOOPBACK_ACTION,
        loopbackPressHandler(admission, { presses: deps.repos.presses, now: deps.now, logger }, start),
      );
      // Loopbacks follow their legs through LiveKit's webhooks (and claim their inbound leg).
      ctx.addWebhookSink({
        accept: async (event) => {
          claims.observe(event);
          return 'accepted';
        },
      });
    },
    async stop() {
      admission.stop();
    },
    runDailyLoopbacks: () => runDailyLoopbacks(deps, admission, (plan) => start(plan, undefined), logger),
  };
}
