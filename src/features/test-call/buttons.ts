/**
 * The buttons under a test call's result: "Call again" (handled here: the same call, through the
 * same guards) and "Run checks for this binding" (handled by the health feature).
 */
import type { AllMiddlewareArgs, BlockButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import type { Logger } from 'pino';
import { parseE164 } from '../../domain/e164';
import { checkObjectIdentity } from '../../domain/object-identity';
import { TEST_CALL_TIMEOUT, type TestCallArgs } from '../../domain/test-call';
import { CHECK_BINDING_ACTION } from '../../slack/action-ids';
import { encodeBindingRef } from '../../slack/binding-ref';
import type { Button, KnownBlock } from '../../slack/block-kit';
import { LIMITS, truncate } from '../../slack/limits';
import { pressKey } from '../../slack/press-key';
import type { BindingsRepo } from '../../store/bindings-repo';
import type { CallsRepo } from '../../store/calls-repo';
import type { SlackPressesRepo } from '../../store/slack-presses-repo';
import type { StartCall, TestCallAdmission } from './admission';
import { loopbackButton } from './loopback-button';
import type { CallPlan } from './messages';

export const CALL_AGAIN_ACTION = 'test_call_again';

/**
 * What "Call again" carries, kept short for Slack's button value limit: binding name, number,
 * timeout, and the identities it was shown for: the binding's id (never reused) and the call's id.
 */
export interface AgainValue {
  b: string;
  n: string;
  t: number;
  bi: string;
  c: string;
}

type AgainSource = Pick<CallPlan, 'binding' | 'bindingId' | 'callId' | 'number' | 'timeoutSec'>;

export function encodeAgain(p: AgainSource): string {
  const v: AgainValue = { b: p.binding, n: p.number, t: p.timeoutSec, bi: p.bindingId, c: p.callId };
  return JSON.stringify(v);
}

export function decodeAgain(value: string | undefined): AgainValue | undefined {
  if (!value) return undefined;
  try {
    const v = JSON.parse(value) as Partial<Record<keyof AgainValue, unknown>>;
    if (typeof v.b !== 'string' || typeof v.n !== 'string' || typeof v.t !== 'number' || !Number.isInteger(v.t))
      return undefined;
    if (typeof v.bi !== 'string' || typeof v.c !== 'string') return undefined;
    return { b: v.b, n: v.n, t: v.t, bi: v.bi, c: v.c };
  } catch {
    return undefined;
  }
}

export interface AgainRequest {
  args: TestCallArgs;
  bindingId: string;
  callId: string;
}

/** The call a clicked "Call again" asks for, or undefined when its value is not one SIP Ops can use. */
export function againRequest(value: string | undefined): AgainRequest | undefined {
  const v = decodeAgain(value);
  const number = v ? parseE164(v.n) : undefined;
  const { minSec, maxSec } = TEST_CALL_TIMEOUT;
  if (!v || !number?.ok || v.t < minSec || v.t > maxSec) return undefined;
  return { args: { binding: v.b.toLowerCase(), number: number.value, timeoutSec: v.t }, bindingId: v.bi, callId: v.c };
}

export function resultButtons(p: AgainSource): KnownBlock {
  const again: Button = {
    type: 'button',
    action_id: CALL_AGAIN_ACTION,
    text: { type: 'plain_text', text: 'Call again' },
    value: truncate(encodeAgain(p), LIMITS.buttonValue),
  };
  const checks: Button = {
    type: 'button',
    // Handled by the health feature.
    action_id: CHECK_BINDING_ACTION,
    text: { type: 'plain_text', text: 'Run checks for this binding' },
    value: encodeBindingRef({ b: p.binding, bi: p.bindingId }),
  };
  return {
    type: 'actions',
    block_id: 'test_call_result_actions',
    elements: [again, loopbackButton({ binding: p.binding, bindingId: p.bindingId }), checks],
  };
}

type AgainArgs = SlackActionMiddlewareArgs<BlockButtonAction> & AllMiddlewareArgs;

export interface AgainDeps {
  presses: SlackPressesRepo;
  bindings: BindingsRepo;
  calls: CallsRepo;
  now: () => Date;
  logger: Logger;
}

/**
 * Whether the button's binding is still the one it was shown for (not deleted, not deleted and
 * re-created under the same name) and its call was a call through that binding; a refusal text or undefined.
 */
export async function againRefusal(
  deps: Pick<AgainDeps, 'bindings' | 'calls'>,
  req: AgainRequest,
): Promise<string | undefined> {
  const lookup = await deps.bindings.lookupIdentity(req.bindingId);
  const check = checkObjectIdentity({ id: req.bindingId }, lookup, {
    kind: 'binding',
    surface: 'button',
    reopen: (name) => `/sip-test-call ${name} ${req.args.number}`,
  });
  if (!check.ok) return check.message;
  if (lookup.state === 'live' && lookup.name !== req.args.binding) return OLDER_BUTTON;
  const call = await deps.calls.get(req.callId);
  if (call && (call.direction !== 'test' || call.bindingName !== req.args.binding)) return OLDER_BUTTON;
  return undefined;
}

const OLDER_BUTTON =
  '⚠️ This button is from an older version of SIP Ops. Run `/sip-test-call <binding> <number>` again.';

/**
 * "Call again": the clicked call through the same guards; refusals come back as an ephemeral line.
 * One press acts once: a Slack retry or a replayed payload of a press already handled does nothing.
 */
export function callAgainHandler(
  admission: TestCallAdmission,
  deps: AgainDeps,
  start: StartCall,
): (args: AgainArgs) => Promise<void> {
  const { logger } = deps;
  return async ({ ack, body, action, respond }) => {
    await ack();
    if (
      !(await deps.presses.claim(
        pressKey(body, action),
        { actionId: action.action_id, userId: body.user.id },
        deps.now(),
      ))
    ) {
      logger.info(
        { user: body.user.id },
        'test call: "Call again" press already handled (Slack retry or replay); ignored',
      );
      return;
    }
    const tell = async (text: string): Promise<void> => {
      try {
        await respond({ response_type: 'ephemeral', replace_original: false, text });
      } catch (err) {
        logger.warn({ err }, 'test call: could not answer the button click');
      }
    };
    const req = againRequest(action.value);
    if (!req) {
      await tell(OLDER_BUTTON);
      return;
    }
    const refusal = await againRefusal(deps, req);
    if (refusal) {
      await tell(refusal);
      return;
    }
    const channelId = body.channel?.id ?? body.container?.channel_id ?? '';
    const prepared = await admission.prepareSafely({
      channelId,
      userId: body.user.id,
      args: req.args,
      bindingId: req.bindingId,
    });
    if (!prepared.ok) {
      await tell(prepared.text);
      return;
    }
    start(prepared.plan, respond);
  };
}
