/**
 * `/sip-test-call <binding> <number> [timeout]`: an outbound test call through a binding's
 * outbound trunk, reported in one thread with a verdict, measurements and a diagnosis.
 *
 * The listener checks the guards (channel, user, destination, one call per binding, rate
 * limits, EST's 1 call/s per trunk domain) and the binding, acks within Slack's 3 s with an
 * ephemeral line, then runs the call after the ack inside `deps.inflight.track`. The call
 * always ends with the participant removed and the room deleted, also on failure and on
 * shutdown (`inflight.onAbort`). Every call is recorded in the calls table (direction `test`).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { AllMiddlewareArgs, BlockButtonAction, RespondFn, SlackActionMiddlewareArgs, SlackCommandMiddlewareArgs } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import type { AppDeps, Feature, FeatureContext } from '../../app';
import type { Binding } from '../../domain/binding';
import { parseE164 } from '../../domain/e164';
import type { LiveKitFailure } from '../../domain/livekit-failure';
import { describeFailure } from '../../domain/livekit-failure';
import type { DiagnosisContext } from '../../domain/sip-diagnosis';
import {
  answeredVerdict,
  failedVerdict,
  parseTestCallText,
  TEST_CALL_TIMEOUT,
  testRoomName,
  type TestCallArgs,
  type TestCallVerdict,
} from '../../domain/test-call';
import {
  admit,
  checkPermission,
  DEFAULT_RATE_LIMITS,
  emptyGuardState,
  release,
  type RateLimits,
  type Refusal,
  type TestCallPolicy,
} from '../../domain/test-call-guards';
import {
  abortedNote,
  ackText,
  answeredReply,
  badInputText,
  CALL_AGAIN_ACTION,
  cleanupReply,
  decodeAgain,
  dialingMessage,
  dialingReply,
  failedReply,
  fallbackNoticeText,
  hungUpReply,
  internalErrorMessage,
  noOutboundTrunkText,
  refusalText,
  resultMessage,
  unknownBindingText,
  type CallPlan,
} from './messages';
import { CallThread } from './thread';
import { sleep } from '../../sleep';

export const TEST_CALL_COMMAND = '/sip-test-call';

export interface TestCallOptions {
  /** How long an answered call is held before hanging up (default 3 s; tests use ~200 ms). */
  holdMs?: number;
  /** Override rate limits (defaults: 5 calls/user/10 min, 10 calls/binding/10 min, 1 call/s per trunk domain). */
  limits?: Partial<RateLimits>;
}

type CommandArgs = SlackCommandMiddlewareArgs & AllMiddlewareArgs;
type AgainArgs = SlackActionMiddlewareArgs<BlockButtonAction> & AllMiddlewareArgs;

type Prepared = { ok: true; plan: CallPlan } | { ok: false; text: string };

interface RequestInput {
  channelId: string;
  userId: string;
  args: TestCallArgs;
}


