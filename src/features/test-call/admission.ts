import type { RespondFn } from '@slack/bolt';
import type { Logger } from 'pino';
import type { Binding } from '../../domain/binding';
import { loopbackCallerIdProblem, loopbackDid, type LoopbackArgs } from '../../domain/loopback';
import { TEST_CALL_TIMEOUT, testRoomName, type TestCallArgs } from '../../domain/test-call';
import { checkPermission, type Refusal, type TestCallPolicy } from '../../domain/test-call-guards';
import { escapeMrkdwn } from '../../slack/mrkdwn';
import type { AppDeps } from '../feature';
import { noOutboundTrunkText, refusalText, startFailedText, unknownBindingText, type CallPlan } from './messages';

export type Prepared = { ok: true; plan: CallPlan } | { ok: false; text: string };

export interface RequestInput {
  channelId: string;
  userId: string;
  args: TestCallArgs;
  /** Set by a button: the binding must still be this one (not deleted and re-created meanwhile). */
  bindingId?: string;
}

export interface LoopbackInput {
  channelId: string;
  userId: string;
  args: LoopbackArgs;
  bindingId?: string;
}

/** Runs an admitted call after Slack was acknowledged; `respond` is the fallback when the bot cannot post. */
export type StartCall = (plan: CallPlan, respond: RespondFn | undefined) => void;

const refuse = (r: Refusal): Prepared => ({ ok: false, text: refusalText(r) });

/** Beyond ringing and holding, how long a call may take (placing, cleanup) before its in-flight lease expires. */
const LEASE_MARGIN_MS = 60_000;

/**
 * Whether a test call may start now: the guards (channel, user, destination, one call per
 * binding, rate limits, EST's 1 call/s per trunk domain) and the binding lookup. The guard state
 * is in the database (`repos.testCallGuards`), so it survives restarts; an admitted call keeps its
 * binding busy until `release` or, when its process dies, until its lease expires.
 */
export class TestCallAdmission {
  private stopping = false;

  constructor(
    private readonly deps: Pick<AppDeps, 'repos' | 'inflight' | 'now'> & { logger: Logger },
    private readonly policy: TestCallPolicy,
    private readonly holdMs: number,
  ) {}

  /** Shutdown has begun: refuse every new call. */
  stop(): void {
    this.stopping = true;
  }

  /** The checks that need no lookup: shutdown, channel and user. */
  precheck(who: { channelId: string; userId: string }): Refusal | undefined {
    if (this.stopping || !this.deps.inflight.accepting) return { code: 'shutting-down' };
    return checkPermission(this.policy, who);
  }

  /** Guards and binding lookup; on success the call is admitted (counted, slot reserved, binding busy). */
  async prepare(input: RequestInput): Promise<Prepared> {
    const denied = this.precheck(input);
    if (denied) return refuse(denied);
    const binding = await this.deps.repos.bindings.get(input.args.binding);
    if (binding && input.bindingId !== undefined && binding.id !== input.bindingId) {
      return {
        ok: false,
        text: `⚠️ The binding \`${binding.name}\` was deleted and created again since this button was shown. Nothing was dialed.`,
      };
    }
    if (!binding) {
      const known = (await this.deps.repos.bindings.list()).map((b) => b.name);
      return { ok: false, text: unknownBindingText(input.args.binding, known) };
    }
    const trunkId = binding.resources.outboundTrunkId;
    if (!trunkId) return { ok: false, text: noOutboundTrunkText(binding.name) };
    // Check and reserve in one database transaction.
    const request = { ...input, binding: binding.name, trunkDomain: binding.trunkDomain, number: input.args.number };
    const { admission, callId } = await this.deps.repos.testCallGuards.admit(
      this.policy,
      request,
      this.deps.now(),
      this.leaseMs(),
    );
    if (!admission.ok) return refuse(admission.refusal);
    return { ok: true, plan: this.plan(input, binding, trunkId, admission.delayMs, callId!) };
  }

  /**
   * A loopback: the same guards as a test call (the destination is the DID, through the same database
   * admission), and the DID must be the binding's own and its caller ID an E.164 number it owns.
   */
  async prepareLoopback(input: LoopbackInput): Promise<Prepared> {
    try {
      const denied = this.precheck(input);
      if (denied) return refuse(denied);
      const binding = await this.deps.repos.bindings.get(input.args.binding);
      if (!binding || (input.bindingId !== undefined && binding.id !== input.bindingId))
        return this.prepare({
          ...input,
          args: { binding: input.args.binding, number: input.args.did ?? '', timeoutSec: TEST_CALL_TIMEOUT.defaultSec },
        });
      const did = loopbackDid(binding, input.args.did);
      if (!did.ok) return { ok: false, text: `🚫 ${escapeMrkdwn(did.error)}` };
      const callerProblem = loopbackCallerIdProblem(binding);
      if (callerProblem) return { ok: false, text: `🚫 ${escapeMrkdwn(callerProblem)}` };
      const prepared = await this.prepare({
        ...input,
        args: { binding: binding.name, number: did.did, timeoutSec: TEST_CALL_TIMEOUT.defaultSec },
      });
      return prepared.ok
        ? {
            ok: true,
            plan: {
              ...prepared.plan,
              loopback: true,
              roomName: prepared.plan.roomName.replace(/^sipops-test-/, 'sipops-loop-'),
            },
          }
        : prepared;
    } catch (err) {
      this.deps.logger.error({ err }, 'loopback: preparing failed');
      return { ok: false, text: startFailedText() };
    }
  }

  /** `prepare`, with an unexpected error (e.g. the database) logged and explained instead of thrown. */
  async prepareSafely(input: RequestInput): Promise<Prepared> {
    try {
      return await this.prepare(input);
    } catch (err) {
      this.deps.logger.error({ err }, 'test call: preparing failed');
      return { ok: false, text: startFailedText() };
    }
  }

  /** The call has ended: its binding may carry the next one. */
  async release(plan: Pick<CallPlan, 'binding' | 'callId'>): Promise<void> {
    try {
      await this.deps.repos.testCallGuards.release(plan.binding, plan.callId);
    } catch (err) {
      this.deps.logger.error(
        { err, binding: plan.binding },
        'test call: could not release the binding; its lease frees it',
      );
    }
  }

  /** The longest a call can keep its binding: ringing, holding and a margin for placing and cleanup. */
  private leaseMs(): number {
    return TEST_CALL_TIMEOUT.maxSec * 1000 + this.holdMs + LEASE_MARGIN_MS;
  }

  private plan(
    input: RequestInput,
    binding: Binding,
    outboundTrunkId: string,
    delayMs: number,
    callId: string,
  ): CallPlan {
    const suffix = callId.replace(/-/g, '').slice(0, 8);
    return {
      callId,
      bindingId: binding.id,
      binding: binding.name,
      number: input.args.number,
      timeoutSec: input.args.timeoutSec,
      actor: input.userId,
      channel: input.channelId,
      callerId: binding.callerId,
      trunkDomain: binding.trunkDomain,
      outboundTrunkId,
      roomName: testRoomName(binding.name, suffix),
      identity: `sipops-test-${suffix}`,
      holdMs: this.holdMs,
      delayMs,
    };
  }
}
