/**
 * The buttons under a test call's result: "Call again" (handled here: the same call, through the
 * same guards) and "Run checks for this binding" (handled by the health feature).
 */
import type { AllMiddlewareArgs, BlockButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import type { Logger } from 'pino';
import { parseE164 } from '../../domain/e164';
import { TEST_CALL_TIMEOUT, type TestCallArgs } from '../../domain/test-call';
import type { Button, KnownBlock } from '../../slack/block-kit';
import { LIMITS, truncate } from '../../slack/limits';
import { pressKey } from '../../slack/press-key';
import type { SlackPressesRepo } from '../../store/slack-presses-repo';
import { CHECK_BINDING_ACTION } from '../health/messages';
import type { StartCall, TestCallAdmission } from './admission';
import type { CallPlan } from './messages';

export const CALL_AGAIN_ACTION = 'test_call_again';

/** What "Call again" carries, kept short for Slack's button value limit. */
export interface AgainValue {
  b: string;
  n: string;
  t: number;
}

export function encodeAgain(p: Pick<CallPlan, 'binding' | 'number' | 'timeoutSec'>): string {
  const v: AgainValue = { b: p.binding, n: p.number, t: p.timeoutSec };
  return JSON.stringify(v);
}

export function decodeAgain(value: string | undefined): AgainValue | undefined {
  if (!value) return undefined;
  try {
    const v = JSON.parse(value) as Partial<Record<keyof AgainValue, unknown>>;
    if (typeof v.b !== 'string' || typeof v.n !== 'string' || typeof v.t !== 'number' || !Number.isInteger(v.t)) return undefined;
    return { b: v.b, n: v.n, t: v.t };
  } catch {
    return undefined;
  }
}

/** The call a clicked "Call again" asks for, or undefined when its value is not one SIP Ops can use. */
export function againArgs(value: string | undefined): TestCallArgs | undefined {
  const v = decodeAgain(value);
  const number = v ? parseE164(v.n) : undefined;
  const { minSec, maxSec } = TEST_CALL_TIMEOUT;
  if (!v || !number?.ok || v.t < minSec || v.t > maxSec) return undefined;
  return { binding: v.b.toLowerCase(), number: number.value, timeoutSec: v.t };
}

export function resultButtons(p: Pick<CallPlan, 'binding' | 'number' | 'timeoutSec'>): KnownBlock {
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
    value: p.binding,
  };
  return { type: 'actions', block_id: 'test_call_result_actions', elements: [again, checks] };
}

type AgainArgs = SlackActionMiddlewareArgs<BlockButtonAction> & AllMiddlewareArgs;

export interface AgainDeps {
  presses: SlackPressesRepo;
  now: () => Date;
  logger: Logger;
}

/**
 * "Call again": the clicked call through the same guards; refusals come back as an ephemeral line.
 * One press acts once: a Slack retry or a replayed payload of a press already handled does nothing.
 */
export function callAgainHandler(admission: TestCallAdmission, deps: AgainDeps, start: StartCall): (args: AgainArgs) => Promise<void> {
  const { logger } = deps;
  return async ({ ack, body, action, respond }) => {
    await ack();
    if (!(await deps.presses.claim(pressKey(body, action), { actionId: action.action_id, userId: body.user.id }, deps.now()))) {
      logger.info({ user: body.user.id }, 'test call: "Call again" press already handled (Slack retry or replay); ignored');
      return;
    }
    const tell = async (text: string): Promise<void> => {
      try {
        await respond({ response_type: 'ephemeral', replace_original: false, text });
      } catch (err) {
        logger.warn({ err }, 'test call: could not answer the button click');
      }
    };
    const args = againArgs(action.value);
    if (!args) {
      await tell('⚠️ This button is from an older version of SIP Ops. Run `/sip-test-call <binding> <number>` again.');
      return;
    }
    const channelId = body.channel?.id ?? body.container?.channel_id ?? '';
    const prepared = await admission.prepareSafely({ channelId, userId: body.user.id, args });
    if (!prepared.ok) {
      await tell(prepared.text);
      return;
    }
    start(prepared.plan, respond);
  };
}