export function testCallFeature(deps: AppDeps, opts: TestCallOptions = {}): Feature {
  const { repos, livekit, config, inflight, now } = deps;
  const logger = deps.logger.child({ feature: 'test-call' });
  const holdMs = Math.max(0, opts.holdMs ?? 3000);
  const policy: TestCallPolicy = {
    channelIds: config.testCall.channelIds,
    ...(config.testCall.userIds ? { userIds: config.testCall.userIds } : {}),
    adminUserIds: config.adminUserIds,
    allowedPrefixes: config.testCall.allowedPrefixes,
    limits: { ...DEFAULT_RATE_LIMITS, ...opts.limits },
  };
  let guards = emptyGuardState();
  let client: WebClient | undefined;
  let stopping = false;

  const refuse = (r: Refusal): Prepared => ({ ok: false, text: refusalText(r) });

  /** Guards and binding lookup; on success the call is admitted (counted, slot reserved, binding busy). */
  async function prepare(input: RequestInput): Promise<Prepared> {
    if (stopping || !inflight.accepting) return refuse({ code: 'shutting-down' });
    const denied = checkPermission(policy, input);
    if (denied) return refuse(denied);
    const binding = await repos.bindings.get(input.args.binding);
    if (!binding) {
      const known = (await repos.bindings.list()).map((b) => b.name);
      return { ok: false, text: unknownBindingText(input.args.binding, known) };
    }
    const trunkId = binding.resources.outboundTrunkId;
    if (!trunkId) return { ok: false, text: noOutboundTrunkText(binding.name) };
    // No await from here on: check and reserve in one step.
    const admission = admit(guards, policy, { ...input, binding: binding.name, trunkDomain: binding.trunkDomain, number: input.args.number }, now());
    guards = admission.state;
    if (!admission.ok) return refuse(admission.refusal);
    const suffix = randomBytes(4).toString('hex');
    return {
      ok: true,
      plan: {
        binding: binding.name,
        number: input.args.number,
        timeoutSec: input.args.timeoutSec,
        actor: input.userId,
        channel: input.channelId,
        callerId: binding.callerId,
        trunkDomain: binding.trunkDomain,
        outboundTrunkId: trunkId,
        roomName: testRoomName(binding.name, suffix),
        identity: `sipops-test-${suffix}`,
        holdMs,
        delayMs: admission.delayMs,
      },
    };
  }

  function diagnosisContext(b: Pick<Binding, 'name' | 'trunkDomain' | 'transport' | 'callerId' | 'livekitSipHost'>): DiagnosisContext {
    return { bindingName: b.name, trunkDomain: b.trunkDomain, transport: b.transport, callerId: b.callerId, livekitSipHost: b.livekitSipHost };
  }

  /** Runs one admitted call to the end; never throws. */
  async function runCall(plan: CallPlan, respond: RespondFn | undefined): Promise<void> {
    const log = logger.child({ binding: plan.binding, room: plan.roomName });
    const slack = client;
    const abort = new AbortController();
    let placed = false;
    let cleaned = false;
    const cleanupProblems: string[] = [];

    /** Hang up (if answered) and delete the room; safe to call twice. */
    const cleanup = async (): Promise<boolean> => {
      if (cleaned) return cleanupProblems.length === 0;
      cleaned = true;
      if (placed) {
        const hang = await livekit.removeParticipant(plan.roomName, plan.identity);
        if (!hang.ok && hang.failure.kind !== 'not-found') cleanupProblems.push(`hang-up failed (${describeFailure(hang.failure)})`);
      }
      const del = await livekit.deleteRoom(plan.roomName);
      if (!del.ok && del.failure.kind !== 'not-found') cleanupProblems.push(`deleting room ${plan.roomName} failed (${describeFailure(del.failure)})`);
      if (cleanupProblems.length) log.warn({ problems: cleanupProblems }, 'test call cleanup incomplete');
      return cleanupProblems.length === 0;
    };
    const unhook = inflight.onAbort(async () => {
      log.warn('shutdown: ending the test call early');
      abort.abort();
      cleaned = false; // always try once more on shutdown, even mid-call
      await cleanup();
    });

    const thread = slack ? new CallThread(slack, log, plan.channel, respond) : undefined;
    try {
      await thread?.start(dialingMessage(plan), (err) => fallbackNoticeText(plan, err));
      await sleep(plan.delayMs, { signal: abort.signal });

      const binding = await repos.bindings.get(plan.binding);
      const ctx = diagnosisContext(binding ?? { name: plan.binding, trunkDomain: plan.trunkDomain, transport: 'udp', callerId: plan.callerId, livekitSipHost: '' });
      const startedAt = now();
      const t0 = performance.now();
      thread?.reply(dialingReply(plan));

      let verdict: TestCallVerdict;
      let answeredAt: Date | undefined;
      const result = abort.signal.aborted
        ? ({ ok: false, failure: { kind: 'server', message: 'SIP Ops was shutting down before dialing' } } as const)
        : await livekit.placeCall({
            outboundTrunkId: plan.outboundTrunkId,
            to: plan.number,
            from: plan.callerId,
            roomName: plan.roomName,
            participantIdentity: plan.identity,
            participantName: 'SIP Ops test call',
            ringingTimeoutSec: plan.timeoutSec,
            // LiveKit ends the call by itself even if SIP Ops dies while holding it.
            maxCallDurationSec: Math.ceil(holdMs / 1000) + 30,
            waitUntilAnswered: true,
            participantAttributes: { 'sipops.kind': 'test-call', 'sipops.binding': plan.binding, 'sipops.actor': plan.actor },
          });

      if (result.ok) {
        placed = true;
        answeredAt = now();
        const setupMs = performance.now() - t0;
        thread?.reply(answeredReply(plan, setupMs));
        const holdStart = performance.now();
        await sleep(holdMs, { signal: abort.signal });
        const heldMs = performance.now() - holdStart;
        const ok = await cleanup();
        verdict = answeredVerdict({ setupMs, totalMs: performance.now() - t0 });
        thread?.reply(hungUpReply(plan, heldMs, ok));
      } else {
        const failure: LiveKitFailure = result.failure;
        verdict = failedVerdict(failure, { timeoutSec: plan.timeoutSec, ctx, totalMs: performance.now() - t0 });
        thread?.reply(failedReply(verdict));
        await cleanup();
      }
      if (cleanupProblems.length) thread?.reply(cleanupReply(plan, cleanupProblems));

      const notes: string[] = [];
      if (abort.signal.aborted) notes.push(abortedNote());
      if (cleanupProblems.length) notes.push(cleanupReply(plan, cleanupProblems));
      const endedAt = now();
      try {
        await repos.calls.insert({
          id: randomUUID(),
          direction: 'test',
          bindingName: plan.binding,
          roomName: plan.roomName,
          caller: plan.callerId,
          callee: plan.number,
          actor: plan.actor,
          startedAt: startedAt.toISOString(),
          answeredAt: answeredAt ? answeredAt.toISOString() : null,
          endedAt: endedAt.toISOString(),
          sipStatus: verdict.sipStatus,
          outcome: verdict.outcome,
          endReason: abort.signal.aborted ? 'shutdown' : verdict.outcome === 'answered' ? 'hung-up-by-sip-ops' : verdict.summary,
          setupMs: verdict.setupMs === null ? null : Math.round(verdict.setupMs),
          durationMs: Math.round(verdict.totalMs),
          slackChannel: thread?.posted?.channel ?? plan.channel,
          slackTs: thread?.posted?.ts ?? null,
          detail: {
            summary: verdict.summary,
            timeoutSec: plan.timeoutSec,
            controlPlane: verdict.controlPlane,
            ...(verdict.diagnosis ? { diagnosis: verdict.diagnosis.headline, severity: verdict.diagnosis.severity } : {}),
            ...(verdict.failure ? { failureKind: verdict.failure.kind, failure: verdict.failure.message } : {}),
            ...(thread?.fallback ? { slackFallback: thread.fallback } : {}),
            ...(cleanupProblems.length ? { cleanupProblems } : {}),
          },
        });
      } catch (err) {
        log.error({ err }, 'could not record the test call');
      }
      log.info({ outcome: verdict.outcome, sipStatus: verdict.sipStatus, setupMs: verdict.setupMs, totalMs: verdict.totalMs }, 'test call finished');
      await thread?.finish(resultMessage(plan, verdict, notes));
    } catch (err) {
      log.error({ err }, 'test call failed unexpectedly');
      await cleanup().catch(() => false);
      await thread?.finish(internalErrorMessage(plan)).catch(() => undefined);
    } finally {
      unhook();
      guards = release(guards, plan.binding);
    }
  }

  function start(plan: CallPlan, respond: RespondFn | undefined): void {
    void inflight.track(`test-call:${plan.binding}:${plan.roomName}`, runCall(plan, respond));
  }

  async function onCommand({ command, ack, respond }: CommandArgs): Promise<void> {
    const who = { channelId: command.channel_id, userId: command.user_id };
    const denied = stopping || !inflight.accepting ? ({ code: 'shutting-down' } as const) : checkPermission(policy, who);
    if (denied) {
      await ack({ response_type: 'ephemeral', text: refusalText(denied) });
      return;
    }
    const parsed = parseTestCallText(command.text ?? '');
    if (!parsed.ok) {
      await ack({ response_type: 'ephemeral', text: badInputText(parsed.error) });
      return;
    }
    let prepared: Prepared;
    try {
      prepared = await prepare({ ...who, args: parsed.value });
    } catch (err) {
      logger.error({ err }, 'test call: preparing failed');
      await ack({ response_type: 'ephemeral', text: '⚠️ SIP Ops could not start the test call (internal error). Try again in a moment.' });
      return;
    }
    if (!prepared.ok) {
      await ack({ response_type: 'ephemeral', text: prepared.text });
      return;
    }
    await ack({ response_type: 'ephemeral', text: ackText(prepared.plan) });
    start(prepared.plan, respond);
  }

  async function onCallAgain({ ack, body, action, respond }: AgainArgs): Promise<void> {
    await ack();
    const tell = async (text: string): Promise<void> => {
      try {
        await respond({ response_type: 'ephemeral', replace_original: false, text });
      } catch (err) {
        logger.warn({ err }, 'test call: could not answer the button click');
      }
    };
    const channelId = body.channel?.id ?? body.container?.channel_id ?? '';
    const userId = body.user.id;
    const value = decodeAgain(action.value);
    const number = value ? parseE164(value.n) : undefined;
    const { minSec, maxSec } = TEST_CALL_TIMEOUT;
    if (!value || !number?.ok || value.t < minSec || value.t > maxSec) {
      await tell('⚠️ This button is from an older version of SIP Ops. Run `/sip-test-call <binding> <number>` again.');
      return;
    }
    let prepared: Prepared;
    try {
      prepared = await prepare({ channelId, userId, args: { binding: value.b.toLowerCase(), number: number.value, timeoutSec: value.t } });
    } catch (err) {
      logger.error({ err }, 'test call: preparing failed');
      await tell('⚠️ SIP Ops could not start the test call (internal error). Try again in a moment.');
      return;
    }
    if (!prepared.ok) {
      await tell(prepared.text);
      return;
    }
    start(prepared.plan, respond);
  }

  return {
    name: 'test-call',
    register(ctx: FeatureContext) {
      client = ctx.bolt.client;
      ctx.listeners.command(TEST_CALL_COMMAND, onCommand);
      ctx.listeners.action<BlockButtonAction>(CALL_AGAIN_ACTION, onCallAgain);
    },
    async stop() {
      stopping = true;
    },
  };
}
