/**
 * The "Loopback" button (under a test call's or a loopback's result): a loopback of the same binding
 * through the same guards. One press acts once (a Slack retry or replay does nothing).
 */
import type { AllMiddlewareArgs, BlockButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { parseE164 } from '../../domain/e164';
import { pressKey } from '../../slack/press-key';
import type { StartCall, TestCallAdmission } from './admission';
import type { AgainDeps } from './buttons';
import { decodeLoopbackValue } from './loopback-button';

type PressArgs = SlackActionMiddlewareArgs<BlockButtonAction> & AllMiddlewareArgs;

const OLDER_BUTTON =
  '⚠️ This button is from an older version of SIP Ops. Run `/sip-test-call <binding> loopback` again.';

export function loopbackPressHandler(
  admission: TestCallAdmission,
  deps: Pick<AgainDeps, 'presses' | 'now' | 'logger'>,
  start: StartCall,
): (args: PressArgs) => Promise<void> {
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
      logger.info({ user: body.user.id }, 'loopback: press already handled (Slack retry or replay); ignored');
      return;
    }
    const tell = async (text: string): Promise<void> => {
      try {
        await respond({ response_type: 'ephemeral', replace_original: false, text });
      } catch (err) {
        logger.warn({ err }, 'loopback: could not answer the button click');
      }
    };
    const v = decodeLoopbackValue(action.value);
    const did = v && v.d !== '' ? parseE164(v.d) : undefined;
    if (!v || (did && !did.ok)) {
      await tell(OLDER_BUTTON);
      return;
    }
    const channelId = body.channel?.id ?? body.container?.channel_id ?? '';
    const args = { binding: v.b.toLowerCase(), ...(did?.ok ? { did: did.value } : {}) };
    const prepared = await admission.prepareLoopback({ channelId, userId: body.user.id, args, bindingId: v.bi });
    if (!prepared.ok) {
      await tell(prepared.text);
      return;
    }
    start(prepared.plan, respond);
  };
}
